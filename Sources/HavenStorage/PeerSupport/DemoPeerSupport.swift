import Foundation
import HavenCore
import Logging
import PostgresNIO

/// The fictional peer-support demo in `Seeds/demo/peer-support.json` (made by
/// `scripts/generate-demo-peer-support.py`): a demo program with volunteer mentors and families
/// waiting for one. Records go through the same validation and repositories as a coordinator's,
/// are flagged `demo` and keep their ids, so loading twice changes nothing. Credential and
/// waiting dates are relative to the day of the first load.
public struct DemoPeerSupport: Sendable {
    public struct Counts: Sendable, Equatable {
        public var volunteers = 0
        public var families = 0

        public init(volunteers: Int = 0, families: Int = 0) {
            self.volunteers = volunteers
            self.families = families
        }
    }

    struct File: Decodable {
        struct Organization: Decodable {
            var id: UUID
            var name: String
        }

        struct Credential: Decodable {
            var id: UUID
            var kind: String
            var name: String
            var issuedDaysAgo: Int
            var expiresInDays: Int?

            enum CodingKeys: String, CodingKey {
                case id, kind, name
                case issuedDaysAgo = "issued_days_ago"
                case expiresInDays = "expires_in_days"
            }
        }

        struct Volunteer: Decodable {
            var id: UUID
            var volunteer: VolunteerInput
            var credentials: [Credential]
        }

        struct Family: Decodable {
            var id: UUID
            var waitingDays: Int
            var family: FamilyInput

            enum CodingKeys: String, CodingKey {
                case id, family
                case waitingDays = "waiting_days"
            }
        }

        var organization: Organization
        var volunteers: [Volunteer]
        var families: [Family]
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    let client: PostgresClient
    let file: URL
    let cipher: FieldCipher
    let logger: Logger

    public init(client: PostgresClient, file: URL, cipher: FieldCipher, logger: Logger) {
        self.client = client
        self.file = file
        self.cipher = cipher
        self.logger = logger
    }

    /// The demo program's organization, which a demo coordinator joins.
    public func organizationID() throws -> UUID { try read().organization.id }

    public func load(now: Date = Date()) async throws -> Counts {
        let demo = try read()
        let volunteers = VolunteerRepository(logger: logger, cipher: cipher)
        let families = FamilyRepository(logger: logger, cipher: cipher)
        let today = CalendarDate(now, timeZone: "UTC")
        return try await client.transaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO organizations (id, name, demo) VALUES (\(demo.organization.id), \(demo.organization.name), true)
                ON CONFLICT (id) DO NOTHING
                """,
                logger: logger)
            var counts = Counts()
            for entry in demo.volunteers {
                let draft = try Self.valid(entry.volunteer.validate(), "volunteer \(entry.id)")
                if !(try await volunteers.exists(id: entry.id, on: connection)) {
                    try await volunteers.insert(
                        id: entry.id, organizationID: demo.organization.id, draft, demo: true, on: connection)
                }
                for credential in entry.credentials {
                    let input = CredentialInput(
                        kind: credential.kind, name: credential.name,
                        issuedOn: today.adding(days: -credential.issuedDaysAgo).description,
                        expiresOn: credential.expiresInDays.map { today.adding(days: $0).description })
                    try await volunteers.addCredential(
                        id: credential.id, volunteerID: entry.id,
                        try Self.valid(input.validate(), "credential \(credential.id)"), recordedBy: nil,
                        on: connection)
                }
                counts.volunteers += 1
            }
            for entry in demo.families {
                let draft = try Self.valid(entry.family.validate(), "family \(entry.id)")
                if !(try await families.exists(id: entry.id, on: connection)) {
                    try await families.insert(
                        id: entry.id, organizationID: demo.organization.id, draft, demo: true, on: connection)
                    _ = try await families.requestMentor(
                        familyID: entry.id, requestedBy: nil, id: entry.id,
                        requestedAt: now.addingTimeInterval(-Double(entry.waitingDays) * 86_400), on: connection)
                }
                counts.families += 1
            }
            return counts
        }
    }

    /// Removes the demo volunteers and families (with their matches); the demo organization goes
    /// with the demo directory's.
    public func remove() async throws -> Counts {
        try await client.transaction(logger: logger) { connection in
            let families = try await FamilyRepository(logger: logger, cipher: cipher).removeDemo(on: connection)
            let volunteers = try await VolunteerRepository(logger: logger, cipher: cipher).removeDemo(on: connection)
            return Counts(volunteers: volunteers, families: families)
        }
    }

    private func read() throws -> File {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw Failure(description: "cannot read \(file.path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw Failure(description: "\(file.path) is not a valid peer-support demo file: \(error)")
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
