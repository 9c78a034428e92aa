import Foundation
import HavenStorage
import HavenTestSupport
import PostgresNIO
import Testing

@Suite("Search tables in map order")
struct SearchTableOrderTests {
    @Test("a table held by another transaction is left alone, and the connection keeps no lock timeout")
    func busyTableIsLeftAlone() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                try await client.transaction(logger: logger) { holder in
                    try await holder.query("LOCK TABLE search_points IN ACCESS SHARE MODE", logger: logger)
                    try await client.withConnection { connection in
                        await #expect {
                            _ = try await SearchTableOrder(logger: logger).reorder(
                                lockWait: .milliseconds(200), on: connection)
                        } throws: { error in
                            (error as? SearchTableOrder.Busy)?.table == "search_points"
                        }
                        // A pooled connection must not carry the reorder's lock wait into a search.
                        let setting = try await connection.query("SHOW lock_timeout", logger: logger).collect()
                        #expect(try setting.first?.decode(String.self) == "0")
                    }
                }
                let clustered = try await client.query(
                    """
                    SELECT count(*)::int FROM pg_index
                    WHERE indrelid IN ('search_points'::regclass, 'search_area_shapes'::regclass) AND indisclustered
                    """, logger: logger
                ).collect()
                #expect(try clustered.first?.decode(Int.self) == 0, "a busy reorder rewrote a table")
            }
        }
    }
}
