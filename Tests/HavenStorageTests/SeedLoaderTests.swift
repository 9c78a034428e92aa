import Foundation
import HavenStorage
import HavenTestSupport
import Testing

@Suite("Seed loading")
struct SeedLoaderTests {
    @Test("seed files load in name order, each in one transaction; a failing file changes nothing")
    func loadsInOrder() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            let directory = try temporaryMigrations([
                "01_table.sql": "CREATE TABLE IF NOT EXISTS demo_seed (name text PRIMARY KEY);",
                "02_rows.sql": "INSERT INTO demo_seed VALUES ('first') ON CONFLICT DO NOTHING;",
            ])
            defer { try? FileManager.default.removeItem(at: directory) }
            try await database.withClient { client in
                let loader = SeedLoader(client: client, directory: directory, logger: database.logger)
                #expect(try await loader.load() == ["01_table.sql", "02_rows.sql"])
                #expect(try await loader.load() == ["01_table.sql", "02_rows.sql"])  // idempotent
                #expect(try await strings(client, "SELECT name FROM demo_seed") == ["first"])

                try "INSERT INTO demo_seed VALUES ('second');\nINSERT INTO demo_nowhere VALUES (1);"
                    .write(to: directory.appendingPathComponent("03_broken.sql"), atomically: true, encoding: .utf8)
                let error = await #expect(throws: SeedLoader.Failure.self) { try await loader.load() }
                #expect(error?.description.contains("Seeds/03_broken.sql, statement on line 2") == true)
                #expect(try await strings(client, "SELECT name FROM demo_seed ORDER BY name") == ["first"])
            }
        }
    }

    @Test("a missing seeds directory means nothing to load")
    func missingDirectory() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            try await database.withClient { client in
                let loader = SeedLoader(
                    client: client,
                    directory: URL(fileURLWithPath: "/nonexistent/haven-seeds"),
                    logger: database.logger
                )
                let files = try loader.files()
                #expect(files.isEmpty)
            }
        }
    }
}
