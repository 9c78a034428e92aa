import Testing

@testable import HavenCore

@Suite("Needs matched by number")
struct NeedMatcherTests {
    @Test("a need is met by its own code and its descendants, not by a code that only starts alike")
    func bits() throws {
        let numbering = NeedNumbering()
        let services = [
            ["mental-health.trauma-therapy", "legal.family-law"],
            ["mental-healthcare"],
            ["housing", "mental-health"],
            [],
        ]
        let numbered = try services.map { try #require(numbering.numbers(of: $0)) }
        var matcher = try #require(
            NeedMatcher(needs: ["mental-health", "legal", "housing.youth-shelter"], codes: numbering.codes))
        let met = numbered.map { matcher.met($0) }
        #expect(met == [0b011, 0, 0b001, 0], "a parent code does not meet its child need")
        // Asked again, the worked-out answers are read back unchanged.
        let again = matcher.met(numbered[0])
        #expect(again == 0b011)
    }

    @Test("the same code keeps its number; a code numbered after the search began, or past capacity, has no answer")
    func numbering() throws {
        let numbering = NeedNumbering(capacity: 3)
        let first = try #require(numbering.numbers(of: ["legal", "housing"]))
        #expect(numbering.numbers(of: ["housing", "legal"]) == first.reversed())
        var matcher = try #require(NeedMatcher(needs: ["legal"], codes: numbering.codes))
        let later = try #require(numbering.numbers(of: ["legal.immigration"]))
        let unanswered = matcher.met(later)
        #expect(unanswered == nil)
        #expect(numbering.numbers(of: ["medical"]) == nil, "the table is full")
        #expect(NeedMatcher(needs: (0..<64).map { "need-\($0)" }, codes: []) == nil)
    }

    @Test("scoring from matched bits gives the same score, reasons and gaps as comparing codes")
    func scoringAgrees() throws {
        let numbering = NeedNumbering()
        let request = SearchRequest(needs: ["mental-health", "legal.family-law", "housing"])
        let labels = ["mental-health": "counseling", "legal.family-law": "legal advocacy"]
        let needs = ["mental-health.trauma-therapy", "legal.family-law"]
        let numbers = try #require(numbering.numbers(of: needs))
        var fresh = try #require(NeedMatcher(needs: request.needs, codes: numbering.codes))
        let answer = fresh.met(numbers)
        let met = try #require(answer)
        #expect(met == 0b011)
        let byCodes = SearchScoring.match(
            SearchCandidate(serviceNeeds: needs, distanceKm: 4), for: request, needLabels: labels)
        let byBits = SearchScoring.match(
            SearchCandidate(serviceNeeds: needs, distanceKm: 4, metNeeds: met), for: request, needLabels: labels)
        #expect(byBits == byCodes)
        #expect(byBits.unmetNeeds == ["housing"])
        #expect(byBits.reasons.first == "meets 2 of 3 needs: counseling, legal advocacy")
    }
}
