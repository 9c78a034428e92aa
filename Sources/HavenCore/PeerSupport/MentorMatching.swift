import Foundation

/// A volunteer as matching sees them: what they lived through, where and when they can talk,
/// how much room they have, and whether they can take a family at all today.
public struct MentorVolunteer: Sendable, Equatable {
    public var id: UUID
    public var experiences: Set<LivedExperience>
    public var ageBands: Set<AgeBand>
    /// ISO 639 codes.
    public var languages: Set<String>
    public var gender: MentorGender?
    public var latitude: Double?
    public var longitude: Double?
    /// The offset of the volunteer's time zone from UTC in the week being planned.
    public var utcOffsetHours: Int?
    public var availability: WeekHours
    public var activeFamilies: Int
    public var capacity: Int
    /// From `Eligibility.check`; nil when the volunteer can take a family today.
    public var ineligibility: Ineligibility?

    public init(
        id: UUID, experiences: Set<LivedExperience> = [], ageBands: Set<AgeBand> = [], languages: Set<String> = [],
        gender: MentorGender? = nil, latitude: Double? = nil, longitude: Double? = nil, utcOffsetHours: Int? = nil,
        availability: WeekHours = .empty, activeFamilies: Int = 0, capacity: Int = 1,
        ineligibility: Ineligibility? = nil
    ) {
        self.id = id
        self.experiences = experiences
        self.ageBands = ageBands
        self.languages = languages
        self.gender = gender
        self.latitude = latitude
        self.longitude = longitude
        self.utcOffsetHours = utcOffsetHours
        self.availability = availability
        self.activeFamilies = activeFamilies
        self.capacity = capacity
        self.ineligibility = ineligibility
    }

    /// Families this volunteer can still take.
    public var room: Int { ineligibility == nil ? max(capacity - activeFamilies, 0) : 0 }
}

/// A family waiting for a mentor, as matching sees them: what they are living through, their
/// child's age band, languages, place, and what they asked for in a mentor.
public struct MentorSeeker: Sendable, Equatable {
    public var id: UUID
    public var requestedOn: CalendarDate
    public var situations: Set<LivedExperience>
    public var childAgeBand: AgeBand?
    /// ISO 639 codes, the family's first language first.
    public var languages: [String]
    public var preferredGender: MentorGender?
    public var sameLanguageRequired: Bool
    public var sameSituationPreferred: Bool
    public var latitude: Double?
    public var longitude: Double?
    public var utcOffsetHours: Int?
    /// When the family would like to talk; nil when they did not say.
    public var contactHours: WeekHours?

    public init(
        id: UUID, requestedOn: CalendarDate, situations: Set<LivedExperience> = [], childAgeBand: AgeBand? = nil,
        languages: [String] = [], preferredGender: MentorGender? = nil, sameLanguageRequired: Bool = false,
        sameSituationPreferred: Bool = true, latitude: Double? = nil, longitude: Double? = nil,
        utcOffsetHours: Int? = nil, contactHours: WeekHours? = nil
    ) {
        self.id = id
        self.requestedOn = requestedOn
        self.situations = situations
        self.childAgeBand = childAgeBand
        self.languages = languages
        self.preferredGender = preferredGender
        self.sameLanguageRequired = sameLanguageRequired
        self.sameSituationPreferred = sameSituationPreferred
        self.latitude = latitude
        self.longitude = longitude
        self.utcOffsetHours = utcOffsetHours
        self.contactHours = contactHours
    }
}

/// How well one volunteer fits one family, part by part, before weighting.
public struct MentorFit: Sendable, Equatable {
    public var sharedExperiences: [LivedExperience]
    public var experience: Double
    public var ageBandShared: Bool?
    public var sharedLanguages: [String]
    public var distanceKm: Double?
    public var sameTimeZone: Bool
    public var proximity: Double
    /// Hours a week the volunteer is available when the family would like to talk (or at all,
    /// when the family did not say).
    public var overlapHours: Int
    public var familyGaveHours: Bool
    public var activeFamilies: Int
    public var capacity: Int

    /// The weights: shared lived experience counts most.
    public static let weights = (
        experience: 0.35, ageBand: 0.15, language: 0.10, proximity: 0.15, availability: 0.15, load: 0.10
    )

    /// 0 to 1.
    public var score: Double {
        Self.score(
            experience: experience, ageBandShared: ageBandShared, languageShared: !sharedLanguages.isEmpty,
            proximity: proximity, overlapHours: overlapHours, activeFamilies: activeFamilies, capacity: capacity)
    }

    /// The one weighting, from the parts.
    @inline(__always)
    static func score(
        experience: Double, ageBandShared: Bool?, languageShared: Bool, proximity: Double, overlapHours: Int,
        activeFamilies: Int, capacity: Int
    ) -> Double {
        let weights = Self.weights
        let age = ageBandShared.map { $0 ? 1.0 : 0.0 } ?? 0.5
        let availability = min(Double(overlapHours) / 6, 1)
        let load = capacity > 0 ? 1 - Double(activeFamilies) / Double(capacity) : 0
        return weights.experience * experience + weights.ageBand * age + weights.language * (languageShared ? 1 : 0)
            + weights.proximity * proximity + weights.availability * availability + weights.load * load
    }

