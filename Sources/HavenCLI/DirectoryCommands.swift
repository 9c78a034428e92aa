import ArgumentParser
import Foundation
import HavenAPI
import HavenClient
import Yams

/// `haven directory …`: curators keep the catalog; everyone can look things up.
struct DirectoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "directory",
        abstract: "Look up and curate the directory: services, organizations, locations, crisis contacts.",
        discussion: """
            Reading needs any role; add, edit, verify and retire need curator or admin. Records are \
            JSON files with HSDS field names (examples in docs/directory.md): \
            `haven directory show service ID --json > service.json`, edit the file, then \
            `haven directory edit service ID --file service.json`.
            """,
        subcommands: [Show.self, List.self, Add.self, Edit.self, Verify.self, Retire.self]
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case service, organization, location
        case crisisContact = "crisis-contact"
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one record.")
        @Argument(help: "service, organization, location or crisis-contact.") var kind: Kind
        @Argument(help: "The record's id.") var id: String
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let api = try client()
            switch kind {
            case .service:
                let record = try await api.service(id).0
                say(output.json ? try jsonText(record) : ServiceText.describe(record))
            case .organization:
                let record = try await api.organization(id).0
                say(output.json ? try jsonText(record) : RecordText.describe(record))
            case .location:
                let record = try await api.location(id).0
                say(output.json ? try jsonText(record) : RecordText.describe(record))
            case .crisisContact:
                let record = try await api.crisisContact(id).0
                say(output.json ? try jsonText(record) : RecordText.describe(record))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List records, a page at a time.")
        @Argument(help: "service, organization, location or crisis-contact.") var kind: Kind
        @Option(help: "Only this organization's services or locations.") var organization: String?
        @Flag(help: "Only confidential locations (curators and admins see them whole).") var confidential = false
        @Option(help: "How many (1–100).") var limit = 20
        @Option(help: "Continue after the cursor a previous page printed.") var cursor: String?
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let api = try client()
            let lines: [String]
            let next: String?
            switch kind {
            case .service:
                let page = try await api.services(organization: organization, limit: limit, cursor: cursor)
                if output.json { return say(try jsonText(page)) }
                lines = page.data.map { "\($0.id)  \($0.name)  [\($0.status.rawValue)\($0.stale ? ", stale" : "")]" }
                next = page.nextCursor
            case .organization:
                let page = try await api.organizations(limit: limit, cursor: cursor)
                if output.json { return say(try jsonText(page)) }
                lines = page.data.map {
                    "\($0.id)  \($0.name)  (\($0.serviceCount) services)\($0.stale ? "  [stale]" : "")"
                }
                next = page.nextCursor
            case .location:
                let page = try await api.locations(
                    organization: organization, confidential: confidential ? true : nil, limit: limit, cursor: cursor)
                if output.json { return say(try jsonText(page)) }
                lines = page.data.map {
                    "\($0.id)  \($0.name ?? "(no name)")\($0.confidential ? "  [confidential]" : "")"
                }
                next = page.nextCursor
            case .crisisContact:
                let page = try await api.crisisContacts(limit: limit, cursor: cursor)
                if output.json { return say(try jsonText(page)) }
                lines = page.data.map { "\($0.id)  \($0.slug)  \($0.name)" }
                next = page.nextCursor
            }
            lines.forEach(say)
            if let next { say("More: haven directory list \(kind.rawValue) --cursor \(next)") }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a record from a JSON file.", discussion: "Prints the new record; every bad field is listed.")
        @Argument(help: "service, organization, location or crisis-contact.") var kind: Kind
        @Option(help: "JSON file with the record, or - for standard input.") var file: String
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let api = try client()
            switch kind {
            case .service:
                let record = try await api.createService(try RecordFile.read(from: file))
                say(output.json ? try jsonText(record) : "Added service \(record.id).\n" + ServiceText.describe(record))
            case .organization:
                let record = try await api.createOrganization(try RecordFile.read(from: file))
                say(output.json ? try jsonText(record) : "Added organization \(record.id).")
            case .location:
                let record = try await api.createLocation(try RecordFile.read(from: file))
                say(output.json ? try jsonText(record) : "Added location \(record.id).")
            case .crisisContact:
                let record = try await api.createCrisisContact(try RecordFile.read(from: file))
                say(output.json ? try jsonText(record) : "Added crisis contact \(record.id).")
            }
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a record with the contents of a JSON file.",
            discussion: """
                The file replaces the whole record. Haven refuses (412) when someone changed the \
                record after you last read it, rather than silently overwriting their change; pass \
                --if-match with the ETag of the version you edited to make sure.
                """)
        @Argument(help: "service, organization, location or crisis-contact.") var kind: Kind
        @Argument(help: "The record's id.") var id: String
        @Option(help: "JSON file with the whole record, or - for standard input.") var file: String
        @Option(help: "The ETag of the version you edited (default: the file's version, else the current one).")
        var ifMatch: String?

        func run() async throws {
            let api = try client()
            let version: Int
            switch kind {
            case .service:
                let (record, eTag) = try await RecordFile.readEdit(
                    Components.Schemas.ServiceInput.self, schema: "ServiceInput", from: file, ifMatch: ifMatch
                ) { try await api.service(id).eTag }
                version = try await api.replaceService(id, eTag: eTag, record).version
            case .organization:
                let (record, eTag) = try await RecordFile.readEdit(
                    Components.Schemas.OrganizationInput.self, schema: "OrganizationInput", from: file, ifMatch: ifMatch
                ) { try await api.organization(id).eTag }
                version = try await api.replaceOrganization(id, eTag: eTag, record).version
            case .location:
                let (record, eTag) = try await RecordFile.readEdit(
                    Components.Schemas.LocationInput.self, schema: "LocationInput", from: file, ifMatch: ifMatch
                ) { try await api.location(id).eTag }
                version = try await api.replaceLocation(id, eTag: eTag, record).version
            case .crisisContact:
                let (record, eTag) = try await RecordFile.readEdit(
                    Components.Schemas.CrisisContactInput.self, schema: "CrisisContactInput", from: file,
                    ifMatch: ifMatch
                ) { try await api.crisisContact(id).eTag }
                version = try await api.replaceCrisisContact(id, eTag: eTag, record).version
            }
            say("Saved \(kind.rawValue) \(id) (version \(version)).")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record that you confirmed a record's details today.")
        @Argument(help: "service, organization, location or crisis-contact.") var kind: Kind
        @Argument(help: "The record's id.") var id: String

        func run() async throws {
            let api = try client()
            switch kind {
            case .service: _ = try await api.verifyService(id)
            case .organization: _ = try await api.verifyOrganization(id)
            case .location: _ = try await api.verifyLocation(id)
            case .crisisContact: _ = try await api.verifyCrisisContact(id)
            }
            say("Verified \(kind.rawValue) \(id) today.")
        }
    }

    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a record out of the directory; its history stays.")
        @Argument(help: "service, organization, location or crisis-contact.") var kind: Kind
        @Argument(help: "The record's id.") var id: String

        func run() async throws {
            let api = try client()
            switch kind {
            case .service: try await api.retireService(id)
            case .organization: try await api.retireOrganization(id)
            case .location: try await api.retireLocation(id)
            case .crisisContact: try await api.retireCrisisContact(id)
            }
            say("Retired \(kind.rawValue) \(id).")
        }
    }
}

