import Foundation
import HavenCore
import Logging
import PostgresNIO

/// All SQL about idempotency keys (migration 0026): the claim a keyed POST takes before it runs,
/// and the answer it keeps when it succeeds.
public struct IdempotencyRepository: Sendable {
    public static let responseBody = EncryptedColumn(table: "idempotency_keys", column: "response_body")

    /// A kept answer: what a retry gets back.
    public struct Answer: Sendable, Equatable {
        public var status: Int
        /// Name and value pairs, in order.
        public var headers: [[String]]
        public var body: String

        public init(status: Int, headers: [[String]], body: String) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    public enum Claim: Sendable, Equatable {
        /// The key is this request's: run it, then `keep` or `release`.
        case claimed(id: UUID)
        /// The key's first request succeeded: answer with this.
        case answered(id: UUID, Answer)
        /// The key's first request is still running.
        case inProgress
        /// The key was used for a different request.
        case usedForAnotherRequest
    }

    let cipher: FieldCipher
    let logger: Logger

    public init(cipher: FieldCipher, logger: Logger) {
        self.cipher = cipher
        self.logger = logger
    }

    public func claim(
        _ key: IdempotencyKey, userID: UUID, operation: String, fingerprint: Data, on connection: PostgresConnection
    ) async throws -> Claim {
        let lifetime = Double(IdempotencyKey.lifetime.components.seconds)
        let abandoned = Double(IdempotencyKey.abandonedAfter.components.seconds)
        // Two tries: a first request that fails releases its claim between our insert and our read.
        for _ in 0..<2 {
            // Expired keys go a batch at a time, so the table never needs a sweeper; this key's
            // own row goes too when it expired or its request was abandoned. (Two index lookups
            // joined by UNION ALL: an OR of the two would read the whole table on every claim.)
            try await connection.query(
                """
                DELETE FROM idempotency_keys
                WHERE id IN (
                    (SELECT id FROM idempotency_keys WHERE expires_at <= now() ORDER BY expires_at LIMIT 100)
                    UNION ALL
                    SELECT id FROM idempotency_keys
                    WHERE user_id = \(userID) AND key = \(key.value)
                      AND (expires_at <= now()
                           OR (response_status IS NULL AND claimed_at <= now() - make_interval(secs => \(abandoned)))))
                """,
                logger: logger
            )
            let id = UUID()
            let inserted = try await connection.query(
                """
                INSERT INTO idempotency_keys (id, user_id, key, operation, fingerprint, expires_at)
                VALUES (\(id), \(userID), \(key.value), \(operation), \(fingerprint),
                        now() + make_interval(secs => \(lifetime)))
                ON CONFLICT (user_id, key) DO NOTHING
                RETURNING id
                """,
                logger: logger
            )
            for try await _ in inserted.decode(UUID.self) { return .claimed(id: id) }

            let rows = try await connection.query(
                """
                SELECT id, fingerprint, response_status, response_headers::text, response_body
                FROM idempotency_keys WHERE user_id = \(userID) AND key = \(key.value)
                """,
                logger: logger
            )
            for try await (existing, storedFingerprint, status, headers, body) in rows.decode(
                (UUID, Data, Int?, String?, Data?).self)
            {
                guard storedFingerprint == fingerprint else { return .usedForAnotherRequest }
                guard let status, let headers, let body else { return .inProgress }
                let text = try cipher.open(body, for: FieldContext(Self.responseBody, recordID: existing))
                let pairs = try JSONDecoder().decode([[String]].self, from: Data(headers.utf8))
                return .answered(id: existing, Answer(status: status, headers: pairs, body: text))
            }
        }
        // Claimed and released twice over while we looked: treat it as busy rather than loop.
        return .inProgress
    }

    /// Keeps the answer of the claim's request, sealed.
    public func keep(_ answer: Answer, claim id: UUID, on connection: PostgresConnection) async throws {
        let sealed = try cipher.seal(answer.body, for: FieldContext(Self.responseBody, recordID: id))
        let headers = String(decoding: try JSONEncoder().encode(answer.headers), as: UTF8.self)
        try await connection.query(
            """
            UPDATE idempotency_keys
            SET response_status = \(answer.status), response_headers = \(headers)::jsonb, response_body = \(sealed)
            WHERE id = \(id) AND response_status IS NULL
            """,
            logger: logger
        )
    }

    /// Frees the key of a request that did not succeed, so the client can send it again.
    public func release(claim id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            "DELETE FROM idempotency_keys WHERE id = \(id) AND response_status IS NULL", logger: logger)
    }
}
