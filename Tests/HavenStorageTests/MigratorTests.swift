import Foundation
import HavenCore
import HavenStorage
import HavenTestSupport
import PostgresNIO
import Testing

@Suite("Migrations against PostgreSQL")
struct MigratorTests {
    let cluster = TestDatabaseCluster.shared

    @Test("the repository's migrations apply to an empty database, and re-running changes nothing")
    func appliesThenNoOp() async throws {
        try await cluster.withEmptyDatabase { database in
            try await database.withClient { client in
                let migrator = Migrator(client: client, files: database.migrations, logger: database.logger)
                #expect(try await migrator.plan().pending.count == database.migrations.count)

                let applied = try await migrator.migrate()
                #expect(applied.map(\.fileName) == database.migrations.map(\.fileName))
                let recorded = try await recordedMigrations(client)
                #expect(recorded.map(\.version) == database.migrations.map(\.version))
                #expect(recorded.map(\.checksum) == database.migrations.map(\.checksum))
                #expect(try await migrator.plan().isCurrent)

                let extensions = try await strings(client, "SELECT extname FROM pg_extension ORDER BY extname")
                #expect(extensions.contains("postgis"))
                #expect(extensions.contains("pg_trgm"))

                #expect(try await migrator.migrate().isEmpty)
                #expect(try await recordedMigrations(client) == recorded)
            }
        }
    }

