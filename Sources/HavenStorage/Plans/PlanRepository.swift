import Foundation
import HavenCore
import Logging
import PostgresNIO

/// A plan's header: whose it is and which version is current.
public struct PlanHeader: Sendable {
    public var id: UUID
    public var familyID: UUID
    public var organizationID: UUID
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date
}

/// One saved version of a plan.
public struct PlanVersion: Sendable {
    public var version: Int
    public var content: PlanContent
    public var savedAt: Date
    public var savedBy: UUID?
}

/// A follow-up of a plan's current version, as the "what is due" list reads it.
public struct FollowUpRow: Sendable {
    public var id: UUID
    public var planID: UUID
    public var referralID: UUID?
    public var familyID: UUID
    public var dueAt: Date
    public var channel: ContactChannel
}

/// Plans' SQL: the plan, its versions (each sealed whole: goals, notes and reasons are the
/// family's story) and the follow-ups of its current version.
public struct PlanRepository: Sendable {
    public static let content = EncryptedColumn(table: "plan_versions", column: "content")

    let logger: Logger
    let cipher: FieldCipher

    public init(logger: Logger, cipher: FieldCipher) {
        self.logger = logger
        self.cipher = cipher
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    public func insert(
        id: UUID, familyID: UUID, organizationID: UUID, createdBy: UUID?, on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            INSERT INTO plans (id, family_id, organization_id, created_by, version)
            VALUES (\(id), \(familyID), \(organizationID), \(createdBy), 0)
            """,
            logger: logger)
    }

    /// Saves `content` as the plan's next version and returns its number.
    public func saveVersion(
        planID: UUID, _ content: PlanContent, savedBy: UUID?, on connection: PostgresConnection
    ) async throws -> Int {
        let rows = try await connection.query(
            "UPDATE plans SET version = version + 1, updated_at = now() WHERE id = \(planID) RETURNING version",
            logger: logger)
        var version = 0
        for try await number in rows.decode(Int.self) { version = number }
        let id = UUID()
        let text = String(decoding: try Self.encoder.encode(content), as: UTF8.self)
        let sealed = try cipher.seal(text, for: FieldContext(Self.content, recordID: id))
        try await connection.query(
            """
            INSERT INTO plan_versions (id, plan_id, version, content, saved_by)
            VALUES (\(id), \(planID), \(version), \(sealed), \(savedBy))
            """,
            logger: logger)
        return version
    }

    public func header(id: UUID, forUpdate: Bool = false, on connection: PostgresConnection) async throws
        -> PlanHeader?
    {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT id, family_id, organization_id, version, created_at, updated_at FROM plans WHERE id = $1
                    \(forUpdate ? "FOR UPDATE" : "")
                    """,
                binds: Self.binds(id)),
            logger: logger)
        for try await c in rows.decode((UUID, UUID, UUID, Int, Date, Date).self) {
            return PlanHeader(
                id: c.0, familyID: c.1, organizationID: c.2, version: c.3, createdAt: c.4, updatedAt: c.5)
        }
        return nil
    }

    /// The family's plans, newest first.
    public func plans(familyID: UUID, on connection: PostgresConnection) async throws -> [PlanHeader] {
        let rows = try await connection.query(
            """
            SELECT id, family_id, organization_id, version, created_at, updated_at FROM plans
            WHERE family_id = \(familyID) ORDER BY created_at DESC, id
            """,
            logger: logger)
        var headers: [PlanHeader] = []
        for try await c in rows.decode((UUID, UUID, UUID, Int, Date, Date).self) {
            headers.append(
                PlanHeader(id: c.0, familyID: c.1, organizationID: c.2, version: c.3, createdAt: c.4, updatedAt: c.5))
        }
        return headers
    }

    public func version(planID: UUID, number: Int, on connection: PostgresConnection) async throws -> PlanVersion? {
        let rows = try await connection.query(
            """
            SELECT id, version, content, saved_at, saved_by FROM plan_versions
            WHERE plan_id = \(planID) AND version = \(number)
            """,
            logger: logger)
        for try await (id, version, sealed, savedAt, savedBy) in rows.decode((UUID, Int, Data, Date, UUID?).self) {
            let text = try cipher.open(sealed, for: FieldContext(Self.content, recordID: id))
            let content = try Self.decoder.decode(PlanContent.self, from: Data(text.utf8))
            return PlanVersion(version: version, content: content, savedAt: savedAt, savedBy: savedBy)
        }
        return nil
    }

    /// Replaces the plan's follow-ups with the current version's.
    public func replaceFollowUps(
        _ header: PlanHeader, _ content: PlanContent, on connection: PostgresConnection
    ) async throws {
        try await connection.query("DELETE FROM follow_ups WHERE plan_id = \(header.id)", logger: logger)
        var rows: [(UUID?, FollowUp)] = content.followUps.map { (nil, $0) }
        rows += content.referrals.compactMap { referral in referral.followUp.map { (referral.id, $0) } }
        // This table answers "what is due"; a check-in that happened stays in the plan only.
        for (referral, followUp) in rows where !followUp.isDone {
            try await connection.query(
                """
                INSERT INTO follow_ups (id, plan_id, referral_id, family_id, organization_id, due_at, channel)
                VALUES (\(UUID()), \(header.id), \(referral), \(header.familyID), \(header.organizationID),
                        \(followUp.dueAt), \(followUp.channel.rawValue))
                """,
                logger: logger)
        }
    }

    /// Follow-ups due before `before`, soonest first, of one organization (every one when nil).
    public func followUps(organization: UUID?, before: Date, limit: Int, on connection: PostgresConnection)
        async throws -> [FollowUpRow]
    {
        let rows = try await connection.query(
            """
            SELECT id, plan_id, referral_id, family_id, due_at, channel FROM follow_ups
            WHERE (\(organization)::uuid IS NULL OR organization_id = \(organization)) AND due_at < \(before)
            ORDER BY due_at, id LIMIT \(limit)
            """,
            logger: logger)
        var result: [FollowUpRow] = []
        for try await c in rows.decode((UUID, UUID, UUID?, UUID, Date, String).self) {
            result.append(
                FollowUpRow(
                    id: c.0, planID: c.1, referralID: c.2, familyID: c.3, dueAt: c.4,
                    channel: ContactChannel(rawValue: c.5) ?? .phone))
        }
        return result
    }

    static func binds(_ id: UUID) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(id)
        return binds
    }
}
