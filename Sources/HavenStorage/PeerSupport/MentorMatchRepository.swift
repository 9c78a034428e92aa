import Foundation
import HavenCore
import Logging
import PostgresNIO

/// A match between a waiting family and a volunteer mentor.
public struct MentorMatchRecord: Sendable {
    public var id: UUID
    public var familyID: UUID
    public var volunteerID: UUID
    public var organizationID: UUID
    public var status: MentorMatchStatus
    public var score: Double
    public var reasons: [String]
    public var declineReason: String?
    public var outcome: String?
    public var proposedAt: Date
    public var acceptedAt: Date?
    public var activatedAt: Date?
    public var declinedAt: Date?
    public var closedAt: Date?
    public var version: Int
}

/// Mentor matches' SQL. Capacity is protected by locking the volunteer's row (`FOR UPDATE`)
/// before counting their open matches, so two coordinators proposing at once queue behind each
/// other instead of both seeing a free place. Decline reasons and outcomes are notes about a
/// family: sealed with the field cipher.
public struct MentorMatchRepository: Sendable {
    public static let declineReason = EncryptedColumn(table: "mentor_matches", column: "decline_reason")
    public static let outcome = EncryptedColumn(table: "mentor_matches", column: "outcome")

    let logger: Logger
    let cipher: FieldCipher

    public init(logger: Logger, cipher: FieldCipher) {
        self.logger = logger
        self.cipher = cipher
    }

    /// Locks the volunteers' rows in id order (a fixed order, so concurrent commits never
    /// deadlock) and returns how many open matches each has.
    public func lockVolunteers(_ ids: [UUID], on connection: PostgresConnection) async throws -> [UUID: Int] {
        let sorted = Array(Set(ids)).sorted { $0.uuidString < $1.uuidString }
        guard !sorted.isEmpty else { return [:] }
        try await connection.perform(
            "SELECT id FROM volunteers WHERE id = ANY(\(sorted)) ORDER BY id FOR UPDATE", logger: logger)
        let rows = try await connection.query(
            """
            SELECT v.id, count(m.id) FROM volunteers v
            LEFT JOIN mentor_matches m ON m.volunteer_id = v.id AND m.status IN ('proposed', 'accepted', 'active')
            WHERE v.id = ANY(\(sorted)) GROUP BY v.id
            """,
            logger: logger)
        var counts: [UUID: Int] = [:]
        for try await (id, count) in rows.decode((UUID, Int).self) { counts[id] = count }
        return counts
    }

