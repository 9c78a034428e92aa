import Foundation

/// What a specialist asked for, as far as ranking cares.
public struct SearchRequest: Sendable, Equatable {
    /// Needs taxonomy codes; a parent code is met by any of its descendants.
    public var needs: [String]
    public var radiusKm: Double
    /// ISO 639 code.
    public var language: String?
    /// The child's age.
    public var age: Int?
    public var audiences: [String]
    /// Opening hours are judged at a moment the specialist chose (`open_at`), not now: the
    /// reasons say "open then", not "open now".
    public var atChosenMoment: Bool
    /// The freshness period (`HAVEN_STALE_AFTER_DAYS`), for the reason a stale result shows.
    public var staleAfterDays: Int

    public init(
        needs: [String] = [], radiusKm: Double = 40, language: String? = nil, age: Int? = nil, audiences: [String] = [],
        atChosenMoment: Bool = false, staleAfterDays: Int = 365
    ) {
        self.needs = needs
        self.radiusKm = radiusKm
        self.language = language
        self.age = age
        self.audiences = audiences
        self.atChosenMoment = atChosenMoment
        self.staleAfterDays = staleAfterDays
    }
}

/// One service the database found near the family (or covering their place), with what
/// ranking needs to know about it.
public struct SearchCandidate: Sendable, Equatable {
    public var serviceNeeds: [String]
    /// From the family's point to the nearest location; nil when only a service area matched.
    public var distanceKm: Double?
    /// The distance is to a confidential location's approximate area.
    public var approximate: Bool
    /// How the service reaches the place when it is not by distance: national, state, county,
    /// zip, polygon or radius.
    public var areaMatch: String?
    /// A handful of codes: a list to search, not a set to build for every candidate.
    public var languages: [String]
    public var interpretation: Bool
    public var minimumAge: Int?
    public var maximumAge: Int?
    /// At the moment asked; nil when the service publishes no hours.
    public var opening: OpeningStatus?
    public var stale: Bool
    /// Which requested needs `serviceNeeds` meet, bit `i` for the request's `needs[i]`, when a
    /// `NeedMatcher` already worked it out for the request; nil to compare the codes.
    public var metNeeds: UInt64?

    public init(
        serviceNeeds: [String], distanceKm: Double?, approximate: Bool = false, areaMatch: String? = nil,
        languages: [String] = [], interpretation: Bool = false, minimumAge: Int? = nil, maximumAge: Int? = nil,
        opening: OpeningStatus? = nil, stale: Bool = false, metNeeds: UInt64? = nil
    ) {
        self.serviceNeeds = serviceNeeds
        self.distanceKm = distanceKm
        self.approximate = approximate
        self.areaMatch = areaMatch
        self.languages = languages
        self.interpretation = interpretation
        self.minimumAge = minimumAge
        self.maximumAge = maximumAge
        self.opening = opening
        self.stale = stale
        self.metNeeds = metNeeds
    }
}

/// Why a service ranks where it does.
public struct SearchMatch: Sendable, Equatable {
    /// 0…1, higher is better.
    public var score: Double
    /// Sentences a specialist can read to a family.
    public var reasons: [String]
    /// Requested needs this service does not meet: the gaps to fill elsewhere.
    public var unmetNeeds: [String]
}

/// The one ranking function: needs covered, distance, language, open now, eligibility and
/// freshness, each worth a fixed share of the score, each explained in a sentence.
public enum SearchScoring {
    /// Shares of the score; they add up to 1.
    public static let weights = (
        needs: 0.40, distance: 0.25, language: 0.15, open: 0.10, eligibility: 0.05, freshness: 0.05
    )

    /// The share of `weights.open` a service whose hours are unknown gets: less than one open
    /// now, more than one closed now.
    static let unknownHoursShare = 0.3

    /// The score with the moment of the search left out: hours count as they do for a service
    /// whose hours are unknown, except 24/7, which holds at any moment. A referral plan is kept
    /// for weeks, so a draft made at 11:00 and one made at 19:00 should suggest the same services.
    public static func lastingScore(_ score: Double, opening: OpeningStatus?) -> Double {
        guard let opening, !opening.alwaysOpen else { return score }
        return score - (opening.isOpen ? weights.open : 0) + weights.open * unknownHoursShare
    }

    /// Needs a requested code covers: the code itself and its descendants.
    public static func meets(_ requested: String, _ serviceNeeds: [String]) -> Bool {
        serviceNeeds.contains { TaxonomyCode.code($0, isWithin: requested) }
    }

