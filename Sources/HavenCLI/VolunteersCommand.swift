import ArgumentParser
import Foundation
import HavenAPI
import HavenClient
import HavenCore

/// `haven volunteers …`: coordinators keep the peer-mentor roster.
struct VolunteersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "volunteers",
        abstract: "Keep the volunteer mentor roster: volunteers, credentials, what lapses soon.",
        discussion: """
            Coordinator or admin. Volunteers are JSON files with the API's field names (an example \
            in docs/peer-support.md): `haven volunteers add --file mentor.json`; to change one, \
            `haven volunteers show ID --json > mentor.json`, edit, `haven volunteers edit ID --file mentor.json`.
            """,
        subcommands: [List.self, Show.self, Add.self, Edit.self, CredentialCommand.self, Expiring.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List volunteers with today's eligibility.")
        @Option(help: "Only this status: onboarding, active, paused or retired.") var status: String?
        @Option(help: "How many (1–100).") var limit = 20
        @Option(help: "Continue after the cursor a previous page printed.") var cursor: String?
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let page = try await api().volunteers(status: status, limit: limit, cursor: cursor)
            if output.json { return say(try jsonText(page)) }
            if page.data.isEmpty { return say("No volunteers" + (status.map { " with status \($0)" } ?? "") + ".") }
            let rows = page.data.map { volunteer -> [String] in
                let (input, record) = (volunteer.value1, volunteer.value2)
                return [
                    input.name, input.status ?? "onboarding", VolunteerText.eligibility(volunteer),
                    "\(record.activeFamilies)/\(input.capacity ?? 1)", (input.languages ?? []).joined(separator: ","),
                    (input.livedExperience ?? []).joined(separator: ","), record.id,
                ]
            }
            say(
                Table.render(
                    header: ["NAME", "STATUS", "ELIGIBLE", "FAMILIES", "LANGUAGES", "LIVED EXPERIENCE", "ID"], rows))
            if let next = page.nextCursor { say("\nMore: haven volunteers list --cursor \(next)") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one volunteer with credentials and eligibility.")
        @Argument(help: "The volunteer's id.") var id: String
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let (volunteer, _) = try await api().volunteer(id)
            say(output.json ? try jsonText(volunteer) : VolunteerText.describe(volunteer))
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a volunteer from a JSON file.")
        @Option(help: "JSON file with the volunteer, or - for standard input.") var file: String

        func run() async throws {
            let volunteer = try await api().createVolunteer(try RecordFile.read(from: file))
            say("Added \(volunteer.value1.name) (\(volunteer.value2.id)), \(VolunteerText.eligibility(volunteer)).")
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a volunteer with the contents of a JSON file.",
            discussion: """
                The file replaces the whole record. Start from `haven volunteers show ID --json`: \
                the file then says which version you edited, and Haven refuses (412) when someone \
                changed the volunteer since. A file without a version replaces the current one \
                (the command says so); --if-match names the version yourself.
                """)
        @Argument(help: "The volunteer's id.") var id: String
        @Option(help: "JSON file with the whole volunteer, or - for standard input.") var file: String
        @Option(help: "The ETag of the version you edited (default: the file's version, else the current one).")
        var ifMatch: String?

        func run() async throws {
            let api = try api()
            let (record, eTag) = try await RecordFile.readEdit(
                Components.Schemas.VolunteerInput.self, schema: "VolunteerInput", from: file, ifMatch: ifMatch
            ) { try await api.volunteer(id).eTag }
            let volunteer = try await api.replaceVolunteer(id, eTag: eTag, record)
            say("Saved \(volunteer.value1.name) (version \(volunteer.value2.version)).")
        }
    }

    struct CredentialCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "credential", abstract: "Record credentials.", subcommands: [AddCredential.self])
    }

    struct AddCredential: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Record a training completion or a background check.",
            discussion: """
                Example: haven volunteers credential add ID --kind background-check \
                --name "Background check" --issued 2026-01-10 --expires 2028-01-10
                """)
        @Argument(help: "The volunteer's id.") var id: String
        @Option(help: "training or background-check.") var kind: String
        @Option(help: "What it is, e.g. \"Peer mentor training\".") var name: String
        @Option(help: "Date issued or completed, YYYY-MM-DD.") var issued: String
        @Option(help: "Expiry date, YYYY-MM-DD (required for a background check).") var expires: String?

        func run() async throws {
            let volunteer = try await api().addCredential(
                id, .init(kind: kind, name: name, issuedOn: issued, expiresOn: expires))
            say("Recorded for \(volunteer.value1.name); now \(VolunteerText.eligibility(volunteer)).")
        }
    }

    struct Expiring: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List trainings and background checks that lapse soon, soonest first.")
        @Option(help: "How many days ahead (0–365).") var withinDays = 30
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let list = try await api().expiringCredentials(withinDays: withinDays)
            if output.json { return say(try jsonText(list)) }
            if list.data.isEmpty { return say("Nothing lapses in the next \(list.withinDays) days.") }
            let rows = list.data.map { item -> [String] in
                [
                    item.volunteerName, item.credential.kind, item.credential.name, item.credential.expiresOn ?? "",
                    item.daysLeft == 0 ? "today" : "in \(item.daysLeft) days", item.volunteerId,
                ]
            }
            say(Table.render(header: ["VOLUNTEER", "KIND", "CREDENTIAL", "EXPIRES", "LAPSES", "VOLUNTEER ID"], rows))
        }
    }
}

private func api() throws -> HavenAPIClient {
    HavenAPIClient(login: try ClientLogin.resolve(file: .standard()))
}

enum VolunteerText {
    static func day(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day())
    }

    static func eligibility(_ volunteer: Components.Schemas.Volunteer) -> String {
        let eligibility = volunteer.value2.eligibility
        return eligibility.eligible ? "eligible" : "not eligible: \(eligibility.reason ?? "unknown")"
    }

    static func describe(_ volunteer: Components.Schemas.Volunteer) -> String {
        let (input, record) = (volunteer.value1, volunteer.value2)
        var lines = ["\(input.name)  (\(input.status ?? "onboarding"), \(eligibility(volunteer)))"]
        lines.append("  id           \(record.id)")
        lines.append("  home         \(input.homeZip) (\(record.timeZone))")
        for contact in input.contacts ?? [] {
            lines.append(
                "  \(contact.channel.padding(toLength: 12, withPad: " ", startingAt: 0)) \(contact.value)"
                    + (contact.note.map { " (\($0))" } ?? ""))
        }
        lines.append("  languages    \((input.languages ?? []).map(LanguageNames.name).joined(separator: ", "))")
        let experiences = (input.livedExperience ?? []).compactMap { LivedExperience(rawValue: $0)?.label }
        lines.append("  lived        \(experiences.joined(separator: "; "))")
        lines.append("  age bands    \((input.ageBands ?? []).joined(separator: ", "))")
        if let gender = input.gender { lines.append("  gender       \(gender)") }
        for hours in input.availability ?? [] {
            lines.append("  available    \(hours.byday) \(hours.opensAt)–\(hours.closesAt)")
        }
        for away in input.away ?? [] { lines.append("  away         \(away.startsOn) to \(away.endsOn)") }
        lines.append("  families     \(record.activeFamilies) of \(input.capacity ?? 1)")
        for credential in record.credentials {
            let until = credential.expiresOn.map { "until \($0)" } ?? "no expiry"
            lines.append(
                "  credential   \(credential.name) (\(credential.kind)), \(credential.issuedOn), \(until)"
                    + (credential.validToday ? "" : " — not valid today"))
        }
        return lines.joined(separator: "\n")
    }
}
