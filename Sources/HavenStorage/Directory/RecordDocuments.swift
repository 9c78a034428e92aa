import Foundation
import HavenCore
import Logging
import PostgresNIO

/// A directory record as the API shows it: JSON built by PostgreSQL, with its version.
public struct RecordDocument: Sendable {
    public let id: UUID
    public let version: Int
    public let json: Data
}

/// Reads organizations and locations as whole JSON documents (HSDS field names), the way
/// `ServiceDocuments` reads services. Confidential locations are redacted in the SQL itself.
public struct RecordDocuments: Sendable {
    let logger: Logger
    let staleAfterDays: Int

    public init(logger: Logger, staleAfterDays: Int) {
        self.logger = logger
        self.staleAfterDays = staleAfterDays
    }

    // MARK: Organizations

    public func organizations(_ ids: [UUID], on connection: PostgresConnection) async throws -> [RecordDocument] {
        let rows = try await connection.query(
            """
            SELECT o.id, o.version, jsonb_strip_nulls(jsonb_build_object(
                'id', o.id, 'name', o.name, 'alternate_name', o.alternate_name, 'description', o.description,
                'email', o.email, 'website', o.website, 'tax_status', o.tax_status, 'tax_id', o.tax_id,
                'year_incorporated', o.year_incorporated, 'legal_status', o.legal_status,
                'parent_organization_id', o.parent_organization_id,
                'service_count', (SELECT count(*) FROM services s WHERE s.organization_id = o.id AND s.retired_at IS NULL),
                'location_count', (SELECT count(*) FROM locations l WHERE l.organization_id = o.id AND l.retired_at IS NULL),
                'last_verified_at', haven_timestamp(o.last_verified_at), 'verified_by', o.verified_by,
                'stale', o.last_verified_at IS NULL
                         OR o.last_verified_at < now() - make_interval(days => \(staleAfterDays)::int),
                'version', o.version, 'demo', o.demo, 'retired_at', haven_timestamp(o.retired_at)
            ))::text
            FROM organizations o WHERE o.id = ANY(\(ids))
            """,
            logger: logger)
        return try await Self.documents(rows)
    }

    public func organizationPage(after cursor: PageCursor?, limit: Int, on connection: PostgresConnection)
        async throws -> [(RecordDocument, PageCursor)]
    {
        let rows = try await connection.query(
            """
            SELECT id, created_at FROM organizations
            WHERE retired_at IS NULL
              AND (\(cursor?.createdAt)::timestamptz IS NULL OR (created_at, id) > (\(cursor?.createdAt), \(cursor?.id)))
            ORDER BY created_at, id LIMIT \(limit)
            """,
            logger: logger)
        return try await page(rows) { try await organizations($0, on: connection) }
    }

    // MARK: Locations

    public func locations(_ ids: [UUID], full: Bool, on connection: PostgresConnection) async throws -> [RecordDocument]
    {
        let rows = try await connection.query(
            """
            SELECT l.id, l.version, jsonb_strip_nulls(jsonb_build_object(
                'id', l.id, 'organization_id', l.organization_id, 'location_type', l.location_type, 'url', l.url,
                'name', l.name, 'alternate_name', l.alternate_name, 'description', l.description,
                'transportation', CASE WHEN l.confidential AND NOT \(full) THEN NULL ELSE l.transportation END,
                'latitude', ST_Y(shown.point::geometry), 'longitude', ST_X(shown.point::geometry),
                'approximate', l.confidential AND NOT \(full),
                'time_zone', l.time_zone, 'confidential', l.confidential, 'intake_phone', l.intake_phone,
                'address', CASE WHEN l.confidential AND NOT \(full) THEN NULL ELSE
                    (SELECT jsonb_strip_nulls(jsonb_build_object(
                         'address_1', a.address_1, 'address_2', a.address_2, 'city', a.city,
                         'state_province', a.state_province, 'postal_code', a.postal_code, 'country', a.country))
                     FROM addresses a WHERE a.location_id = l.id ORDER BY a.id LIMIT 1) END,
                'languages', COALESCE((SELECT jsonb_agg(g.code ORDER BY g.code) FROM languages g
                                       WHERE g.location_id = l.id), '[]'),
                'accessibility', (SELECT ac.description FROM accessibility ac WHERE ac.location_id = l.id
                                  ORDER BY ac.id LIMIT 1),
                'phones', CASE WHEN l.confidential AND NOT \(full) THEN '[]'::jsonb ELSE
                    COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                  'number', p.number, 'type', p.type, 'description', p.description))
                                  ORDER BY p.type, p.number) FROM phones p WHERE p.location_id = l.id), '[]') END,
                'last_verified_at', haven_timestamp(l.last_verified_at), 'verified_by', l.verified_by,
                'stale', l.last_verified_at IS NULL
                         OR l.last_verified_at < now() - make_interval(days => \(staleAfterDays)::int),
                'version', l.version, 'demo', l.demo, 'retired_at', haven_timestamp(l.retired_at)
            ))::text
            FROM locations l
            CROSS JOIN LATERAL (SELECT CASE WHEN l.confidential AND NOT \(full) THEN l.approximate_point
                                            ELSE l.point END AS point) shown
            WHERE l.id = ANY(\(ids))
            """,
            logger: logger)
        return try await Self.documents(rows)
    }

    public func locationPage(
        organization: UUID?, confidential: Bool?, after cursor: PageCursor?, limit: Int, full: Bool,
        on connection: PostgresConnection
    ) async throws -> [(RecordDocument, PageCursor)] {
        let rows = try await connection.query(
            """
            SELECT id, created_at FROM locations
            WHERE retired_at IS NULL
              AND (\(organization)::uuid IS NULL OR organization_id = \(organization))
              AND (\(confidential)::boolean IS NULL OR confidential = \(confidential))
              AND (\(cursor?.createdAt)::timestamptz IS NULL OR (created_at, id) > (\(cursor?.createdAt), \(cursor?.id)))
            ORDER BY created_at, id LIMIT \(limit)
            """,
            logger: logger)
        return try await page(rows) { try await locations($0, full: full, on: connection) }
    }

    // MARK: Shared

    private func page(
        _ rows: PostgresRowSequence, _ load: ([UUID]) async throws -> [RecordDocument]
    ) async throws -> [(RecordDocument, PageCursor)] {
        var keys: [(UUID, Date)] = []
        for try await (id, created) in rows.decode((UUID, Date).self) { keys.append((id, created)) }
        guard !keys.isEmpty else { return [] }
        let byID = Dictionary(uniqueKeysWithValues: try await load(keys.map(\.0)).map { ($0.id, $0) })
        return keys.compactMap { id, created in byID[id].map { ($0, PageCursor(createdAt: created, id: id)) } }
    }

    static func documents(_ rows: PostgresRowSequence) async throws -> [RecordDocument] {
        var documents: [RecordDocument] = []
        for try await (id, version, json) in rows.decode((UUID, Int, String).self) {
            documents.append(RecordDocument(id: id, version: version, json: Data(json.utf8)))
        }
        return documents
    }
}