    /// Proposes a match and takes the family off the waiting list.
    public func propose(
        id: UUID, requestID: UUID, familyID: UUID, volunteerID: UUID, score: Double, reasons: [String],
        proposedBy: UUID?, on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            INSERT INTO mentor_matches (id, request_id, family_id, volunteer_id, status, score, reasons, proposed_by)
            VALUES (\(id), \(requestID), \(familyID), \(volunteerID), 'proposed', \(score)::numeric, \(reasons),
                    \(proposedBy))
            """,
            logger: logger)
        try await connection.query(
            "UPDATE mentor_requests SET status = 'matched' WHERE id = \(requestID)", logger: logger)
    }

    /// Moves a match on. A declined match puts the family back on the waiting list with its
    /// original request date, so they do not lose their place.
    public func move(
        id: UUID, to status: MentorMatchStatus, note: String?, on connection: PostgresConnection
    ) async throws {
        let declineReason = try note.map { try cipher.seal($0, for: FieldContext(Self.declineReason, recordID: id)) }
        let outcome = try note.map { try cipher.seal($0, for: FieldContext(Self.outcome, recordID: id)) }
        try await connection.query(
            """
            UPDATE mentor_matches SET status = \(status.rawValue), version = version + 1,
                   accepted_at = CASE WHEN \(status.rawValue) = 'accepted' THEN now() ELSE accepted_at END,
                   activated_at = CASE WHEN \(status.rawValue) = 'active' THEN now() ELSE activated_at END,
                   declined_at = CASE WHEN \(status.rawValue) = 'declined' THEN now() ELSE declined_at END,
                   closed_at = CASE WHEN \(status.rawValue) = 'closed' THEN now() ELSE closed_at END,
                   decline_reason = CASE WHEN \(status.rawValue) = 'declined' THEN \(declineReason) ELSE decline_reason END,
                   outcome = CASE WHEN \(status.rawValue) = 'closed' THEN \(outcome) ELSE outcome END
            WHERE id = \(id)
            """,
            logger: logger)
        if status == .declined {
            try await connection.query(
                """
                UPDATE mentor_requests SET status = 'waiting'
                WHERE id = (SELECT request_id FROM mentor_matches WHERE id = \(id))
                  AND NOT EXISTS (SELECT 1 FROM mentor_requests w
                                  WHERE w.family_id = mentor_requests.family_id AND w.status = 'waiting')
                """,
                logger: logger)
        }
    }

    /// The family's proposed, accepted or active match, if any.
    public func openMatch(familyID: UUID, on connection: PostgresConnection) async throws -> MentorMatchStatus? {
        let rows = try await connection.query(
            """
            SELECT status FROM mentor_matches
            WHERE family_id = \(familyID) AND status IN ('proposed', 'accepted', 'active')
            """,
            logger: logger)
        for try await status in rows.decode(String.self) { return MentorMatchStatus(rawValue: status) }
        return nil
    }

    /// Locks a match for a change.
    public func lock(id: UUID, on connection: PostgresConnection) async throws -> MentorMatchRecord? {
        try await read(ids: [id], organization: nil, status: nil, lock: true, on: connection).first
    }

    public func find(_ ids: [UUID], on connection: PostgresConnection) async throws -> [MentorMatchRecord] {
        try await read(ids: ids, organization: nil, status: nil, lock: false, on: connection)
    }

    /// The organization's matches (every organization's when nil), newest first.
    public func list(organization: UUID?, status: MentorMatchStatus?, on connection: PostgresConnection) async throws
        -> [MentorMatchRecord]
    {
        try await read(ids: nil, organization: organization, status: status, lock: false, on: connection)
    }

    private func read(
        ids: [UUID]?, organization: UUID?, status: MentorMatchStatus?, lock: Bool, on connection: PostgresConnection
    ) async throws -> [MentorMatchRecord] {
        let rows = try await connection.query(
            """
            SELECT m.id, m.family_id, m.volunteer_id, f.organization_id, m.status, m.score::float8, m.reasons,
                   m.decline_reason, m.outcome, m.proposed_at, m.accepted_at, m.activated_at, m.declined_at,
                   m.closed_at, m.version
            FROM mentor_matches m JOIN families f ON f.id = m.family_id
            WHERE (\(ids)::uuid[] IS NULL OR m.id = ANY(\(ids)))
              AND (\(organization)::uuid IS NULL OR f.organization_id = \(organization))
              AND (\(status?.rawValue)::text IS NULL OR m.status = \(status?.rawValue))
            ORDER BY m.proposed_at DESC, m.id
            \(unescaped: lock ? "FOR UPDATE OF m" : "")
            """,
            logger: logger)
        var records: [MentorMatchRecord] = []
        for try await row in rows {
            let c = try row.decode(
                (
                    UUID, UUID, UUID, UUID, String, Double, [String], Data?, Data?, Date, Date?, Date?, Date?,
                    Date?, Int
                ).self)
            records.append(
                MentorMatchRecord(
                    id: c.0, familyID: c.1, volunteerID: c.2, organizationID: c.3,
                    status: MentorMatchStatus(rawValue: c.4) ?? .closed, score: c.5, reasons: c.6,
                    declineReason: try c.7.map {
                        try cipher.open($0, for: FieldContext(Self.declineReason, recordID: c.0))
                    },
                    outcome: try c.8.map { try cipher.open($0, for: FieldContext(Self.outcome, recordID: c.0)) },
                    proposedAt: c.9, acceptedAt: c.10, activatedAt: c.11, declinedAt: c.12,
                    closedAt: c.13, version: c.14))
        }
        return records
    }
}