    /// The candidate's score and, when `explained`, the reasons for it. Ranking scores every
    /// candidate but shows a page: the sentences are written for the page only, by this same
    /// function, so a score and its reasons can never disagree.
    public static func match(
        _ candidate: SearchCandidate, for request: SearchRequest, needLabels: [String: String] = [:],
        explained: Bool = true
    ) -> SearchMatch {
        var score = 0.0
        var reasons: [String] = []
        func explain(_ reason: @autoclosure () -> String) {
            if explained { reasons.append(reason()) }
        }

        // Needs.
        var unmet: [String] = []
        let metBits = request.needs.count < 64 ? candidate.metNeeds : nil
        for (index, need) in request.needs.enumerated() {
            let met = metBits.map { $0 & (1 << UInt64(index)) != 0 } ?? meets(need, candidate.serviceNeeds)
            if !met { unmet.append(need) }
        }
        if request.needs.isEmpty {
            score += weights.needs
        } else {
            let metCount = request.needs.count - unmet.count
            score += weights.needs * Double(metCount) / Double(request.needs.count)
            explain(
                {
                    let names = request.needs.filter { !unmet.contains($0) }.map { needLabels[$0] ?? $0 }
                        .joined(separator: ", ")
                    return metCount == request.needs.count
                        ? "meets \(metCount == 1 ? "the need" : "all \(metCount) needs"): \(names)"
                        : "meets \(metCount) of \(request.needs.count) needs: \(names)"
                }())
        }

        // Distance: full marks on the spot, none at the edge of the radius. A service that
        // reaches the place through its service area (a hotline, a county program) scores by how
        // local that area is; one that does both scores by the better of the two, so an office
        // near the edge of the radius never costs a service that serves the family's ZIP.
        let nearness = candidate.distanceKm.map { max(0, 1 - $0 / max(request.radiusKm, 0.1)) }
        let reach = candidate.areaMatch.map { areaReach($0) }
        func away(_ distance: Double) -> String {
            let shown = kilometres(distance)
            return candidate.approximate ? "about \(shown) km away (confidential location)" : "\(shown) km away"
        }
        if let nearness, nearness >= reach ?? 0 {
            score += weights.distance * nearness
            if let distance = candidate.distanceKm { explain(away(distance)) }
        } else {
            score += weights.distance * (reach ?? areaReach(nil))
            explain(areaReason(candidate.areaMatch))
            if let distance = candidate.distanceKm { explain(away(distance)) }
        }

        // Language.
        if let language = request.language {
            if candidate.languages.contains(language) {
                score += weights.language
                explain("offers \(LanguageNames.name(language))")
            } else if candidate.interpretation {
                score += weights.language * 0.6
                explain("offers \(LanguageNames.name(language)) through an interpreter")
            }
        } else {
            score += weights.language
        }

        // Open now.
        switch candidate.opening {
        case .some(let status) where status.alwaysOpen:
            score += weights.open
            explain("open 24/7")
        case .some(let status) where status.isOpen:
            score += weights.open
            explain(
                (request.atChosenMoment ? "open then" : "open now") + (status.closesAt.map { " until \($0)" } ?? ""))
        case .some:
            explain(request.atChosenMoment ? "closed then" : "closed now")
        case .none:
            score += weights.open * unknownHoursShare
        }

        // Eligibility.
        if let age = request.age {
            let fits = (candidate.minimumAge ?? 0) <= age && age <= (candidate.maximumAge ?? 120)
            if fits { score += weights.eligibility }
        } else {
            score += weights.eligibility
        }
        if candidate.minimumAge != nil || candidate.maximumAge != nil {
            explain(
                {
                    let low = candidate.minimumAge.map(String.init) ?? "0"
                    return candidate.maximumAge.map { "serves ages \(low)–\($0)" } ?? "serves ages \(low) and up"
                }())
        }

        // Freshness.
        if candidate.stale {
            explain(
                "details not verified in the last "
                    + (request.staleAfterDays == 365 ? "year" : "\(request.staleAfterDays) days"))
        } else {
            score += weights.freshness
        }

        return SearchMatch(score: (score * 1000).rounded() / 1000, reasons: reasons, unmetNeeds: unmet)
    }

    /// "3.4" under 10 km, "27" from there: what `String(format:)` with `%.1f` and `%.0f` wrote,
    /// at a fraction of its cost on Linux. The CLI shows distances the same way, so a result's
    /// distance and its reason never disagree ("16.6 km" beside "17 km away").
    public static func kilometres(_ distance: Double) -> String {
        if distance < 10 {
            let tenths = Int((distance * 10).rounded(.toNearestOrEven))
            return "\(tenths / 10).\(tenths % 10)"
        }
        return String(Int(distance.rounded(.toNearestOrEven)))
    }

    /// The share of the distance weight a service earns by reaching the place through its
    /// service area: more for a more local area, in the order search reads areas (ZIP, drawn
    /// shape, county, state, national), so the candidates it reads first are the ones ranked
    /// first. A county program scores as a service 40% of the way to the edge of the radius
    /// would, a national one as one 80% of the way.
    public static func areaReach(_ kind: String?) -> Double {
        switch kind {
        case "zip": 0.8
        case "polygon", "radius": 0.7
        case "county": 0.6
        case "state": 0.4
        case "national": 0.2
        default: 0.5
        }
    }

    public static func areaReason(_ kind: String?) -> String {
        switch kind {
        case "national": "serves the whole country"
        case "state": "serves your state"
        case "county": "serves your county"
        case "zip": "serves your ZIP code"
        case "polygon": "serves your area"
        case "radius": "serves your area (within its radius)"
        default: "serves your area"
        }
    }
}

/// English names for the language codes specialists meet most; others show as their code.
public enum LanguageNames {
    static let names: [String: String] = [
        "en": "English", "es": "Spanish", "zh": "Chinese", "vi": "Vietnamese", "ar": "Arabic", "so": "Somali",
        "ko": "Korean", "ru": "Russian", "ht": "Haitian Creole", "tl": "Tagalog", "pl": "Polish", "hmn": "Hmong",
        "ase": "American Sign Language", "fr": "French", "am": "Amharic", "uk": "Ukrainian", "pt": "Portuguese",
        "fa": "Persian", "hi": "Hindi", "ur": "Urdu", "nv": "Navajo", "yue": "Cantonese", "cmn": "Mandarin",
    ]

    public static func name(_ code: String) -> String { names[code] ?? code }
}
