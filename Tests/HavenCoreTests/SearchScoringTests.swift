import Foundation
import Testing

@testable import HavenCore

@Suite("Search ranking")
struct SearchScoringTests {
    static let counseling = ["mental-health.trauma-therapy"]

    @Test("of two otherwise equal services, the one 5 km away ranks above the one 30 km away")
    func nearerRanksHigher() {
        let request = SearchRequest(needs: ["mental-health"], radiusKm: 40)
        let near = SearchScoring.match(SearchCandidate(serviceNeeds: Self.counseling, distanceKm: 5), for: request)
        let far = SearchScoring.match(SearchCandidate(serviceNeeds: Self.counseling, distanceKm: 30), for: request)
        #expect(near.score > far.score)
        #expect(near.reasons.contains("5.0 km away"))
        #expect(far.reasons.contains("30 km away"))
    }

    @Test("a plan's lasting score leaves the moment out: open or closed now ranks alike, 24/7 still counts")
    func lastingScoreIgnoresTheMoment() {
        let request = SearchRequest(needs: ["basic-needs.food"], radiusKm: 40)
        func scored(_ km: Double, _ opening: OpeningStatus?) -> (now: Double, lasting: Double) {
            let candidate = SearchCandidate(serviceNeeds: ["basic-needs.food"], distanceKm: km, opening: opening)
            let score = SearchScoring.match(candidate, for: request).score
            return (score, SearchScoring.lastingScore(score, opening: opening))
        }
        // An evening pantry 2 km away, closed at the moment, and a morning one 10 km away, open.
        let evening = scored(2, .closed)
        let morning = scored(10, OpeningStatus(isOpen: true, closesAt: LocalTime("12:00")))
        #expect(morning.now > evening.now, "at this moment, being open outweighs 8 km")
        #expect(evening.lasting > morning.lasting, "for a plan, the nearer one comes first")
        let unknown = scored(2, nil)
        #expect(abs(evening.lasting - unknown.lasting) < 1e-9, "known hours at a moment count as unknown ones")
        let hotline = scored(2, OpeningStatus(isOpen: true, alwaysOpen: true))
        #expect(hotline.lasting == hotline.now)
        #expect(hotline.lasting > evening.lasting, "open 24/7 holds at any moment")
    }

    @Test("needs covered count most, a parent need is met by a child-coded service, and gaps are listed")
    func needsCoverage() {
        let request = SearchRequest(needs: ["mental-health", "legal.family-law", "housing"])
        let labels = ["mental-health": "counseling", "legal.family-law": "legal advocacy"]
        let two = SearchScoring.match(
            SearchCandidate(serviceNeeds: ["mental-health.trauma-therapy", "legal.family-law"], distanceKm: 20),
            for: request, needLabels: labels)
        let one = SearchScoring.match(
            SearchCandidate(serviceNeeds: ["mental-health.child-therapy"], distanceKm: 1), for: request)
        #expect(two.score > one.score, "meeting more needs outweighs being nearer")
        #expect(two.reasons.first == "meets 2 of 3 needs: counseling, legal advocacy")
        #expect(two.unmetNeeds == ["housing"])
        #expect(one.unmetNeeds == ["legal.family-law", "housing"])
        #expect(SearchScoring.meets("mental-health", ["mental-health.trauma-therapy"]))
        #expect(!SearchScoring.meets("mental-health.trauma-therapy", ["mental-health"]))
        #expect(!SearchScoring.meets("mental-health", ["mental-healthcare"]))
    }

    @Test("language, open hours, ages and freshness each add to the score and say so")
    func otherFactors() {
        let request = SearchRequest(needs: [], language: "es", age: 14)
        var candidate = SearchCandidate(
            serviceNeeds: [], distanceKm: 3.4, languages: ["en", "es"], minimumAge: 12, maximumAge: 17,
            opening: OpeningStatus(isOpen: true, closesAt: LocalTime("17:00")))
        let best = SearchScoring.match(candidate, for: request)
        #expect(best.reasons == ["3.4 km away", "offers Spanish", "open now until 17:00", "serves ages 12–17"])
        #expect(
            abs(best.score - (1 - SearchScoring.weights.distance * 3.4 / 40)) < 0.001, "only distance costs anything")

        candidate.languages = ["en"]
        candidate.interpretation = true
        let interpreted = SearchScoring.match(candidate, for: request)
        #expect(interpreted.score < best.score)
        #expect(interpreted.reasons.contains("offers Spanish through an interpreter"))

