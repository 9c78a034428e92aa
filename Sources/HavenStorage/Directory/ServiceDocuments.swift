import Foundation
import HavenCore
import Logging
import PostgresNIO

/// Reads services as whole JSON documents, built by PostgreSQL in one statement: the shape of
/// the API's `Service` (HSDS field names), so the handler only decodes it.
public struct ServiceDocuments: Sendable {
    /// Who is reading: curators and admins see confidential locations whole; everyone else
    /// sees an approximate point and the intake phone, never the address.
    public enum View: Sendable {
        case full, redacted
    }

    let logger: Logger
    let staleAfterDays: Int

    public init(logger: Logger, staleAfterDays: Int) {
        self.logger = logger
        self.staleAfterDays = staleAfterDays
    }

    public func find(_ id: UUID, view: View, on connection: PostgresConnection) async throws -> RecordDocument? {
        try await documents([id], view: view, on: connection).first
    }

    /// Services in creation order after the cursor, retired ones left out.
    public func list(
        organization: UUID?, after cursor: PageCursor?, limit: Int, view: View, on connection: PostgresConnection
    ) async throws -> [(RecordDocument, PageCursor)] {
        let rows = try await connection.query(
            """
            SELECT s.id, s.created_at FROM services s
            WHERE s.retired_at IS NULL
              AND (\(organization)::uuid IS NULL OR s.organization_id = \(organization))
              AND (\(cursor?.createdAt)::timestamptz IS NULL OR (s.created_at, s.id) > (\(cursor?.createdAt), \(cursor?.id)))
            ORDER BY s.created_at, s.id
            LIMIT \(limit)
            """,
            logger: logger)
        var keys: [(UUID, Date)] = []
        for try await (id, created) in rows.decode((UUID, Date).self) { keys.append((id, created)) }
        guard !keys.isEmpty else { return [] }
        let documents = try await self.documents(keys.map(\.0), view: view, on: connection)
        let byID = Dictionary(uniqueKeysWithValues: documents.map { ($0.id, $0) })
        return keys.compactMap { id, created in byID[id].map { ($0, PageCursor(createdAt: created, id: id)) } }
    }

