import ArgumentParser
import Foundation
import HavenAPI
import HavenClient
import HavenCore

/// `haven families …`: advocates record families for peer support.
struct FamiliesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "families",
        abstract: "Record families for peer support and put them on the mentor waiting list.",
        discussion: """
            Advocate, coordinator or admin. A family is a JSON file with the API's field names and \
            a pseudonymous reference, never a legal name (example in docs/peer-support.md). How to \
            reach a family (phone, email, safe word, callback note) is shown to its advocates and \
            admins only.
            """,
        subcommands: [Add.self, Show.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a family from a JSON file.")
        @Option(help: "JSON file with the family, or - for standard input.") var file: String
        @Flag(help: "Also put the family on the mentor waiting list.") var requestMentor = false

        func run() async throws {
            let api = try api()
            var family = try await api.createFamily(try RecordFile.read(from: file))
            if requestMentor { family = try await api.requestMentor(family: family.value2.id) }
            say(
                "Added \(family.value1.reference) (\(family.value2.id))"
                    + (family.value2.waitingSince != nil ? ", waiting for a mentor." : "."))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one family.")
        @Argument(help: "The family's id.") var id: String
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let (family, _) = try await api().family(id)
            if output.json { return say(try jsonText(family)) }
            let (input, record) = (family.value1, family.value2)
            say("\(input.reference)  (\(input.homeZip), \(record.timeZone))")
            say("  languages    \((input.languages ?? []).map(LanguageNames.name).joined(separator: ", "))")
            let situations = (input.situations ?? []).compactMap { LivedExperience(rawValue: $0)?.label }
            say("  situation    \(situations.joined(separator: "; "))")
            if let band = input.childAgeBand { say("  child        aged \(band)") }
            if let gender = input.preferredMentorGender { say("  mentor       a \(gender) (required)") }
            if input.sameLanguageRequired == true {
                say("  language     a mentor who speaks their language (required)")
            }
            say("  waiting      " + (record.waitingSince.map { "since \(VolunteerText.day($0))" } ?? "no"))
        }
    }
}

/// `haven match …`: coordinators match waiting families with volunteer mentors.
struct MatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Match waiting families with volunteer mentors: suggest, plan in a batch, and follow each match.",
        discussion: """
            Coordinator or admin. A match is proposed, then accepted (on the volunteer's behalf) or \
            declined with a reason, then active, then closed with an outcome. See docs/peer-support.md.
            """,
        subcommands: [
            Request.self, Suggest.self, Batch.self, Propose.self, List.self, Accept.self, Decline.self, Start.self,
            Close.self,
        ])

    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a family on the mentor waiting list.")
        @Option(help: "The family's id.") var family: String

        func run() async throws {
            let family = try await api().requestMentor(family: family)
            say(
                "\(family.value1.reference) is waiting for a mentor since \(family.value2.waitingSince.map(VolunteerText.day) ?? "today")."
            )
        }
    }

    struct Suggest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rank eligible volunteer mentors for a family, with reasons.",
            discussion: "Example: haven match suggest --family ID")
        @Option(help: "The family's id.") var family: String
        @Option(help: "How many (1–100).") var limit = 10
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let list = try await api().suggestMentors(family: family, limit: limit)
            if output.json { return say(try jsonText(list)) }
            if list.data.isEmpty { say("No volunteer can take this family now.") }
            for (index, suggestion) in list.data.enumerated() {
                say("\(index + 1). \(suggestion.volunteerName)  score \(String(format: "%.2f", suggestion.score))")
                say("   why: " + suggestion.reasons.joined(separator: "; "))
                say("   id:  \(suggestion.volunteerId)")
            }
            if !list.excluded.isEmpty {
                say("Left out: " + list.excluded.map { "\($0.volunteers) \($0.label)" }.joined(separator: ", "))
            }
        }
    }

    struct Batch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan the best matches for the whole waiting list (a dry run unless --commit).",
            discussion: """
                Matches the most families, then the best total score, within each volunteer's room \
                and every hard constraint; the longest-waiting families win ties. --commit proposes \
                the matches.
                """)
        @Flag(help: "Propose the planned matches.") var commit = false
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let plan = try await api().planMentorMatches(commit: commit)
            if output.json { return say(try jsonText(plan)) }
            say(
                "\(plan.waiting) families waiting: \(plan.matches.count) matched, \(plan.unmatched.count) still waiting"
                    + " (total score \(String(format: "%.2f", plan.totalScore)))."
                    + (plan.committed ? " Proposed." : " Dry run: nothing was saved; add --commit to propose."))
            for match in plan.matches {
                say("")
                say("\(match.familyReference) → \(match.volunteerName)  score \(String(format: "%.2f", match.score))")
                say("   why: " + match.reasons.joined(separator: "; "))
                if let id = match.matchId { say("   match: \(id)") }
            }
            if !plan.unmatched.isEmpty { say("\nStill waiting:") }
            for family in plan.unmatched {
                let excluded = family.excluded.map { "\($0.volunteers) \($0.label)" }.joined(separator: ", ")
                say("  \(family.familyReference): \(family.reason)" + (excluded.isEmpty ? "" : " (\(excluded))"))
            }
        }
    }

    struct Propose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Propose one match you chose.")
        @Option(help: "The family's id.") var family: String
        @Option(help: "The volunteer's id.") var volunteer: String

        func run() async throws {
            let match = try await api().proposeMatch(family: family, volunteer: volunteer)
            say("Proposed match \(match.id) (score \(String(format: "%.2f", match.score))).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List matches, newest first.")
        @Option(help: "Only this status: proposed, accepted, declined, active or closed.") var status: String?
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let matches = try await api().mentorMatches(status: status)
            if output.json { return say(try jsonText(matches)) }
            if matches.isEmpty { return say("No matches.") }
            say(
                Table.render(
                    header: ["STATUS", "SCORE", "PROPOSED", "FAMILY", "VOLUNTEER", "MATCH"],
                    matches.map {
                        [
                            $0.status, String(format: "%.2f", $0.score), VolunteerText.day($0.proposedAt), $0.familyId,
                            $0.volunteerId, $0.id,
                        ]
                    }))
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept a proposed match on the volunteer's behalf.")
        @Argument(help: "The match's id.") var id: String
        func run() async throws { say("Match is \(try await api().moveMatch(id, to: "accepted").status).") }
    }

    struct Decline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decline a proposed or accepted match; the family goes back on the waiting list.")
        @Argument(help: "The match's id.") var id: String
        @Option(help: "Why it was declined.") var reason: String
        func run() async throws {
            say("Match is \(try await api().moveMatch(id, to: "declined", reason: reason).status).")
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark an accepted match active: they have connected.")
        @Argument(help: "The match's id.") var id: String
        func run() async throws { say("Match is \(try await api().moveMatch(id, to: "active").status).") }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close an active match with its outcome.")
        @Argument(help: "The match's id.") var id: String
        @Option(help: "How it ended.") var outcome: String
        func run() async throws {
            say("Match is \(try await api().moveMatch(id, to: "closed", outcome: outcome).status).")
        }
    }
}

private func api() throws -> HavenAPIClient {
    HavenAPIClient(login: try ClientLogin.resolve(file: .standard()))
}