    @Test(
        "notes written in plain text before migration 0028 are sealed by it with the key; without the key it refuses and applies nothing"
    )
    func caseNotesAreSealed() async throws {
        try await cluster.withEmptyDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                try await Migrator(
                    client: client, files: database.migrations.filter { $0.version < 28 }, logger: logger
                )
                .migrate()
                let (referral, match) = (UUID(), UUID())
                try await client.withConnection { connection in
                    // The rows stand alone: foreign keys are not what this test is about.
                    try await connection.query("SET session_replication_role = replica", logger: logger)
                    try await connection.query(
                        """
                        INSERT INTO referrals (id, plan_id, family_id, organization_id, service_id,
                                               recipient_organization_id, handoff, status, outcome)
                        VALUES (\(referral), \(UUID()), \(UUID()), \(UUID()), \(UUID()), \(UUID()), 'warm', 'closed',
                                'Chose a clinic closer to school')
                        """, logger: logger)
                    try await connection.query(
                        """
                        INSERT INTO mentor_matches (id, request_id, family_id, volunteer_id, status, score, decline_reason)
                        VALUES (\(match), \(UUID()), \(UUID()), \(UUID()), 'declined', 0.5, 'Mentor is away this month')
                        """, logger: logger)
                    try await connection.query("SET session_replication_role = origin", logger: logger)
                }

                let keyless = Migrator(client: client, files: database.migrations, logger: logger)
                let error = await #expect(throws: Migrator.Failure.self) { try await keyless.migrate() }
                #expect(error?.description.contains("referrals.outcome are in plain text and must be sealed") == true)
                #expect(try await keyless.plan().pending.map(\.version).prefix(2) == [28, 29])

                let cipher = database.cipher
                try await Migrator(client: client, files: database.migrations, logger: logger, cipher: { cipher })
                    .migrate()
                #expect(try await keyless.plan().isCurrent)
                let plain = try await strings(
                    client,
                    """
                    SELECT id::text FROM referrals WHERE position(convert_to('closer to school', 'UTF8') IN outcome) > 0
                    UNION ALL
                    SELECT id::text FROM mentor_matches WHERE position(convert_to('away', 'UTF8') IN decline_reason) > 0
                    """)
                #expect(plain.isEmpty, "no note is left readable in the database")
                let outcome = try await client.query(
                    "SELECT outcome FROM referrals WHERE id = \(referral)", logger: logger
                ).collect().first?.decode(Data.self)
                #expect(
                    try cipher.open(
                        try #require(outcome), for: FieldContext(ReferralRepository.outcome, recordID: referral))
                        == "Chose a clinic closer to school")
                let reason = try await client.query(
                    "SELECT decline_reason FROM mentor_matches WHERE id = \(match)", logger: logger
                ).collect().first?.decode(Data.self)
                #expect(
                    try cipher.open(
                        try #require(reason), for: FieldContext(MentorMatchRepository.declineReason, recordID: match))
                        == "Mentor is away this month")
            }
        }
    }

    @Test("an applied migration whose file was edited is refused, naming the file")
    func editedMigrationRefused() async throws {
        try await cluster.withEmptyDatabase { database in
            let directory = try temporaryMigrations([
                "0001_people.sql": "CREATE TABLE demo_people (id int PRIMARY KEY);",
                "0002_places.sql": "CREATE TABLE demo_places (id int PRIMARY KEY);",
            ])
            defer { try? FileManager.default.removeItem(at: directory) }
            try await database.withClient { client in
                let original = try MigrationSource(directory: directory).load()
                try await Migrator(client: client, files: original, logger: database.logger).migrate()

                try "CREATE TABLE demo_places (id bigint PRIMARY KEY);"
                    .write(to: directory.appendingPathComponent("0002_places.sql"), atomically: true, encoding: .utf8)
                try "CREATE TABLE demo_events (id int);"
                    .write(to: directory.appendingPathComponent("0003_events.sql"), atomically: true, encoding: .utf8)
                let edited = try MigrationSource(directory: directory).load()
                let migrator = Migrator(client: client, files: edited, logger: database.logger)

                let error = await #expect(throws: Migrator.Failure.self) { try await migrator.migrate() }
                // Named where it is: this folder, not the repository's Migrations/.
                let path = directory.appendingPathComponent("0002_places.sql").path
                #expect(error?.description.contains("\(path) was changed") == true, "\(String(describing: error))")
                // Refused before anything ran: the new migration is still pending.
                #expect(try await strings(client, "SELECT to_regclass('demo_events')::text").first == nil)
                #expect(try await migrator.plan().problems == [.modified(path: path)])
            }
        }
    }

    @Test("a failing migration leaves nothing behind and names the file and line")
    func failedMigrationRollsBack() async throws {
        try await cluster.withEmptyDatabase { database in
            let directory = try temporaryMigrations([
                "0001_ok.sql": "CREATE TABLE demo_ok (id int);",
                "0002_broken.sql": "CREATE TABLE demo_half (id int);\n\nINSERT INTO demo_missing VALUES (1);",
            ])
            defer { try? FileManager.default.removeItem(at: directory) }
            try await database.withClient { client in
                let files = try MigrationSource(directory: directory).load()
                let migrator = Migrator(client: client, files: files, logger: database.logger)
                let error = await #expect(throws: Migrator.Failure.self) { try await migrator.migrate() }
                #expect(error?.description.contains("0002_broken.sql, statement on line 3") == true)
                #expect(error?.description.contains("demo_missing") == true)

                #expect(try await recordedMigrations(client).map(\.version) == [1])
                #expect(try await strings(client, "SELECT to_regclass('demo_half')::text").first == nil)
                #expect(try await strings(client, "SELECT to_regclass('demo_ok')::text").first == "demo_ok")
            }
        }
    }

    @Test("a badly named file in the migrations directory is refused")
    func badFileName() throws {
        let directory = try temporaryMigrations(["0001_ok.sql": "SELECT 1;", "2_oops.sql": "SELECT 1;"])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: MigrationSource.LoadError.self) { try MigrationSource(directory: directory).load() }
    }
}

func temporaryMigrations(_ files: [String: String]) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "haven-migrations-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for (name, sql) in files {
        try sql.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    return directory
}

func recordedMigrations(_ client: PostgresClient) async throws -> [AppliedMigration] {
    var result: [AppliedMigration] = []
    let rows = try await client.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
    for try await (version, name, checksum) in rows.decode((Int, String, String).self) {
        result.append(AppliedMigration(version: version, name: name, checksum: checksum))
    }
    return result
}

func strings(_ client: PostgresClient, _ sql: String) async throws -> [String] {
    var result: [String] = []
    let rows = try await client.query(PostgresQuery(unsafeSQL: sql))
    for try await value in rows.decode(String?.self) {
        if let value { result.append(value) }
    }
    return result
}