    /// The score in hundredths, the unit batch assignment maximizes.
    public var points: Int { Self.points(score) }

    @inline(__always)
    static func points(_ score: Double) -> Int { Int((score * 100).rounded()) }
}

/// One suggestion: a volunteer, the score and the reasons.
public struct MentorSuggestion: Sendable, Equatable {
    public var volunteerID: UUID
    public var score: Double
    public var reasons: [String]
}

/// Who was left out of the suggestions and why (each volunteer under the first constraint it
/// fails, in `MentorConstraint` order).
public struct MentorExclusions: Sendable, Equatable {
    public var counts: [MentorConstraint: Int] = [:]
    public var total: Int { counts.values.reduce(0, +) }
}

/// Ranks volunteers for a family: the hard constraints first (eligibility, a required shared
/// language, a stated mentor gender), then one weighted score (`MentorFit.score`). Pure: no
/// I/O. Suggestions and batch assignment both score through `MentorTable`, so a pair scores the
/// same in both.
public enum MentorScoring {
    /// The first hard constraint the volunteer fails for this family, or nil.
    public static func exclusion(_ volunteer: MentorVolunteer, for family: MentorSeeker) -> MentorConstraint? {
        let table = MentorTable(volunteers: [volunteer], families: [family])
        return table.exclusion(volunteer: 0, family: 0)
    }

    public static func fit(_ volunteer: MentorVolunteer, for family: MentorSeeker) -> MentorFit {
        MentorTable(volunteers: [volunteer], families: [family]).fit(volunteer: 0, family: 0)
    }

    /// Eligible volunteers for the family, best first (ties: fewer active families, then id),
    /// and how many each hard constraint left out.
    public static func suggest(for family: MentorSeeker, among volunteers: [MentorVolunteer], limit: Int = 10)
        -> (suggestions: [MentorSuggestion], exclusions: MentorExclusions)
    {
        let table = MentorTable(volunteers: volunteers, families: [family])
        var exclusions = MentorExclusions()
        var ranked: [(fit: MentorFit, volunteer: MentorVolunteer)] = []
        for (index, volunteer) in volunteers.enumerated() {
            if let constraint = table.exclusion(volunteer: index, family: 0) {
                exclusions.counts[constraint, default: 0] += 1
            } else {
                ranked.append((table.fit(volunteer: index, family: 0), volunteer))
            }
        }
        ranked.sort { lhs, rhs in
            if lhs.fit.points != rhs.fit.points { return lhs.fit.points > rhs.fit.points }
            if lhs.volunteer.activeFamilies != rhs.volunteer.activeFamilies {
                return lhs.volunteer.activeFamilies < rhs.volunteer.activeFamilies
            }
            return lhs.volunteer.id.uuidString < rhs.volunteer.id.uuidString
        }
        let suggestions = ranked.prefix(limit).map {
            MentorSuggestion(volunteerID: $0.volunteer.id, score: Double($0.fit.points) / 100, reasons: reasons($0.fit))
        }
        return (suggestions, exclusions)
    }

    /// Plain sentences a coordinator can read aloud.
    public static func reasons(_ fit: MentorFit) -> [String] {
        var reasons: [String] = []
        if !fit.sharedExperiences.isEmpty {
            reasons.append("lived through \(fit.sharedExperiences.map(\.label).joined(separator: ", ")) too")
        }
        if fit.ageBandShared == true { reasons.append("their child was in the same age band") }
        if !fit.sharedLanguages.isEmpty {
            reasons.append("speaks \(fit.sharedLanguages.map(LanguageNames.name).joined(separator: " and "))")
        }
        if let distance = fit.distanceKm, distance < 500 {
            reasons.append(distance < 10 ? "lives nearby" : "about \(Int(distance.rounded())) km away")
        } else if fit.sameTimeZone {
            reasons.append("in the same time zone")
        }
        if fit.overlapHours > 0 {
            reasons.append(
                fit.familyGaveHours
                    ? "available \(fit.overlapHours) hours a week when the family would like to talk"
                    : "available \(fit.overlapHours) hours a week")
        } else if fit.familyGaveHours {
            reasons.append("not available when the family would like to talk")
        }
        reasons.append(
            "mentoring \(fit.activeFamilies) of \(fit.capacity) \(fit.capacity == 1 ? "family" : "families")")
        return reasons
    }

    /// Whole hours from UTC of an IANA zone on `day`, for `utcOffsetHours`.
    public static func utcOffsetHours(_ zone: String, at day: Date) -> Int? {
        TimeZone(identifier: zone).map { $0.secondsFromGMT(for: day) / 3600 }
    }
}