        candidate.opening = .closed
        candidate.stale = true
        candidate.minimumAge = 18
        candidate.maximumAge = nil
        let worse = SearchScoring.match(candidate, for: request)
        #expect(worse.score < interpreted.score)
        #expect(worse.reasons.contains("closed now"))
        #expect(worse.reasons.contains("serves ages 18 and up"))
        #expect(worse.reasons.contains("details not verified in the last year"))
        var shorter = request
        shorter.staleAfterDays = 180
        #expect(
            SearchScoring.match(candidate, for: shorter).reasons.contains("details not verified in the last 180 days"))
    }

    @Test(
        "a service reaching the place through its area says how, and a confidential one gives only an approximate distance"
    )
    func areaAndConfidential() {
        let request = SearchRequest(needs: ["safety"])
        let hotline = SearchScoring.match(
            SearchCandidate(
                serviceNeeds: ["safety.crisis-line"], distanceKm: nil, areaMatch: "national",
                opening: OpeningStatus(isOpen: true, alwaysOpen: true)), for: request)
        #expect(hotline.reasons.contains("serves the whole country"))
        #expect(hotline.reasons.contains("open 24/7"))
        let shelter = SearchScoring.match(
            SearchCandidate(serviceNeeds: ["safety.safety-planning"], distanceKm: 4.2, approximate: true), for: request)
        #expect(shelter.reasons.contains("about 4.2 km away (confidential location)"))
    }

    @Test("a more local service area ranks higher: ZIP, drawn shape, county, state, then national")
    func localAreasFirst() {
        let request = SearchRequest(needs: ["legal"], radiusKm: 40)
        func score(area: String?, distanceKm: Double? = nil) -> Double {
            SearchScoring.match(
                SearchCandidate(serviceNeeds: ["legal.family-law"], distanceKm: distanceKm, areaMatch: area),
                for: request
            ).score
        }
        let scores = ["zip", "polygon", "county", "state", "national"].map { score(area: $0) }
        #expect(scores == scores.sorted(by: >) && Set(scores).count == scores.count, "\(scores)")
        #expect(score(area: "radius") == score(area: "polygon"))
        // A county program counts as a service 16 km away in a 40 km radius.
        #expect(score(area: "county") < score(area: nil, distanceKm: 15))
        #expect(score(area: "county") > score(area: nil, distanceKm: 17))
        // Serving the family's ZIP and having an office 30 km away is worth the ZIP, not less;
        // an office 2 km away is worth more than either.
        #expect(score(area: "zip", distanceKm: 30) == score(area: "zip"))
        #expect(score(area: "zip", distanceKm: 2) == score(area: nil, distanceKm: 2))
        let both = SearchScoring.match(
            SearchCandidate(serviceNeeds: ["legal.family-law"], distanceKm: 30, areaMatch: "zip"), for: request)
        #expect(Array(both.reasons.dropFirst().prefix(2)) == ["serves your ZIP code", "30 km away"], "\(both.reasons)")
    }

    @Test("distances read as printf wrote them: one decimal under 10 km, whole kilometres above")
    func distanceText() {
        for hundredths in 0..<20_000 {
            let distance = Double(hundredths) / 100 + 0.003
            let printf = distance < 10 ? String(format: "%.1f", distance) : String(format: "%.0f", distance)
            #expect(SearchScoring.kilometres(distance) == printf, "\(distance)")
        }
        #expect(SearchScoring.kilometres(9.96) == "10.0")
        #expect(SearchScoring.kilometres(0) == "0.0")
    }

    @Test("scoring without reasons gives the same score and gaps, with no sentences written")
    func unexplainedScore() {
        let request = SearchRequest(needs: ["mental-health", "housing"], language: "es", age: 9)
        let candidates = [
            SearchCandidate(serviceNeeds: Self.counseling, distanceKm: 3.4, languages: ["es"], minimumAge: 5),
            SearchCandidate(
                serviceNeeds: ["housing.youth-shelter"], distanceKm: nil, areaMatch: "county", interpretation: true,
                opening: OpeningStatus(isOpen: false, alwaysOpen: false), stale: true),
        ]
        for candidate in candidates {
            let explained = SearchScoring.match(candidate, for: request)
            let scored = SearchScoring.match(candidate, for: request, explained: false)
            #expect(scored.score == explained.score)
            #expect(scored.unmetNeeds == explained.unmetNeeds)
            #expect(scored.reasons.isEmpty)
            #expect(explained.reasons.count >= 3)
        }
    }
}
