import Foundation
import HavenCore
import Logging
import PostgresNIO

/// The fictional demo directory in `Seeds/demo/directory.json` (made by
/// `scripts/generate-demo-directory.py`). Every record goes through the same validation and
/// repositories as a curator's, is flagged `demo`, and keeps its id, so loading twice changes
/// nothing and `haven seed --remove-demo` removes exactly these records.
public struct DemoDirectory: Sendable {
    public struct Counts: Sendable, Equatable {
        public var organizations = 0
        public var locations = 0
        public var services = 0
        /// Records left as they are because someone changed them since the seed wrote them,
        /// as "kind id".
        public var kept: [String] = []
    }

    struct File: Decodable {
        struct Entry<Input: Decodable>: Decodable {
            let id: UUID
            let lastVerifiedAt: Date
            let input: Input

            enum CodingKeys: String, CodingKey {
                case id
                case lastVerifiedAt = "last_verified_at"
                case organization, location, service
            }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                id = try container.decode(UUID.self, forKey: .id)
                lastVerifiedAt = try container.decode(Date.self, forKey: .lastVerifiedAt)
                let key = [CodingKeys.organization, .location, .service].first(where: container.contains)
                guard let key else {
                    throw DecodingError.keyNotFound(
                        CodingKeys.service, .init(codingPath: container.codingPath, debugDescription: "no record"))
                }
                input = try container.decode(Input.self, forKey: key)
            }
        }

        struct Organization: Decodable {
            let id: UUID
            let lastVerifiedAt: Date
            let organization: OrganizationInput
            let locations: [Entry<LocationInput>]
            let services: [Entry<ServiceInput>]

            enum CodingKeys: String, CodingKey {
                case id
                case lastVerifiedAt = "last_verified_at"
                case organization, locations, services
            }
        }

        let organizations: [Organization]
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    let client: PostgresClient
    let file: URL
    let logger: Logger

    public init(client: PostgresClient, file: URL, logger: Logger) {
        self.client = client
        self.file = file
        self.logger = logger
    }

    public func load() async throws -> Counts {
        guard FileManager.default.fileExists(atPath: file.path) else { return Counts() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let content: File
        do {
            content = try decoder.decode(File.self, from: Data(contentsOf: file))
        } catch {
            throw Failure(description: "\(file.lastPathComponent) cannot be read: \(error)")
        }
        let organizations = OrganizationRepository(logger: logger)
        let locations = LocationRepository(logger: logger)
        let services = ServiceRepository(logger: logger)
        let taxonomies = TaxonomyRepository(logger: logger)
        let records = DirectoryRecords(logger: logger)
        let source = "demo data"
        return try await client.transaction(logger: logger) { connection in
            var counts = Counts()
            // A record someone changed since the seed wrote it is theirs now: left as it is.
            func write(_ kind: DirectoryRecordKind, _ id: UUID, _ save: () async throws -> Void) async throws {
                guard try await records.seedMayWrite(kind, id: id, on: connection) else {
                    counts.kept.append("\(kind.rawValue) \(id.uuidString.lowercased())")
                    return
                }
                try await save()
                try await records.noteSeedWrite(kind, id: id, on: connection)
            }
            for entry in content.organizations {
                var organization = try Self.valid(entry.organization.validate(), "organization \(entry.id)")
                organization.demo = true
                try await write(.organization, entry.id) {
                    try await organizations.save(id: entry.id, organization, on: connection)
                    try await records.markVerified(
                        .organization, id: entry.id, at: entry.lastVerifiedAt, by: source, on: connection)
                }
                counts.organizations += 1
                for location in entry.locations {
                    var draft = try Self.valid(location.input.validate(), "location \(location.id)")
                    draft.demo = true
                    try await write(.location, location.id) {
                        try await locations.save(id: location.id, draft, on: connection)
                        try await records.markVerified(
                            .location, id: location.id, at: location.lastVerifiedAt, by: source, on: connection)
                    }
                    counts.locations += 1
                }
                for service in entry.services {
                    var draft = try Self.valid(service.input.validate(), "service \(service.id)")
                    draft.demo = true
                    let unknown =
                        try await taxonomies.unknownCodes(draft.needs, in: .needs, on: connection)
                        + taxonomies.unknownCodes(draft.audiences, in: .audiences, on: connection)
                    guard unknown.isEmpty else {
                        throw Failure(
                            description:
                                "service \(service.id): unknown taxonomy codes \(unknown.joined(separator: ", "))")
                    }
                    try await write(.service, service.id) {
                        try await services.save(id: service.id, draft, on: connection)
                        try await records.markVerified(
                            .service, id: service.id, at: service.lastVerifiedAt, by: source, on: connection)
                    }
                    counts.services += 1
                }
            }
            return counts
        }
    }

    public func remove() async throws -> (organizations: Int, crisisContacts: Int) {
        try await client.transaction(logger: logger) { connection in
            try await DirectoryRecords(logger: logger).removeDemo(on: connection)
        }
    }

    private static func valid<Draft>(_ result: Result<Draft, ValidationFailure>, _ record: String) throws -> Draft {
        switch result {
        case .success(let draft): return draft
        case .failure(let failure):
            let fields = failure.errors.map { "\($0.pointer) \($0.detail)" }.joined(separator: "; ")
            throw Failure(description: "demo \(record) is invalid: \(fields)")
        }
    }
}