    /// Child lists are ordered by their natural keys (phones by type and number, areas by kind,
    /// hours by days), so a document reads the same however it was written.
    func documents(_ ids: [UUID], view: View, on connection: PostgresConnection) async throws -> [RecordDocument] {
        let full = view == .full
        let rows = try await connection.query(
            """
            SELECT s.id, s.version, jsonb_strip_nulls(jsonb_build_object(
                'id', s.id, 'organization_id', s.organization_id, 'name', s.name,
                'alternate_name', s.alternate_name, 'description', s.description, 'url', s.url, 'email', s.email,
                'status', s.status, 'interpretation_services', s.interpretation_services,
                'application_process', s.application_process, 'fees_description', s.fees_description,
                'wait_time', s.wait_time, 'fees', s.fees, 'accreditations', s.accreditations,
                'eligibility_description', s.eligibility_description, 'minimum_age', s.minimum_age,
                'maximum_age', s.maximum_age, 'alert', s.alert,
                'needs', COALESCE((SELECT jsonb_agg(t.code ORDER BY t.code) FROM attributes a
                                   JOIN taxonomy_terms t ON t.id = a.taxonomy_term_id
                                   WHERE a.link_entity = 'service' AND a.link_id = s.id
                                     AND t.taxonomy_id = \(ReferenceData.needsTaxonomyID)), '[]'),
                'audiences', COALESCE((SELECT jsonb_agg(t.code ORDER BY t.code) FROM attributes a
                                       JOIN taxonomy_terms t ON t.id = a.taxonomy_term_id
                                       WHERE a.link_entity = 'service' AND a.link_id = s.id
                                         AND t.taxonomy_id = \(ReferenceData.audienceTaxonomyID)), '[]'),
                'languages', COALESCE((SELECT jsonb_agg(g.code ORDER BY g.code) FROM languages g
                                       WHERE g.service_id = s.id), '[]'),
                'phones', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                        'number', p.number, 'type', p.type, 'description', p.description))
                                        ORDER BY p.type, p.number) FROM phones p WHERE p.service_id = s.id), '[]'),
                'schedule', (SELECT jsonb_strip_nulls(jsonb_build_object(
                                 'time_zone', min(sc.time_zone), 'open_24_7', bool_or(sc.open_24_7),
                                 'hours', COALESCE(jsonb_agg(jsonb_build_object(
                                              'byday', sc.byday, 'opens_at', to_char(sc.opens_at, 'HH24:MI'),
                                              'closes_at', to_char(sc.closes_at, 'HH24:MI'))
                                              ORDER BY sc.byday, sc.opens_at) FILTER (WHERE NOT sc.open_24_7), '[]'),
                                 'exceptions', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                                    'starts_on', e.starts_on, 'ends_on', e.ends_on, 'closed', e.closed,
                                                    'opens_at', to_char(e.opens_at, 'HH24:MI'),
                                                    'closes_at', to_char(e.closes_at, 'HH24:MI'), 'reason', e.reason))
                                                    ORDER BY e.starts_on)
                                                FROM schedule_exceptions e WHERE e.service_id = s.id)))
                               FROM schedules sc WHERE sc.service_id = s.id HAVING count(*) > 0),
                'service_areas', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                               'kind', sa.kind, 'states', NULLIF(sa.states, '{}'),
                                               'counties', NULLIF(sa.counties, '{}'),
                                               'zip_codes', NULLIF(sa.zip_codes, '{}'),
                                               'radius_km', sa.radius_km, 'extent', sa.extent))
                                               ORDER BY sa.kind, sa.id)
                                           FROM service_areas sa WHERE sa.service_id = s.id), '[]'),
                'cost_options', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                              'option', c.option, 'amount', c.amount, 'currency', c.currency,
                                              'amount_description', c.amount_description))
                                              ORDER BY c.amount NULLS FIRST, c.option)
                                          FROM cost_options c WHERE c.service_id = s.id), '[]'),
                'required_documents', COALESCE((SELECT jsonb_agg(d.document ORDER BY d.document)
                                                FROM required_documents d WHERE d.service_id = s.id), '[]'),
                'location_ids', COALESCE((SELECT jsonb_agg(sal.location_id ORDER BY sal.location_id)
                                          FROM service_at_locations sal WHERE sal.service_id = s.id), '[]'),
                'locations', COALESCE((
                    SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                        'id', l.id, 'name', l.name, 'confidential', l.confidential,
                        'latitude', ST_Y(shown.point::geometry), 'longitude', ST_X(shown.point::geometry),
                        'approximate', l.confidential AND NOT \(full),
                        'time_zone', l.time_zone, 'intake_phone', l.intake_phone,
                        'address', CASE WHEN l.confidential AND NOT \(full) THEN NULL ELSE
                            (SELECT jsonb_strip_nulls(jsonb_build_object(
                                 'address_1', ad.address_1, 'address_2', ad.address_2, 'city', ad.city,
                                 'state_province', ad.state_province, 'postal_code', ad.postal_code,
                                 'country', ad.country))
                             FROM addresses ad WHERE ad.location_id = l.id ORDER BY ad.id LIMIT 1) END))
                        ORDER BY l.id)
                    FROM service_at_locations sal
                    JOIN locations l ON l.id = sal.location_id
                    CROSS JOIN LATERAL (SELECT CASE WHEN l.confidential AND NOT \(full) THEN l.approximate_point
                                                    ELSE l.point END AS point) shown
                    WHERE sal.service_id = s.id AND l.retired_at IS NULL), '[]'),
                'last_modified', haven_timestamp(s.last_modified),
                'last_verified_at', haven_timestamp(s.last_verified_at),
                'verified_by', s.verified_by,
                'stale', s.last_verified_at IS NULL
                         OR s.last_verified_at < now() - make_interval(days => \(staleAfterDays)::int),
                'version', s.version, 'demo', s.demo, 'retired_at', haven_timestamp(s.retired_at)
            ))::text
            FROM services s WHERE s.id = ANY(\(ids))
            """,
            logger: logger)
        return try await RecordDocuments.documents(rows)
    }
}
