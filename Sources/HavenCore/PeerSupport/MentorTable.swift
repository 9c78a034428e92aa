import Foundation

/// Volunteers and families encoded for fast pairwise scoring: sets as bit masks, places as unit
/// vectors, so a batch can score millions of pairs. Every score in Haven, for one suggestion or
/// a whole batch, comes through `parts(volunteer:family:)`.
struct MentorTable: Sendable {
    struct Volunteer: Sendable {
        var experiences: UInt16
        var ageBands: UInt8
        var languages: UInt64
        var gender: MentorGender?
        var unit: (x: Double, y: Double, z: Double)?
        var offset: Int?
        var availability: WeekHours
        var activeFamilies: Int
        var capacity: Int
        var ineligibility: Ineligibility?
    }

    struct Family: Sendable {
        var situations: UInt16
        var ageBand: UInt8?
        var languages: UInt64
        var preferredGender: MentorGender?
        var sameLanguageRequired: Bool
        var sameSituationPreferred: Bool
        var unit: (x: Double, y: Double, z: Double)?
        var offset: Int?
        var contactHours: WeekHours?
    }

    /// The parts of a fit the score needs.
    struct Parts {
        var sharedExperiences: UInt16
        var experience: Double
        var ageBandShared: Bool?
        var sharedLanguages: UInt64
        var distanceKm: Double?
        var proximity: Double
        var sameTimeZone: Bool
        var overlapHours: Int
    }

    let volunteers: [Volunteer]
    let families: [Family]
    /// The families' languages, one bit each (the first 64 distinct codes; a language beyond
    /// them cannot be matched on, which no real waiting list reaches).
    let languageIndex: [String: Int]
    let languageCodes: [String]

    init(volunteers: [MentorVolunteer], families: [MentorSeeker]) {
        var index: [String: Int] = [:]
        var codes: [String] = []
        for family in families {
            for language in family.languages where index[language] == nil && codes.count < 64 {
                index[language] = codes.count
                codes.append(language)
            }
        }
        func mask(_ languages: some Sequence<String>) -> UInt64 {
            languages.reduce(0) { bits, code in index[code].map { bits | (1 << UInt64($0)) } ?? bits }
        }
        self.volunteers = volunteers.map { volunteer in
            Volunteer(
                experiences: Self.mask(volunteer.experiences), ageBands: Self.mask(volunteer.ageBands),
                languages: mask(volunteer.languages), gender: volunteer.gender,
                unit: Self.unit(volunteer.latitude, volunteer.longitude), offset: volunteer.utcOffsetHours,
                availability: volunteer.availability, activeFamilies: volunteer.activeFamilies,
                capacity: volunteer.capacity, ineligibility: volunteer.ineligibility)
        }
        self.families = families.map { family in
            Family(
                situations: Self.mask(family.situations), ageBand: family.childAgeBand.map { Self.mask([$0]) },
                languages: mask(family.languages), preferredGender: family.preferredGender,
                sameLanguageRequired: family.sameLanguageRequired && !family.languages.isEmpty,
                sameSituationPreferred: family.sameSituationPreferred,
                unit: Self.unit(family.latitude, family.longitude),
                offset: family.utcOffsetHours, contactHours: family.contactHours)
        }
        languageIndex = index
        languageCodes = codes
    }

    func exclusion(volunteer v: Int, family f: Int) -> MentorConstraint? {
        let volunteer = volunteers[v]
        let family = families[f]
        if let problem = volunteer.ineligibility { return problem.constraint }
        if family.sameLanguageRequired && volunteer.languages & family.languages == 0 { return .language }
        if let wanted = family.preferredGender, volunteer.gender != wanted { return .gender }
        return nil
    }

    @inline(__always)
    func parts(volunteer v: Int, family f: Int) -> Parts {
        let volunteer = volunteers[v]
        let family = families[f]
        let shared = volunteer.experiences & family.situations
        var experience = 0.5
        if family.situations != 0 {
            let share = Double(shared.nonzeroBitCount) / Double(family.situations.nonzeroBitCount)
            experience = family.sameSituationPreferred ? share : 0.5 + share / 2
        }
        var distance: Double?
        var proximity = 0.0
        if let a = volunteer.unit, let b = family.unit {
            let cosine = min(max(a.x * b.x + a.y * b.y + a.z * b.z, -1), 1)
            let kilometres = 6371 * acos(cosine)
            distance = kilometres
            proximity = max(0, 1 - kilometres / 500)
        }
        var sameZone = false
        if let a = volunteer.offset, let b = family.offset {
            let apart = abs(a - b)
            sameZone = apart == 0
            proximity = max(proximity, apart == 0 ? 0.6 : apart == 1 ? 0.3 : 0)
        }
        let overlap = family.contactHours.map { volunteer.availability.overlap($0) } ?? volunteer.availability.count
        return Parts(
            sharedExperiences: shared, experience: experience,
            ageBandShared: family.ageBand.map { volunteer.ageBands & $0 != 0 },
            sharedLanguages: volunteer.languages & family.languages, distanceKm: distance, proximity: proximity,
            sameTimeZone: sameZone, overlapHours: overlap)
    }

    /// The score in hundredths, for batch assignment.
    @inline(__always)
    func points(volunteer v: Int, family f: Int) -> Int {
        let parts = parts(volunteer: v, family: f)
        let volunteer = volunteers[v]
        return MentorFit.points(
            MentorFit.score(
                experience: parts.experience, ageBandShared: parts.ageBandShared,
                languageShared: parts.sharedLanguages != 0, proximity: parts.proximity,
                overlapHours: parts.overlapHours, activeFamilies: volunteer.activeFamilies,
                capacity: volunteer.capacity))
    }

    func fit(volunteer v: Int, family f: Int) -> MentorFit {
        let parts = parts(volunteer: v, family: f)
        let volunteer = volunteers[v]
        return MentorFit(
            sharedExperiences: LivedExperience.allCases.enumerated()
                .filter { parts.sharedExperiences & (1 << UInt16($0.offset)) != 0 }.map(\.element),
            experience: parts.experience, ageBandShared: parts.ageBandShared,
            sharedLanguages: languageCodes.enumerated().filter { parts.sharedLanguages & (1 << UInt64($0.offset)) != 0 }
                .map(\.element),
            distanceKm: parts.distanceKm, sameTimeZone: parts.sameTimeZone, proximity: parts.proximity,
            overlapHours: parts.overlapHours, familyGaveHours: families[f].contactHours != nil,
            activeFamilies: volunteer.activeFamilies, capacity: volunteer.capacity)
    }

    static func mask<Code: CaseIterable & Equatable>(_ codes: some Sequence<Code>) -> UInt16 {
        let all = Array(Code.allCases)
        return codes.reduce(0) { bits, code in bits | (1 << UInt16(all.firstIndex(of: code)!)) }
    }

    static func mask(_ bands: some Sequence<AgeBand>) -> UInt8 {
        UInt8(truncatingIfNeeded: mask(bands) as UInt16)
    }

    static func unit(_ latitude: Double?, _ longitude: Double?) -> (x: Double, y: Double, z: Double)? {
        guard let latitude, let longitude else { return nil }
        let (phi, lambda) = (latitude * .pi / 180, longitude * .pi / 180)
        return (cos(phi) * cos(lambda), cos(phi) * sin(lambda), sin(phi))
    }
}
