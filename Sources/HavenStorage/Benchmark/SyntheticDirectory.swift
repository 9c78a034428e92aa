import Foundation
import Logging
import PostgresNIO

/// Fills a database with realistic synthetic services for the search benchmark: locations near
/// real ZIP centroids (so density follows where ZIP codes are), a mix of needs from the
/// taxonomy, hours, languages and service areas. Set-based SQL, seeded for repeatability; every
/// row is flagged `demo`. Never run against a production database.
public struct SyntheticDirectory: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Adds `services` services (and a location each, and one organization per five) in batches,
    /// reporting progress after each batch; then rebuilds their search rows, puts them in map
    /// order and refreshes their statistics.
    public func generate(services: Int, batch: Int = 50_000, progress: @Sendable (String) -> Void) async throws {
        try await client.withConnection { connection in
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS bench_zips AS
                SELECT row_number() OVER (ORDER BY zip) AS n, zip, state, county, point, time_zone
                FROM zip_codes WHERE kind = 'standard' AND active AND time_zone LIKE 'America/%'
                """,
                logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS bench_needs AS
                SELECT row_number() OVER (ORDER BY code) AS n, id, code FROM taxonomy_terms
                WHERE taxonomy_id = '6b1d8c7e-5f0a-4f57-9a57-2f6d3c1e0001' AND code LIKE '%.%'
                """,
                logger: logger)
        }
        var done = 0
        while done < services {
            let from = done + 1
            let to = min(done + batch, services)
            try await client.transaction(logger: logger) { connection in
                try await insertBatch(from: from, to: to, on: connection)
            }
            done = to
            progress("\(done) of \(services) services written")
        }
        progress("building search rows")
        var refreshed = 0
        while refreshed < services {
            let from = refreshed + 1
            let to = min(refreshed + batch, services)
            _ = try await client.transaction(logger: logger) { connection in
                try await connection.perform(
                    """
                    SELECT refresh_services_search(ARRAY(
                        SELECT md5('bench-service-' || g)::uuid FROM generate_series(\(from), \(to)) g))
                    """,
                    logger: logger)
            }
            refreshed = to
            progress("\(refreshed) of \(services) services indexed for search")
        }
        // Written service by service, a need's nearby rows sit one to a page; a search reads them
        // in map order (see `SearchTableOrder`).
        try await client.withConnection { connection in
            _ = try await SearchTableOrder(logger: logger).reorder(
                lockWait: .seconds(60), on: connection, progress: progress)
        }
        progress("updating planner statistics and visibility maps")
        try await client.withConnection { connection in
            // Vacuumed as well as analyzed: the area half of a search reads its index alone only
            // on pages marked all-visible (migration 0025), which autovacuum would do later.
            for table in [
                "services", "locations", "attributes", "search_points", "search_area_keys", "search_area_shapes",
            ] {
                try await connection.query(PostgresQuery(unsafeSQL: "VACUUM (ANALYZE) \(table)"), logger: logger)
            }
        }
    }

    private func insertBatch(from: Int, to: Int, on connection: PostgresConnection) async throws {
        // setseed makes a batch the same every run.
        try await connection.query("SELECT setseed(\(Double(from % 1000) / 1000.0))", logger: logger)
        try await connection.query(
            """
            CREATE TEMP TABLE bench_batch ON COMMIT DROP AS
            SELECT g,
                   md5('bench-service-' || g)::uuid AS service_id,
                   md5('bench-location-' || g)::uuid AS location_id,
                   md5('bench-organization-' || ((g - 1) / 5 + 1))::uuid AS organization_id,
                   1 + floor(random() * (SELECT count(*) FROM bench_zips))::int AS zip_n,
                   random() * 8000 AS offset_m, random() * 360 AS bearing,
                   random() AS r_status, random() AS r_age, random() AS r_lang, random() AS r_hours,
                   random() AS r_area, random() AS r_verified, 1 + floor(random() * 3)::int AS need_count
            FROM generate_series(\(from), \(to)) g
            """,
            logger: logger)
        try await connection.query(
            """
            INSERT INTO organizations (id, name, description, demo, last_verified_at)
            SELECT DISTINCT organization_id, 'Synthetic organization ' || ((g - 1) / 5 + 1),
                   'Synthetic benchmark record.', true, now()
            FROM bench_batch
            ON CONFLICT (id) DO NOTHING
            """,
            logger: logger)
        try await connection.query(
            """
            INSERT INTO locations (id, location_type, organization_id, name, point, time_zone, demo, last_verified_at)
            SELECT b.location_id, 'physical', b.organization_id, 'Synthetic location ' || b.g,
                   ST_Project(z.point, b.offset_m, radians(b.bearing)), z.time_zone, true, now()
            FROM bench_batch b JOIN bench_zips z ON z.n = b.zip_n
            ON CONFLICT (id) DO NOTHING
            """,
            logger: logger)
        try await connection.query(
            """
            INSERT INTO services (id, organization_id, name, description, status, minimum_age, maximum_age, demo,
                                  last_verified_at, interpretation_services)
            SELECT b.service_id, b.organization_id,
                   (ARRAY['Family support', 'Youth counseling', 'Legal clinic', 'Shelter program', 'Peer group',
                          'Health clinic', 'Crisis team', 'Advocacy program'])[1 + b.g % 8] || ' ' || b.g,
                   'Synthetic benchmark service near ZIP ' || z.zip || '.',
                   CASE WHEN b.r_status < 0.04 THEN 'temporarily closed'::service_status
                        WHEN b.r_status < 0.06 THEN 'inactive'::service_status ELSE 'active'::service_status END,
                   CASE WHEN b.r_age < 0.2 THEN 12 END, CASE WHEN b.r_age < 0.2 THEN 24 END, true,
                   now() - (b.r_verified * 500) * interval '1 day',
                   CASE WHEN b.r_lang < 0.1 THEN 'Interpreters on request' END
            FROM bench_batch b JOIN bench_zips z ON z.n = b.zip_n
            ON CONFLICT (id) DO NOTHING
            """,
            logger: logger)
        try await connection.query(
            """
            INSERT INTO service_at_locations (id, service_id, location_id)
            SELECT md5('bench-sal-' || g)::uuid, service_id, location_id FROM bench_batch
            ON CONFLICT DO NOTHING
            """,
            logger: logger)
        try await connection.query(
            """
            INSERT INTO attributes (id, link_id, taxonomy_term_id, link_type, link_entity)
            SELECT md5('bench-need-' || b.g || '-' || i)::uuid, b.service_id, n.id, 'need', 'service'
            FROM bench_batch b
            CROSS JOIN LATERAL generate_series(1, b.need_count) i
            JOIN bench_needs n ON n.n = 1 + ((b.g * 7 + i * 13) % (SELECT count(*) FROM bench_needs))
            ON CONFLICT DO NOTHING
            """,
            logger: logger)
        try await connection.query(
            """
            INSERT INTO languages (id, service_id, code)
            SELECT md5('bench-en-' || g)::uuid, service_id, 'en' FROM bench_batch
            UNION ALL
            SELECT md5('bench-es-' || g)::uuid, service_id, 'es' FROM bench_batch WHERE r_lang < 0.35
            UNION ALL
            SELECT md5('bench-other-' || g)::uuid, service_id, (ARRAY['vi', 'zh', 'ar', 'so', 'ko', 'ru'])[1 + g % 6]
            FROM bench_batch WHERE r_lang > 0.93
            ON CONFLICT DO NOTHING
            """,
            logger: logger)
        try await connection.query(
            """
            INSERT INTO schedules (id, service_id, time_zone, open_24_7, freq, byday, opens_at, closes_at)
            SELECT md5('bench-hours-' || b.g)::uuid, b.service_id, z.time_zone, b.r_hours < 0.15, 'WEEKLY',
                   CASE WHEN b.r_hours >= 0.15 THEN 'MO,TU,WE,TH,FR' END,
                   CASE WHEN b.r_hours >= 0.15 THEN time '09:00' END, CASE WHEN b.r_hours >= 0.15 THEN time '17:00' END
            FROM bench_batch b JOIN bench_zips z ON z.n = b.zip_n
            WHERE b.r_hours < 0.85
            ON CONFLICT DO NOTHING
            """,
            logger: logger)
        try await connection.query(
            """
            INSERT INTO service_areas (id, service_id, kind, states, counties, radius_km)
            SELECT md5('bench-area-' || b.g)::uuid, b.service_id,
                   CASE WHEN b.r_area < 0.002 THEN 'national'::service_area_kind
                        WHEN b.r_area < 0.02 THEN 'state'::service_area_kind
                        WHEN b.r_area < 0.06 THEN 'county'::service_area_kind ELSE 'radius'::service_area_kind END,
                   CASE WHEN b.r_area >= 0.002 AND b.r_area < 0.02 THEN ARRAY[z.state::text] ELSE '{}' END,
                   CASE WHEN b.r_area >= 0.02 AND b.r_area < 0.06 AND z.county IS NOT NULL
                        THEN ARRAY[z.state || ':' || z.county] ELSE '{}' END,
                   CASE WHEN b.r_area >= 0.06 THEN 10 + floor(b.r_area * 20) END
            FROM bench_batch b JOIN bench_zips z ON z.n = b.zip_n
            WHERE b.r_area < 0.16 AND (b.r_area >= 0.06 OR b.r_area < 0.02 OR z.county IS NOT NULL)
            ON CONFLICT DO NOTHING
            """,
            logger: logger)
    }
}
