import ArgumentParser
import Foundation
import HavenCore

extension Bench {
    struct Match: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time batch mentor assignment on a synthetic waiting list (in memory, no database).",
            discussion: """
                Builds fictional families and volunteers spread over US metro areas, with lived \\
                experience, languages, hours, capacity and some lapsed credentials, then plans the \\
                optimal assignment --runs times and reports each run. The target: 5,000 families × \\
                2,000 volunteers in at most 2 s.
                """)

        @Option(help: "Families on the waiting list.") var families = 5000
        @Option(help: "Volunteers on the roster.") var volunteers = 2000
        @Option(help: "How many times to plan.") var runs = 3
        @Option(help: "Seed for the synthetic data.") var seed: UInt64 = 2026

        func validate() throws {
            guard families > 0, volunteers > 0, runs > 0 else {
                throw ValidationError("--families, --volunteers and --runs must be positive")
            }
        }

        func run() async throws {
            var random = SeededRandom(seed: seed)
            let roster = SyntheticMentors.volunteers(volunteers, using: &random)
            let waiting = SyntheticMentors.families(families, using: &random)
            let room = roster.map(\.room).reduce(0, +)
            say("\(families) families waiting, \(volunteers) volunteers with room for \(room) families")
            for run in 1...runs {
                let clock = ContinuousClock()
                var plan: MentorAssignmentPlan?
                let elapsed = clock.measure {
                    plan = MentorAssignment.plan(families: waiting, volunteers: roster)
                }
                guard let plan else { continue }
                let seconds = elapsed.inSeconds
                say(
                    String(
                        format: "run %d: %.3f s, %d matched, %d waiting, total score %.2f, %d round(s)", run, seconds,
                        plan.matches.count, plan.unmatched.count, Double(plan.totalPoints) / 100, plan.rounds))
            }
        }
    }
}

/// Fictional volunteers and families for the batch benchmark and the demo.
enum SyntheticMentors {
    /// Metro centres (latitude, longitude, UTC offset in November).
    static let metros: [(Double, Double, Int)] = [
        (40.71, -74.01, -5), (34.05, -118.24, -8), (41.88, -87.63, -6), (29.76, -95.37, -6), (33.45, -112.07, -7),
        (39.95, -75.17, -5), (32.78, -96.80, -6), (37.77, -122.42, -8), (47.61, -122.33, -8), (25.76, -80.19, -5),
        (33.75, -84.39, -5), (42.36, -71.06, -5), (39.74, -104.99, -7), (44.98, -93.27, -6), (36.17, -86.78, -6),
        (35.23, -80.84, -5), (45.52, -122.68, -8), (39.10, -94.58, -6), (29.42, -98.49, -6), (38.63, -90.20, -6),
    ]
    static let languages: [(String, Double)] = [("en", 0.9), ("es", 0.3), ("vi", 0.03), ("zh", 0.03), ("ar", 0.02)]

    static func place(using random: inout SeededRandom) -> (Double, Double, Int) {
        let metro = metros.randomElement(using: &random)!
        return (
            metro.0 + Double.random(in: -0.8...0.8, using: &random),
            metro.1 + Double.random(in: -0.8...0.8, using: &random),
            metro.2
        )
    }

    static func languages(using random: inout SeededRandom) -> [String] {
        let spoken = languages.filter { Double.random(in: 0..<1, using: &random) < $0.1 }.map(\.0)
        return spoken.isEmpty ? ["en"] : spoken
    }

    static func volunteers(_ count: Int, using random: inout SeededRandom) -> [MentorVolunteer] {
        (0..<count).map { _ in
            let (latitude, longitude, offset) = place(using: &random)
            let capacity = Int.random(in: 1...3, using: &random)
            let active = Int.random(in: 0...capacity, using: &random)
            var hours = WeekHours()
            let evening = Int.random(in: 16...20, using: &random)
            for day in 0..<7 where Bool.random(using: &random) {
                for hour in evening..<(evening + 3) { hours.insert(slot: day * 24 + hour - offset) }
            }
            let lapsed = Double.random(in: 0..<1, using: &random) < 0.1
            return MentorVolunteer(
                id: UUID(),
                experiences: Set(
                    (0..<Int.random(in: 1...2, using: &random)).map { _ in
                        LivedExperience.allCases.randomElement(using: &random)!
                    }), ageBands: [AgeBand.allCases.randomElement(using: &random)!],
                languages: Set(languages(using: &random)), gender: MentorGender.allCases.randomElement(using: &random),
                latitude: latitude, longitude: longitude, utcOffsetHours: offset, availability: hours,
                activeFamilies: active, capacity: capacity,
                ineligibility: lapsed
                    ? .backgroundCheckExpired(CalendarDate("2026-10-01")!)
                    : active >= capacity ? .atCapacity(active: active, capacity: capacity) : nil)
        }
    }

    static func families(_ count: Int, using random: inout SeededRandom) -> [MentorSeeker] {
        (0..<count).map { _ in
            let (latitude, longitude, offset) = place(using: &random)
            var hours: WeekHours?
            if Bool.random(using: &random) {
                var preferred = WeekHours()
                for day in 0..<5 { for hour in 17..<21 { preferred.insert(slot: day * 24 + hour - offset) } }
                hours = preferred
            }
            return MentorSeeker(
                id: UUID(),
                requestedOn: CalendarDate(
                    String(
                        format: "2026-%02d-%02d", Int.random(in: 9...11, using: &random),
                        Int.random(in: 1...28, using: &random)))!,
                situations: [LivedExperience.allCases.randomElement(using: &random)!],
                childAgeBand: AgeBand.allCases.randomElement(using: &random), languages: languages(using: &random),
                preferredGender: Double.random(in: 0..<1, using: &random) < 0.2 ? .woman : nil,
                sameLanguageRequired: Double.random(in: 0..<1, using: &random) < 0.3, latitude: latitude,
                longitude: longitude, utcOffsetHours: offset, contactHours: hours)
        }
    }
}