private func client() throws -> HavenAPIClient {
    HavenAPIClient(login: try ClientLogin.resolve(file: .standard()))
}

/// Reads a record file the way the API will: a clear line for JSON that does not fit.
enum RecordFile {
    static func read<T: Decodable>(_ type: T.Type = T.self, from path: String) throws -> T {
        try decode(type, try data(at: path), path: path)
    }

    /// A record to replace, and the ETag of the version it was edited from: `--if-match`, else
    /// the `version` a `show --json` file carries, else the current version's from `current`
    /// (saying so, since a change made meanwhile is then replaced). A `show --json` file also
    /// holds what Haven writes itself (id, version, dates); only `schema`'s fields are sent.
    static func readEdit<T: Decodable>(
        _ type: T.Type = T.self, schema: String, from path: String, ifMatch: String?,
        current: () async throws -> String?
    ) async throws -> (T, eTag: String?) {
        var data = try data(at: path)
        var version: Int?
        if var object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let shown = object["version"] as? Int
        {
            version = shown
            let fields = try InputSchemas.fields(of: schema)
            object = object.filter { fields.contains($0.key) }
            data = try JSONSerialization.data(withJSONObject: object)
        }
        let record = try decode(type, data, path: path)
        if let ifMatch { return (record, ifMatch) }
        if let version { return (record, "\"v\(version)\"") }
        let eTag = try await current()
        FileHandle.standardError.write(
            Data(
                """
                note: \(path) says no version, so it replaces the current one\(eTag.map { " (\($0))" } ?? ""). \
                Start from `show --json`, or pass --if-match, for Haven to refuse when someone changed it since.

                """.utf8))
        return (record, eTag)
    }

