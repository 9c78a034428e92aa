import Foundation
import HavenCore
import Logging
import PostgresNIO

/// All SQL about users and their organizations.
public struct UserRepository: Sendable {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    private static let columns = "id, name, role::text, organization_id, disabled_at, created_at, updated_at"

    public func create(
        name: String,
        role: Role,
        organizationID: UUID?,
        on connection: PostgresConnection
    ) async throws -> User {
        let rows = try await connection.query(
            """
            INSERT INTO users (name, role, organization_id) VALUES (\(name), \(role.rawValue)::user_role, \(organizationID))
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger
        )
        guard let user = try await Self.users(from: rows).first else { throw StorageError.noRowReturned }
        return user
    }

    public func find(id: UUID, on connection: PostgresConnection) async throws -> User? {
        let rows = try await connection.query(
            "SELECT \(unescaped: Self.columns) FROM users WHERE id = \(id)",
            logger: logger
        )
        return try await Self.users(from: rows).first
    }

    /// Users in creation order, `limit` of them after the cursor.
    public func list(after cursor: PageCursor?, limit: Int, on connection: PostgresConnection) async throws -> [User] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM users
            WHERE (\(cursor?.createdAt)::timestamptz IS NULL OR (created_at, id) > (\(cursor?.createdAt), \(cursor?.id)))
            ORDER BY created_at, id
            LIMIT \(limit)
            """,
            logger: logger
        )
        return try await Self.users(from: rows)
    }

    /// Applies the given changes; `nil` leaves a field as it is. Returns nil for an unknown id.
    public func update(
        id: UUID,
        name: String?,
        role: Role?,
        disabled: Bool?,
        on connection: PostgresConnection
    ) async throws -> User? {
        let rows = try await connection.query(
            """
            UPDATE users SET
                name = coalesce(\(name), name),
                role = coalesce(\(role?.rawValue)::user_role, role),
                disabled_at = CASE
                    WHEN \(disabled)::boolean IS NULL THEN disabled_at
                    WHEN \(disabled)::boolean THEN coalesce(disabled_at, now())
                    ELSE NULL END,
                updated_at = now()
            WHERE id = \(id)
            RETURNING \(unescaped: Self.columns)
            """,
            logger: logger
        )
        return try await Self.users(from: rows).first
    }

    public func organizationName(_ id: UUID, on connection: PostgresConnection) async throws -> String? {
        let rows = try await connection.query("SELECT name FROM organizations WHERE id = \(id)", logger: logger)
        for try await name in rows.decode(String.self) { return name }
        return nil
    }

    public func organizationExists(_ id: UUID, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query("SELECT 1 FROM organizations WHERE id = \(id)", logger: logger)
            .collect().isEmpty == false
    }

    public func createOrganization(name: String, on connection: PostgresConnection) async throws -> UUID {
        let rows = try await connection.query(
            "INSERT INTO organizations (name) VALUES (\(name)) RETURNING id",
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        throw StorageError.noRowReturned
    }

    private static func users(from rows: PostgresRowSequence) async throws -> [User] {
        var users: [User] = []
        for try await (id, name, role, organizationID, disabledAt, createdAt, updatedAt) in rows.decode(
            (UUID, String, String, UUID?, Date?, Date, Date).self
        ) {
            guard let role = Role(rawValue: role) else { throw StorageError.unexpectedValue("users.role") }
            users.append(
                User(
                    id: id,
                    name: name,
                    role: role,
                    organizationID: organizationID,
                    disabledAt: disabledAt,
                    createdAt: createdAt,
                    updatedAt: updatedAt
                )
            )
        }
        return users
    }
}

/// Where a page ends, for keyset pagination over (created_at, id).
public struct PageCursor: Sendable, Equatable {
    public let createdAt: Date
    public let id: UUID

    public init(createdAt: Date, id: UUID) {
        self.createdAt = createdAt
        self.id = id
    }

    /// Opaque to callers: base64url of "<microseconds since 1970>:<uuid>".
    public var encoded: String {
        let micros = Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded())
        return Data("\(micros):\(id.uuidString.lowercased())".utf8).base64URLEncoded
    }

    public init?(encoded: String) {
        guard let data = Data(base64URLEncoded: encoded), let text = String(data: data, encoding: .utf8) else {
            return nil
        }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
            return nil
        }
        self.createdAt = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        self.id = id
    }
}

public enum StorageError: Error, CustomStringConvertible {
    case noRowReturned
    case unexpectedValue(String)

    public var description: String {
        switch self {
        case .noRowReturned: "the database returned no row"
        case .unexpectedValue(let column): "unexpected value in \(column)"
        }
    }
}

extension Data {
    /// Byte by byte: Foundation's `replacingOccurrences` cost a search page more than the
    /// cursor's base64 itself.
    var base64URLEncoded: String {
        var bytes = Array(base64EncodedData())
        while bytes.last == UInt8(ascii: "=") { bytes.removeLast() }
        for index in bytes.indices {
            if bytes[index] == UInt8(ascii: "+") {
                bytes[index] = UInt8(ascii: "-")
            } else if bytes[index] == UInt8(ascii: "/") {
                bytes[index] = UInt8(ascii: "_")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}

/// A keyset cursor of one or more text values (the sort key of the last row shown), opaque to
/// callers: base64url of the values joined by a unit separator.
public struct OpaqueCursor: Sendable, Equatable {
    public let values: [String]

    public init(values: [String]) { self.values = values }

    public var encoded: String { Data(values.joined(separator: "\u{1F}").utf8).base64URLEncoded }

    public init?(encoded: String) {
        guard let data = Data(base64URLEncoded: encoded), let text = String(data: data, encoding: .utf8),
            !text.isEmpty
        else { return nil }
        values = text.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
    }
}
