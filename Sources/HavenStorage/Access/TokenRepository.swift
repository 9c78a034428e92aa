import Foundation
import HavenCore
import Logging
import PostgresNIO

/// All SQL about API tokens.
public struct TokenRepository: Sendable {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    private static let columns = "id, user_id, name, created_at, last_used_at, expires_at, revoked_at"

    /// Stores a new token and returns it with its secret, which is not kept anywhere.
    public func create(
        userID: UUID,
        name: String,
        expiresAt: Date?,
        on connection: PostgresConnection
    ) async throws -> (token: APIToken, secret: String) {
        let (secret, hash) = TokenSecret.generate()
        let rows = try await connection.query(
            """
            INSERT INTO api_tokens (user_id, name, token_hash, expires_at)
            VALUES (\(userID), \(name), \(Data(hash)), \(expiresAt))
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger
        )
        guard let token = try await Self.tokens(from: rows).first else { throw StorageError.noRowReturned }
        return (token, secret)
    }

    public func find(id: UUID, on connection: PostgresConnection) async throws -> APIToken? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM api_tokens WHERE id = \(id)",
            logger: logger
        )
        return try await Self.tokens(from: rows).first
    }

    /// Tokens in creation order; only one user's when `userID` is given.
    public func list(
        userID: UUID?,
        after cursor: PageCursor?,
        limit: Int,
        on connection: PostgresConnection
    ) async throws -> [APIToken] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM api_tokens
            WHERE (\(userID)::uuid IS NULL OR user_id = \(userID))
              AND (\(cursor?.createdAt)::timestamptz IS NULL OR (created_at, id) > (\(cursor?.createdAt), \(cursor?.id)))
            ORDER BY created_at, id
            LIMIT \(limit)
            """,
            logger: logger
        )
        return try await Self.tokens(from: rows)
    }

    /// Marks the token revoked (idempotent). Returns false for an unknown id.
    public func revoke(id: UUID, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = \(id) RETURNING id",
            logger: logger
        )
        return try await rows.collect().isEmpty == false
    }

    /// Who a token speaks for, and until when at the latest.
    public struct Authentication: Sendable, Equatable {
        public let caller: Caller
        public let expiresAt: Date?
    }

    /// The caller behind a secret, when the token is known, unrevoked and unexpired and its user
    /// is enabled; nil otherwise. One statement: it also notes when the token was last used, at
    /// most once a minute ("last used" is for people, not for metering). The columns it reads
    /// are the ones whose changes migration 0022 announces to `CallerCache`: keep them in step.
    public func authenticate(secret: String, on connection: PostgresConnection) async throws -> Authentication? {
        guard TokenSecret.isWellFormed(secret) else { return nil }
        return try await authenticate(hash: TokenSecret.hash(secret), on: connection)
    }

    /// As `authenticate(secret:on:)`, for a secret already hashed.
    public func authenticate(hash: [UInt8], on connection: PostgresConnection) async throws -> Authentication? {
        var found: Authentication?
        for try await row in try await connection.execute(AuthenticateStatement(hash: Data(hash)), logger: logger) {
            found = row
        }
        return found
    }

    /// Prepared once per connection: it runs on every request the cache cannot answer, and
    /// parsing and planning it each time cost PostgreSQL more than running it.
    struct AuthenticateStatement: PostgresPreparedStatement {
        static let name = "haven_authenticate"
        static let bindingDataTypes: [PostgresDataType] = [.bytea]
        static let sql = """
            WITH caller AS (
                SELECT t.id AS token_id, t.last_used_at, t.expires_at, u.id AS user_id, u.role::text AS role,
                       u.organization_id
                FROM api_tokens t JOIN users u ON u.id = t.user_id
                WHERE t.token_hash = $1
                  AND t.revoked_at IS NULL
                  AND (t.expires_at IS NULL OR t.expires_at > now())
                  AND u.disabled_at IS NULL
            ), touched AS (
                UPDATE api_tokens SET last_used_at = now() FROM caller
                WHERE api_tokens.id = caller.token_id
                  AND (caller.last_used_at IS NULL OR caller.last_used_at < now() - interval '1 minute')
            )
            SELECT token_id, user_id, role, organization_id, expires_at FROM caller
            """

        let hash: Data

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            try bindings.append(hash)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Authentication {
            let (tokenID, userID, role, organizationID, expiresAt) = try row.decode(
                (UUID, UUID, String, UUID?, Date?).self)
            guard let role = Role(rawValue: role) else { throw StorageError.unexpectedValue("users.role") }
            return Authentication(
                caller: Caller(
                    userID: userID.uuidString.lowercased(), tokenID: tokenID.uuidString.lowercased(), role: role,
                    organizationID: organizationID?.uuidString.lowercased()),
                expiresAt: expiresAt)
        }
    }

    private static func tokens(from rows: PostgresRowSequence) async throws -> [APIToken] {
        var tokens: [APIToken] = []
        for try await (id, userID, name, createdAt, lastUsedAt, expiresAt, revokedAt) in rows.decode(
            (UUID, UUID, String, Date, Date?, Date?, Date?).self
        ) {
            tokens.append(
                APIToken(
                    id: id,
                    userID: userID,
                    name: name,
                    createdAt: createdAt,
                    lastUsedAt: lastUsedAt,
                    expiresAt: expiresAt,
                    revokedAt: revokedAt
                )
            )
        }
        return tokens
    }
}