    private static func data(at path: String) throws -> Data {
        do {
            return path == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError("cannot read \(path): \(error.localizedDescription)")
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ data: Data, path: String) throws -> T {
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

/// Organizations, locations and crisis contacts as a terminal shows them.
enum RecordText {
    static func describe(_ organization: Components.Schemas.Organization) -> String {
        var lines = ["\(organization.name)\(organization.demo ? "  (demo)" : "")"]
        if !organization.description.isEmpty { lines.append("  \(organization.description)") }
        lines.append("  id            \(organization.id)")
        if let website = organization.website { lines.append("  website       \(website)") }
        lines.append("  services      \(organization.serviceCount), locations \(organization.locationCount)")
        lines.append(freshness(organization.lastVerifiedAt, organization.verifiedBy, organization.stale))
        return lines.joined(separator: "\n")
    }

    static func describe(_ location: Components.Schemas.Location) -> String {
        var lines = ["\(location.name ?? "(no name)")\(location.confidential ? "  [confidential]" : "")"]
        lines.append("  id            \(location.id)")
        if let address = location.address {
            lines.append(
                "  address       \(address.address1), \(address.city), \(address.stateProvince) \(address.postalCode)")
        } else if location.approximate == true {
            lines.append("  address       withheld; approximate area only")
        }
        if let intake = location.intakePhone { lines.append("  intake phone  \(intake)") }
        if let zone = location.timeZone { lines.append("  time zone     \(zone)") }
        if !location.languages.isEmpty { lines.append("  languages     \(location.languages.joined(separator: ", "))") }
        lines.append(freshness(location.lastVerifiedAt, location.verifiedBy, location.stale))
        return lines.joined(separator: "\n")
    }

    static func describe(_ contact: Components.Schemas.CrisisContact) -> String {
        var lines = ["\(contact.name)  (\(contact.slug))"]
        for channel in contact.channels {
            let keyword = channel.keyword.map { " text \($0)" } ?? ""
            let hours = channel.schedule?.open247 == true ? "24/7" : (channel.hoursNote ?? "hours not confirmed")
            let languages = (channel.languages ?? []).joined(separator: ", ")
            lines.append(
                "  \(channel.channel.padding(toLength: 10, withPad: " ", startingAt: 0)) \(channel.value)\(keyword)  \(hours)  \(languages)"
            )
        }
        if let expect = contact.whatToExpect { lines.append("  what to expect: \(expect)") }
        if let source = contact.sourceUrl {
            lines.append("  source        \(source) (checked \(contact.verifiedOn ?? "?"))")
        }
        return lines.joined(separator: "\n")
    }

    static func freshness(_ verifiedAt: Date?, _ verifiedBy: String?, _ stale: Bool) -> String {
        let verified = verifiedAt.map { "verified \(ServiceText.day($0))" + (verifiedBy.map { " by \($0)" } ?? "") }
        return "  freshness     \(verified ?? "never verified")\(stale ? " — STALE" : "")"
    }
}

/// The fields of the API's input schemas, read from the OpenAPI document the binary carries.
enum InputSchemas {
    static func fields(of schema: String) throws -> Set<String> {
        let document = try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any]
        let schemas = (document?["components"] as? [String: Any])?["schemas"] as? [String: Any]
        guard let properties = (schemas?[schema] as? [String: Any])?["properties"] as? [String: Any] else {
            throw ConfigurationError("the API document has no schema \(schema)")
        }
        return Set(properties.keys)
    }
}
