import Foundation
import Testing

@testable import HavenCore

@Suite("Peer support: eligibility, suggestions and batch assignment")
struct PeerSupportTests {
    static let today = CalendarDate("2026-11-22")!
    static let trained = Credential(
        kind: .training, name: "Peer mentor training", issuedOn: CalendarDate("2025-01-10")!, expiresOn: nil)
    static func backgroundCheck(expires: String) -> Credential {
        Credential(
            kind: .backgroundCheck, name: "Background check", issuedOn: CalendarDate("2024-12-01")!,
            expiresOn: CalendarDate(expires)!)
    }

    @Test("a volunteer is eligible only when active, trained, checked, present and below capacity")
    func eligibility() {
        func check(
            status: VolunteerStatus = .active,
            credentials: [Credential] = [Self.trained, Self.backgroundCheck(expires: "2027-06-01")],
            away: [AwayPeriod] = [], active: Int = 0, capacity: Int = 2, on day: CalendarDate = Self.today
        ) -> Ineligibility? {
            Eligibility.check(
                status: status, credentials: credentials, away: away, activeFamilies: active, capacity: capacity,
                on: day)
        }
        #expect(check() == nil)
        #expect(check(status: .paused) == .notActive(.paused))
        #expect(check(status: .onboarding) == .notActive(.onboarding))
        #expect(check(credentials: [Self.backgroundCheck(expires: "2027-06-01")]) == .trainingMissing)
        #expect(check(credentials: [Self.trained]) == .backgroundCheckMissing)
        // A check counts through its expiry date and lapses the day after, with no job to run.
        #expect(check(credentials: [Self.trained, Self.backgroundCheck(expires: "2026-11-22")]) == nil)
        #expect(
            check(credentials: [Self.trained, Self.backgroundCheck(expires: "2026-11-21")])
                == .backgroundCheckExpired(CalendarDate("2026-11-21")!))
        // A renewed check replaces the lapsed one.
        #expect(
            check(credentials: [
                Self.trained, Self.backgroundCheck(expires: "2026-11-21"), Self.backgroundCheck(expires: "2028-01-01"),
            ]) == nil)
        let lapsedTraining = Credential(
            kind: .training, name: "Refresher", issuedOn: CalendarDate("2024-01-01")!,
            expiresOn: CalendarDate("2025-01-01")!)
        #expect(
            check(credentials: [lapsedTraining, Self.backgroundCheck(expires: "2027-01-01")])
                == .trainingExpired(CalendarDate("2025-01-01")!))
        let holiday = AwayPeriod(startsOn: CalendarDate("2026-11-20")!, endsOn: CalendarDate("2026-11-30")!)
        #expect(check(away: [holiday]) == .away(until: CalendarDate("2026-11-30")!))
        #expect(check(away: [holiday], on: CalendarDate("2026-12-01")!) == nil)
        #expect(check(active: 2, capacity: 2) == .atCapacity(active: 2, capacity: 2))
        #expect(check(active: 1, capacity: 2) == nil)
    }

    static func volunteer(
        _ number: Int, experiences: Set<LivedExperience> = [.familyAbduction], languages: Set<String> = ["en"],
        gender: MentorGender? = .woman, active: Int = 0, capacity: Int = 2, ineligibility: Ineligibility? = nil
    ) -> MentorVolunteer {
        MentorVolunteer(
            id: UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", number))!, experiences: experiences,
            ageBands: [.from12To14], languages: languages, gender: gender, latitude: 41.9, longitude: -87.6,
            utcOffsetHours: -6, activeFamilies: active, capacity: capacity, ineligibility: ineligibility)
    }

    static func family(
        _ number: Int, requested: String = "2026-11-01", situations: Set<LivedExperience> = [.familyAbduction],
        languages: [String] = ["en"], gender: MentorGender? = nil, sameLanguageRequired: Bool = false
    ) -> MentorSeeker {
        MentorSeeker(
            id: UUID(uuidString: String(format: "10000000-0000-0000-0000-%012d", number))!,
            requestedOn: CalendarDate(requested)!, situations: situations, childAgeBand: .from12To14,
            languages: languages,
            preferredGender: gender, sameLanguageRequired: sameLanguageRequired, latitude: 41.95, longitude: -87.65,
            utcOffsetHours: -6)
    }

    @Test("each hard constraint leaves volunteers out, and the exclusions say which and how many")
    func hardConstraints() {
        let family = Self.family(1, languages: ["es"], gender: .woman, sameLanguageRequired: true)
        let volunteers = [
            Self.volunteer(1, languages: ["es", "en"]),
            Self.volunteer(2, languages: ["en"]),
            Self.volunteer(3, languages: ["es"], gender: .man),
            Self.volunteer(4, languages: ["es"], ineligibility: .backgroundCheckExpired(CalendarDate("2026-10-01")!)),
            Self.volunteer(5, languages: ["es"], ineligibility: .atCapacity(active: 2, capacity: 2)),
            Self.volunteer(6, languages: ["es"], ineligibility: .notActive(.paused)),
        ]
        let (suggestions, exclusions) = MentorScoring.suggest(for: family, among: volunteers)
        #expect(suggestions.map(\.volunteerID) == [volunteers[0].id])
        #expect(
            exclusions.counts == [.language: 1, .gender: 1, .backgroundCheck: 1, .capacity: 1, .active: 1])
        #expect(exclusions.total == 5)

        let nobody = MentorScoring.suggest(for: family, among: Array(volunteers.dropFirst()))
        #expect(nobody.suggestions.isEmpty)
        #expect(nobody.exclusions.total == 5)
    }

    @Test("shared lived experience ranks first, then the lighter load; reasons say why")
    func ranking() {
        let family = Self.family(1, situations: [.familyAbduction, .childRecovered], languages: ["es", "en"])
        let both = Self.volunteer(1, experiences: [.familyAbduction, .childRecovered], active: 1)
        let one = Self.volunteer(2, experiences: [.familyAbduction], active: 0)
        let none = Self.volunteer(3, experiences: [.sextortion], active: 0)
        let oneBusier = Self.volunteer(4, experiences: [.familyAbduction], active: 1)
        let (suggestions, _) = MentorScoring.suggest(for: family, among: [none, oneBusier, one, both])
        #expect(suggestions.map(\.volunteerID) == [both.id, one.id, oneBusier.id, none.id])
        #expect(suggestions.map(\.score) == suggestions.map(\.score).sorted(by: >))
        let reasons = suggestions[0].reasons
        #expect(reasons.contains("lived through family abduction, a child who came home too"))
        #expect(reasons.contains("speaks English"))
        #expect(reasons.contains("lives nearby"))
        #expect(reasons.contains("mentoring 1 of 2 families"))
        #expect(!suggestions[3].reasons.contains { $0.hasPrefix("lived through") })
    }

    @Test("weekly hours compare across time zones")
    func weekHours() {
        let monday = Date(timeIntervalSince1970: 1_795_000_000)  // a date in November, standard time
        let chicagoMornings = WeekHours(
            [OpeningHours(days: [.monday], opens: LocalTime("09:00")!, closes: LocalTime("12:00")!)],
            timeZone: "America/Chicago", reference: monday)
        let newYorkMornings = WeekHours(
            [OpeningHours(days: [.monday], opens: LocalTime("09:00")!, closes: LocalTime("12:00")!)],
            timeZone: "America/New_York", reference: monday)
        #expect(chicagoMornings.count == 3)
        #expect(chicagoMornings.overlap(newYorkMornings) == 2, "10:00–12:00 Chicago is 11:00–13:00 New York")
        let lateEvening = WeekHours(
            [OpeningHours(days: [.sunday], opens: LocalTime("22:00")!, closes: LocalTime("02:00")!)],
            timeZone: "UTC", reference: monday)
        #expect(lateEvening.count == 4, "past midnight wraps into Monday")
    }

    /// The best (most families matched, then greatest total) over every possible assignment.
    static func bruteForce(points: [[Int?]], room: [Int]) -> (matched: Int, total: Int) {
        var best = (matched: 0, total: 0)
        var used = room.map { _ in 0 }
        func visit(_ family: Int, matched: Int, total: Int) {
            if family == points.count {
                if matched > best.matched || (matched == best.matched && total > best.total) { best = (matched, total) }
                return
            }
            visit(family + 1, matched: matched, total: total)
            for (volunteer, weight) in points[family].enumerated() {
                guard let weight, used[volunteer] < room[volunteer] else { continue }
                used[volunteer] += 1
                visit(family + 1, matched: matched + 1, total: total + weight)
                used[volunteer] -= 1
            }
        }
        visit(0, matched: 0, total: 0)
        return best
    }

    @Test("the flow finds the optimum brute force finds, on 300 random small instances")
    func optimalAgainstBruteForce() {
        var random = SeededRandom(seed: 20_261_122)
        for _ in 0..<300 {
            let familyCount = Int.random(in: 1...6, using: &random)
            let room = (0..<Int.random(in: 1...3, using: &random)).map { _ in Int.random(in: 0...2, using: &random) }
            let points: [[Int?]] = (0..<familyCount).map { _ in
                room.indices.map { _ in Bool.random(using: &random) ? Int.random(in: 0...100, using: &random) : nil }
            }
            var edges: [BipartiteAssignment.Edge] = []
            for (family, row) in points.enumerated() {
                for (volunteer, weight) in row.enumerated() {
                    if let weight { edges.append(.init(family: family, volunteer: volunteer, weight: weight)) }
                }
            }
            let solution = BipartiteAssignment.solve(familyCount: familyCount, capacities: room, edges: edges)
            let expected = Self.bruteForce(points: points, room: room)
            #expect(solution.volunteerOf.compactMap { $0 }.count == expected.matched)
            #expect(solution.totalWeight == expected.total)
            var load = room.map { _ in 0 }
            for (family, volunteer) in solution.volunteerOf.enumerated() {
                guard let volunteer else { continue }
                load[volunteer] += 1
                #expect(points[family][volunteer] != nil, "only allowed pairs")
            }
            #expect(zip(load, room).allSatisfy { $0 <= $1 }, "no volunteer over capacity")
        }
    }

    @Test("a batch plan keeping one pair per side is still optimal over all pairs")
    func planIsOptimalOverAllPairs() {
        var random = SeededRandom(seed: 7)
        let experiences = LivedExperience.allCases
        var extraRounds = 0
        for _ in 0..<120 {
            let volunteers = (0..<Int.random(in: 1...3, using: &random)).map { number in
                Self.volunteer(
                    number, experiences: [experiences.randomElement(using: &random)!],
                    languages: Bool.random(using: &random) ? ["en"] : ["es"], gender: .woman,
                    active: Int.random(in: 0...1, using: &random), capacity: Int.random(in: 1...2, using: &random))
            }
            let families = (0..<Int.random(in: 1...6, using: &random)).map { number in
                Self.family(
                    number, requested: "2026-11-0\(Int.random(in: 1...9, using: &random))",
                    situations: [experiences.randomElement(using: &random)!],
                    languages: Bool.random(using: &random) ? ["en"] : ["es"],
                    sameLanguageRequired: Bool.random(using: &random))
            }
            let plan = MentorAssignment.plan(
                families: families, volunteers: volunteers, keepPerFamily: 1, keepPerVolunteer: 1)
            extraRounds += plan.rounds - 1
            let points = families.map { family in
                volunteers.map { volunteer -> Int? in
                    guard volunteer.room > 0, MentorScoring.exclusion(volunteer, for: family) == nil else { return nil }
                    return MentorScoring.fit(volunteer, for: family).points
                }
            }
            let expected = Self.bruteForce(points: points, room: volunteers.map(\.room))
            #expect(plan.matches.count == expected.matched)
            #expect(plan.totalPoints == expected.total)
            #expect(plan.matches.count + plan.unmatched.count == families.count)
        }
        #expect(extraRounds > 0, "the instances exercised the check over left-out pairs")
    }

    @Test("among equally good plans, the family waiting longest is matched")
    func longestWaitingFirst() {
        let newer = Self.family(1, requested: "2026-11-20")
        let older = Self.family(2, requested: "2026-10-02")
        let plan = MentorAssignment.plan(families: [newer, older], volunteers: [Self.volunteer(1, capacity: 1)])
        #expect(plan.matches.map(\.familyID) == [older.id])
        #expect(plan.unmatched.map(\.familyID) == [newer.id])
        #expect(plan.unmatched.first?.reason.hasPrefix("all 1 volunteers who fit are full") == true)

        let unmatchable = Self.family(3, languages: ["so"], sameLanguageRequired: true)
        let none = MentorAssignment.plan(families: [unmatchable], volunteers: [Self.volunteer(1)])
        #expect(none.unmatched.first?.reason == "no volunteer passes the hard constraints")
        #expect(none.unmatched.first?.exclusions.counts == [.language: 1])
    }

    @Test("an organization with no volunteers, or no one waiting, gets an empty plan, not a crash")
    func emptySides() {
        let waiting = [Self.family(1), Self.family(2, requested: "2026-10-02")]
        let noRoster = MentorAssignment.plan(families: waiting, volunteers: [])
        #expect(noRoster.matches.isEmpty)
        #expect(Set(noRoster.unmatched.map(\.familyID)) == Set(waiting.map(\.id)))
        #expect(noRoster.unmatched.allSatisfy { $0.reason == "no volunteer passes the hard constraints" })

        let nobodyWaiting = MentorAssignment.plan(families: [], volunteers: [Self.volunteer(1)])
        #expect(nobodyWaiting.matches.isEmpty && nobodyWaiting.unmatched.isEmpty)
    }
}
