import Foundation
import HavenCore
import Logging
import PostgresNIO

/// One audit record: who did or tried what, to which record, with what outcome, from where.
public struct AuditEvent: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case allowed, denied, failed
    }

    public var userID: String?
    public var tokenID: String?
    public var role: String?
    public var action: String
    public var recordType: String?
    public var recordID: String?
    public var outcome: Outcome
    public var requestID: String?
    public var clientAddress: String?

    public init(
        caller: Caller?,
        action: String,
        recordType: String? = nil,
        recordID: String? = nil,
        outcome: Outcome,
        requestID: String?,
        clientAddress: String?
    ) {
        self.userID = caller?.userID
        self.tokenID = caller?.tokenID
        self.role = caller?.role.rawValue
        self.action = action
        self.recordType = recordType
        self.recordID = recordID
        self.outcome = outcome
        self.requestID = requestID
        self.clientAddress = clientAddress
    }
}

/// A stored audit row.
public struct AuditRecord: Sendable, Equatable {
    public let seq: Int64
    public let occurredAt: Date
    public let event: AuditEvent
}

/// All SQL about the audit log. Rows are only ever inserted; the database chains their hashes
/// and refuses updates and deletes.
public struct AuditLog: Sendable {
    public struct Filter: Sendable {
        public var userID: UUID?
        public var recordType: String?
        public var recordID: String?
        public var action: String?
        public var since: Date?
        public var until: Date?

        public init(
            userID: UUID? = nil,
            recordType: String? = nil,
            recordID: String? = nil,
            action: String? = nil,
            since: Date? = nil,
            until: Date? = nil
        ) {
            self.userID = userID
            self.recordType = recordType
            self.recordID = recordID
            self.action = action
            self.since = since
            self.until = until
        }
    }

    /// The result of walking the chain.
    public enum Verification: Sendable, Equatable {
        case intact(rows: Int)
        /// The first row whose stored hash or link does not match what it should be.
        case broken(seq: Int64, reason: String)
    }

    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Appends a record. Call it on the connection of the action's own transaction, so the
    /// action and its record commit or roll back together.
    public func record(_ event: AuditEvent, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO audit_log (user_id, token_id, role, action, record_type, record_id, outcome, request_id, client_address)
            VALUES (\(event.userID)::uuid, \(event.tokenID)::uuid, \(event.role), \(event.action), \(event.recordType),
                    \(event.recordID), \(event.outcome.rawValue)::audit_outcome, \(event.requestID), \(event.clientAddress))
            """,
            logger: logger
        )
    }

    /// Records a denied attempt in a transaction of its own: there is no action to commit with.
    /// The denial stands even if recording fails; the failure is logged without the event's data.
    public func recordDenial(_ event: AuditEvent, using client: PostgresClient) async {
        var event = event
        event.outcome = .denied
        do {
            try await client.withConnection { connection in try await record(event, on: connection) }
        } catch {
            logger.error("could not record a denied attempt", metadata: ["error.type": "\(type(of: error))"])
        }
    }

    /// Newest first, `limit` of them before the cursor (a `seq`).
    public func list(
        _ filter: Filter,
        before cursor: Int64?,
        limit: Int,
        on connection: PostgresConnection
    ) async throws -> [AuditRecord] {
        let rows = try await connection.query(
            """
            SELECT seq, occurred_at, user_id::text, token_id::text, role, action, record_type, record_id,
                   outcome::text, request_id, client_address
            FROM audit_log
            WHERE (\(filter.userID)::uuid IS NULL OR user_id = \(filter.userID))
              AND (\(filter.recordType)::text IS NULL OR record_type = \(filter.recordType))
              AND (\(filter.recordID)::text IS NULL OR record_id = \(filter.recordID))
              AND (\(filter.action)::text IS NULL OR action = \(filter.action))
              AND (\(filter.since)::timestamptz IS NULL OR occurred_at >= \(filter.since))
              AND (\(filter.until)::timestamptz IS NULL OR occurred_at < \(filter.until))
              AND (\(cursor)::bigint IS NULL OR seq < \(cursor))
            ORDER BY seq DESC
            LIMIT \(limit)
            """,
            logger: logger
        )
        var records: [AuditRecord] = []
        for try await row in rows.decode(
            (Int64, Date, String?, String?, String?, String, String?, String?, String, String?, String?).self
        ) {
            var event = AuditEvent(
                caller: nil,
                action: row.5,
                recordType: row.6,
                recordID: row.7,
                outcome: AuditEvent.Outcome(rawValue: row.8) ?? .failed,
                requestID: row.9,
                clientAddress: row.10
            )
            event.userID = row.2
            event.tokenID = row.3
            event.role = row.4
            records.append(AuditRecord(seq: row.0, occurredAt: row.1, event: event))
        }
        return records
    }

    /// Recomputes every row's hash from its content and the previous row's hash, in order, and
    /// reports the first row that does not match: an edited row, a removed row (a broken link),
    /// or rows reordered.
    public func verify(on connection: PostgresConnection) async throws -> Verification {
        let rows = try await connection.query(
            """
            SELECT seq,
                   hash = audit_row_digest(previous_hash, seq, occurred_at, user_id, token_id, role, action,
                                           record_type, record_id, outcome, request_id, client_address),
                   previous_hash IS NOT DISTINCT FROM lag(hash) OVER (ORDER BY seq),
                   seq = row_number() OVER (ORDER BY seq)
            FROM audit_log
            ORDER BY seq
            """,
            logger: logger
        )
        var count = 0
        for try await (seq, hashMatches, linkMatches, contiguous) in rows.decode((Int64, Bool, Bool, Bool).self) {
            count += 1
            if !contiguous { return .broken(seq: seq, reason: "a row before this one is missing") }
            if !linkMatches { return .broken(seq: seq, reason: "its link to the previous row does not match") }
            if !hashMatches { return .broken(seq: seq, reason: "its content does not match its hash") }
        }
        return .intact(rows: count)
    }
}
