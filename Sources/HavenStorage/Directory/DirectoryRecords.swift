import Foundation
import Logging
import PostgresNIO

/// What every curated directory record shares: freshness and retirement.
public enum DirectoryRecordKind: String, Sendable, CaseIterable {
    case organization, service, location
    case crisisContact = "crisis_contact"

    /// Trusted table names, never input.
    var table: String {
        switch self {
        case .organization: "organizations"
        case .service: "services"
        case .location: "locations"
        case .crisisContact: "crisis_contacts"
        }
    }

    /// How a curator would name it: "crisis contact".
    public var displayName: String { self == .crisisContact ? "crisis contact" : rawValue }

    /// Services follow HSDS (`last_modified`); the other tables say `updated_at`.
    var modifiedColumn: String { self == .service ? "last_modified" : "updated_at" }
}

public struct DirectoryRecords: Sendable {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    /// Records that a curator (or a source) confirmed the record at `time`; false when there is
    /// no such record.
    @discardableResult
    public func markVerified(
        _ kind: DirectoryRecordKind, id: UUID, at time: Date, by verifiedBy: String, on connection: PostgresConnection
    ) async throws -> Bool {
        // Unchanged rows are not rewritten, so a reseed leaves them exactly as they were.
        try await connection.query(
            """
            UPDATE \(unescaped: kind.table) SET last_verified_at = \(time), verified_by = \(verifiedBy)
            WHERE id = \(id) AND (last_verified_at, verified_by) IS DISTINCT FROM (\(time), \(verifiedBy))
            """,
            logger: logger)
        // Search ranks on its own copy of a service's freshness.
        if kind == .service { try await SearchIndex(logger: logger).refreshFacts(service: id, on: connection) }
        return try await exists(kind, id: id, on: connection)
    }

    public func exists(_ kind: DirectoryRecordKind, id: UUID, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query(
            "SELECT 1 FROM \(unescaped: kind.table) WHERE id = \(id)", logger: logger
        ).collect().isEmpty == false
    }

    /// The record's version, locking its row for the rest of the transaction (for If-Match).
    public func lockVersion(_ kind: DirectoryRecordKind, id: UUID, on connection: PostgresConnection) async throws
        -> Int?
    {
        let rows = try await connection.query(
            "SELECT version FROM \(unescaped: kind.table) WHERE id = \(id) FOR UPDATE", logger: logger)
        for try await version in rows.decode(Int.self) { return version }
        return nil
    }

    /// When the record was retired; nil when it is live (or absent).
    public func retiredAt(_ kind: DirectoryRecordKind, id: UUID, on connection: PostgresConnection) async throws
        -> Date?
    {
        let rows = try await connection.query(
            "SELECT retired_at FROM \(unescaped: kind.table) WHERE id = \(id)", logger: logger)
        for try await retired in rows.decode(Date?.self) { return retired }
        return nil
    }

    /// Bumps the version even when no column changed, so every accepted write yields a new ETag.
    public func touch(_ kind: DirectoryRecordKind, id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE \(unescaped: kind.table) SET version = version + 1, \(unescaped: kind.modifiedColumn) = now()
            WHERE id = \(id)
            """,
            logger: logger)
    }

    /// The services whose documents show this location or organization (their locations, their
    /// organization) move to a new version too, so a client holding a service's ETag, or a
    /// partner syncing `/hsds/services?modified_after=…`, sees the change.
    public func touchServices(showing kind: DirectoryRecordKind, id: UUID, on connection: PostgresConnection)
        async throws
    {
        let services: String
        switch kind {
        case .location: services = "SELECT service_id FROM service_at_locations WHERE location_id = $1"
        case .organization: services = "SELECT id FROM services WHERE organization_id = $1"
        case .service, .crisisContact: return
        }
        var bindings = PostgresBindings()
        bindings.append(id)
        try await connection.perform(
            PostgresQuery(unsafeSQL: "SELECT touch_services(ARRAY(\(services)), true)", binds: bindings),
            logger: logger)
    }

    /// Whether `haven seed` may write its copy of a record: true when the record is new, was
    /// never seeded before, or still has the version the seed last gave it; false when someone
    /// else (a curator, an import) has changed it since.
    public func seedMayWrite(_ kind: DirectoryRecordKind, id: UUID, on connection: PostgresConnection) async throws
        -> Bool
    {
        let rows = try await connection.query(
            """
            SELECT w.version = r.version FROM \(unescaped: kind.table) r
            JOIN seed_writes w ON w.kind = \(kind.rawValue) AND w.id = r.id
            WHERE r.id = \(id)
            """,
            logger: logger)
        for try await same in rows.decode(Bool.self) { return same }
        return true
    }

    /// Notes the version the seed left a record at (see `seedMayWrite`).
    public func noteSeedWrite(_ kind: DirectoryRecordKind, id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO seed_writes (kind, id, version)
            SELECT \(kind.rawValue), id, version FROM \(unescaped: kind.table) WHERE id = \(id)
            ON CONFLICT (kind, id) DO UPDATE SET version = EXCLUDED.version
            """,
            logger: logger)
    }

    /// Takes a record out of the directory, keeping it for history; false when there is none.
    public func retire(_ kind: DirectoryRecordKind, id: UUID, on connection: PostgresConnection) async throws -> Bool {
        let retired =
            try await connection.query(
                """
                UPDATE \(unescaped: kind.table)
                SET retired_at = COALESCE(retired_at, now()), version = version + 1, \(unescaped: kind.modifiedColumn) = now()
                WHERE id = \(id) RETURNING id
                """,
                logger: logger
            ).collect().isEmpty == false
        let index = SearchIndex(logger: logger)
        switch kind {
        case .service: try await index.refresh(service: id, on: connection)
        case .location:
            try await index.refresh(servicesAt: id, on: connection)
            if retired { try await touchServices(showing: .location, id: id, on: connection) }
        case .organization where retired:
            // An organization that no longer operates offers nothing: its services and
            // locations leave the directory, search and the HSDS API with it.
            for offered in [DirectoryRecordKind.service, .location] {
                try await connection.query(
                    """
                    UPDATE \(unescaped: offered.table)
                    SET retired_at = now(), version = version + 1, \(unescaped: offered.modifiedColumn) = now()
                    WHERE organization_id = \(id) AND retired_at IS NULL
                    """,
                    logger: logger)
            }
            try await index.rebuild(servicesOf: id, on: connection)
        case .organization, .crisisContact: break
        }
        return retired
    }

    /// Removes exactly the demo records: demo organizations take their services, locations and
    /// everything hanging off them along (foreign keys cascade); demo crisis contacts go too.
    public func removeDemo(on connection: PostgresConnection) async throws -> (organizations: Int, crisisContacts: Int)
    {
        let contacts = try await connection.query("DELETE FROM crisis_contacts WHERE demo RETURNING id", logger: logger)
            .collect().count
        // Services and locations flagged demo under a real organization go on their own.
        _ = try await connection.query("DELETE FROM services WHERE demo", logger: logger).collect()
        _ = try await connection.query("DELETE FROM locations WHERE demo", logger: logger).collect()
        let organizations = try await connection.query(
            "DELETE FROM organizations WHERE demo RETURNING id", logger: logger
        )
        .collect().count
        return (organizations, contacts)
    }
}
