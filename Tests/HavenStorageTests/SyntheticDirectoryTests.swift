import Foundation
import HavenStorage
import HavenTestSupport
import PostgresNIO
import Synchronization
import Testing

@Suite("Benchmark data")
struct SyntheticDirectoryTests {
    @Test(
        "generated services are searchable, reported as they go, and their search tables in map order, vacuumed and analyzed"
    )
    func generates() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                let steps = Mutex<[String]>([])
                try await SyntheticDirectory(client: client, logger: logger).generate(services: 300, batch: 100) {
                    line in steps.withLock { $0.append(line) }
                }
                #expect(steps.withLock { $0 }.contains("300 of 300 services indexed for search"))

                let counts = try await client.query(
                    """
                    SELECT (SELECT count(*) FROM services WHERE demo)::int,
                           (SELECT count(DISTINCT service_id) FROM search_points)::int,
                           (SELECT count(*) FROM search_area_keys)::int
                    """, logger: logger)
                for try await (services, searchable, areaRows) in counts.decode((Int, Int, Int).self) {
                    #expect(services == 300)
                    #expect(searchable == 300)
                    #expect(areaRows > 0)
                }
                // Vacuumed, not only analyzed: search reads area rows from their index alone only on
                // pages the vacuum marked all-visible (migration 0025). (Whether it could mark them
                // depends on the cluster: the test cluster commits asynchronously, so pages written
                // a moment before are not yet all-visible.)
                let maintenance = try await client.query(
                    """
                    SELECT relname::text, vacuum_count::int, analyze_count::int FROM pg_stat_user_tables
                    WHERE relname IN ('search_points', 'search_area_keys', 'search_area_shapes') ORDER BY relname
                    """, logger: logger)
                var tables: [String] = []
                for try await (table, vacuums, analyses) in maintenance.decode((String, Int, Int).self) {
                    tables.append(table)
                    #expect(vacuums >= 1, "\(table) was not vacuumed")
                    #expect(analyses >= 1, "\(table) was not analyzed")
                }
                #expect(tables == ["search_area_keys", "search_area_shapes", "search_points"])
                // In map order: CLUSTER marks the index it ordered the table by.
                let ordered = try await client.query(
                    """
                    SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                    WHERE i.indisclustered AND i.indrelid IN ('search_points'::regclass, 'search_area_shapes'::regclass)
                    ORDER BY 1
                    """, logger: logger)
                var indexes: [String] = []
                for try await index in ordered.decode(String.self) { indexes.append(index) }
                #expect(indexes == ["search_area_shapes_keyed_idx", "search_points_keyed_idx"])
            }
        }
    }
}
