import ArgumentParser
import Foundation
import HavenAPI
import HavenClient

/// `haven directory …`: curators keep the catalog; everyone can look things up.
struct DirectoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "directory",
        abstract: "Look up and curate the directory (services).",
        discussion: """
            Reading needs any role; add, edit, verify and retire need curator or admin. Records are \
            written as JSON files with HSDS field names (see docs/directory.md for an example): \
            `haven directory show service ID --json > service.json`, edit the file, then \
            `haven directory edit service ID --file service.json`.
            """,
        subcommands: [Show.self, List.self, Add.self, Edit.self, Verify.self, Retire.self]
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case service
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one record.")
        @Argument(help: "What to show: service.") var kind: Kind
        @Argument(help: "The record's id.") var id: String
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let (service, _) = try await client().service(id)
            say(output.json ? try jsonText(service) : ServiceText.describe(service))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List records, a page at a time.")
        @Argument(help: "What to list: service.") var kind: Kind
        @Option(help: "Only this organization's services.") var organization: String?
        @Option(help: "How many (1–100).") var limit = 20
        @Option(help: "Continue after the cursor a previous page printed.") var cursor: String?
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let page = try await client().services(organization: organization, limit: limit, cursor: cursor)
            if output.json {
                say(try jsonText(page))
                return
            }
            for service in page.data {
                say("\(service.id)  \(service.name)  [\(service.status.rawValue)\(service.stale ? ", stale" : "")]")
            }
            if let next = page.nextCursor { say("More: haven directory list service --cursor \(next)") }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a record from a JSON file.", discussion: "Prints the new record; every bad field is listed.")
        @Argument(help: "What to add: service.") var kind: Kind
        @Option(help: "JSON file with the record, or - for standard input.") var file: String
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let input = try RecordFile.read(Components.Schemas.ServiceInput.self, from: file)
            let service = try await client().createService(input)
            say(output.json ? try jsonText(service) : "Added service \(service.id).\n" + ServiceText.describe(service))
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a record with the contents of a JSON file.",
            discussion: """
                The file replaces the whole record. Haven refuses (412) when someone changed the \
                record after you last read it, rather than silently overwriting their change; use \
                --if-match with the ETag from the read to make sure.
                """)
        @Argument(help: "What to edit: service.") var kind: Kind
        @Argument(help: "The record's id.") var id: String
        @Option(help: "JSON file with the whole record, or - for standard input.") var file: String
        @Option(help: "The ETag of the version you edited (default: the current one).") var ifMatch: String?
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let input = try RecordFile.read(Components.Schemas.ServiceInput.self, from: file)
            let api = try client()
            var eTag = ifMatch
            if eTag == nil { eTag = try await api.service(id).eTag }
            let service = try await api.replaceService(id, eTag: eTag, input)
            say(output.json ? try jsonText(service) : "Saved service \(service.id) (version \(service.version)).")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record that you confirmed a record's details today.")
        @Argument(help: "What to verify: service.") var kind: Kind
        @Argument(help: "The record's id.") var id: String

        func run() async throws {
            let service = try await client().verifyService(id)
            say("Verified \(service.name) (\(service.lastVerifiedAt.map { ServiceText.day($0) } ?? "today")).")
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a record out of the directory; its history stays.")
        @Argument(help: "What to retire: service.") var kind: Kind
        @Argument(help: "The record's id.") var id: String

        func run() async throws {
            try await client().retireService(id)
            say("Retired service \(id).")
        }
    }
}

private func client() throws -> HavenAPIClient {
    HavenAPIClient(login: try ClientLogin.resolve(file: .standard()))
}

/// Reads a record file the way the API will: a clear line for JSON that does not fit.
enum RecordFile {
    static func read<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        let data: Data
        do {
            data =
                path == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError("cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ConfigurationError("\(path): \(Self.path(context.codingPath + [key])) is required")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw ConfigurationError("\(path): \(Self.path(context.codingPath)) has the wrong type")
        } catch let DecodingError.dataCorrupted(context) {
            let at = context.codingPath.isEmpty ? "" : " at \(Self.path(context.codingPath))"
            throw ConfigurationError("\(path) is not valid JSON for a record\(at): \(context.debugDescription)")
        } catch {
            throw ConfigurationError("\(path) is not valid JSON for a record")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        "/" + keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
    }
}

/// A service as a specialist reads it on a terminal.
enum ServiceText {
    static func describe(_ service: Components.Schemas.Service) -> String {
        var lines = ["\(service.name)  [\(service.status.rawValue)]\(service.demo ? "  (demo)" : "")"]
        if !service.description.isEmpty { lines.append("  \(service.description)") }
        lines.append("  id            \(service.id)")
        if !service.needs.isEmpty { lines.append("  needs         \(service.needs.joined(separator: ", "))") }
        if !service.audiences.isEmpty { lines.append("  for           \(service.audiences.joined(separator: ", "))") }
        if service.minimumAge != nil || service.maximumAge != nil {
            lines.append(
                "  ages          \(service.minimumAge.map(String.init) ?? "any")–\(service.maximumAge.map(String.init) ?? "any")"
            )
        }
        if !service.languages.isEmpty { lines.append("  languages     \(service.languages.joined(separator: ", "))") }
        for phone in service.phones {
            lines.append("  phone         \(phone.number)\(phone._type.map { " (\($0))" } ?? "")")
        }
        if let schedule = service.schedule {
            if schedule.open247 == true {
                lines.append("  hours         open 24/7")
            } else {
                for hours in schedule.hours ?? [] {
                    lines.append(
                        "  hours         \(hours.byday) \(hours.opensAt)–\(hours.closesAt) (\(schedule.timeZone))")
                }
            }
            for exception in schedule.exceptions ?? [] {
                let span =
                    exception.startsOn + (exception.endsOn.map { $0 == exception.startsOn ? "" : "–\($0)" } ?? "")
                let what =
                    exception.closed == false ? "open \(exception.opensAt ?? "")–\(exception.closesAt ?? "")" : "closed"
                lines.append("  exception     \(span) \(what)\(exception.reason.map { " (\($0))" } ?? "")")
            }
        }
        for area in service.serviceAreas { lines.append("  serves        \(areaText(area))") }
        for location in service.locations {
            let place =
                location.address.map { "\($0.address1), \($0.city), \($0.stateProvince) \($0.postalCode)" }
                ?? (location.approximate == true ? "confidential location; approximate area only" : "no street address")
            lines.append("  location      \(location.name ?? location.id): \(place)")
            if let intake = location.intakePhone { lines.append("                intake phone \(intake)") }
        }
        let verified = service.lastVerifiedAt.map {
            "verified \(day($0))" + (service.verifiedBy.map { " by \($0)" } ?? "")
        }
        lines.append("  freshness     \(verified ?? "never verified")\(service.stale ? " — STALE" : "")")
        return lines.joined(separator: "\n")
    }

    static func areaText(_ area: Components.Schemas.ServiceArea) -> String {
        switch area.kind {
        case "national": "nationwide"
        case "state": "states " + (area.states ?? []).joined(separator: ", ")
        case "county": "counties " + (area.counties ?? []).joined(separator: ", ")
        case "zip": "ZIP codes " + (area.zipCodes ?? []).joined(separator: ", ")
        case "radius": "within \(area.radiusKm.map { String(format: "%g", $0) } ?? "?") km of its locations"
        default: "a mapped area (GeoJSON polygon)"
        }
    }

    static func day(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day())
    }
}
