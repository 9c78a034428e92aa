import Foundation
import HavenCore
import HavenServer
import HavenStorage
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("Readiness")
struct ReadinessTests {
    let cluster = TestDatabaseCluster.shared
    static let patient = ServerConfiguration(port: 0, readinessTimeout: .seconds(60))

    @Test("GET /readyz is 200 when the database answers and the schema is current")
    func ready() async throws {
        try await cluster.withMigratedDatabase { database in
            // The answer is under test, not its speed: a busy test machine may take seconds.
            try await ServerHarness.withServer(database: database, configuration: Self.patient) { client in
                let response = try await client.execute(uri: "/readyz", method: .get)
                #expect(response.status == .ok)
                #expect(response.json["status"] as? String == "ready")
                #expect(response.json["schema"] as? String == "current")
            }
        }
    }

    @Test("GET /readyz is 503 problem+json while migrations are pending")
    func schemaBehind() async throws {
        try await cluster.withEmptyDatabase { database in
            try await ServerHarness.withServer(database: database, configuration: Self.patient) { client in
                let response = try await client.execute(uri: "/readyz", method: .get)
                let problem = expectProblem(response, .serviceUnavailable, type: "urn:haven:problem:not-ready")
                let detail = problem["detail"] as? String ?? ""
                #expect(detail.contains("behind"))
                #expect(detail.contains("haven migrate"))
            }
        }
    }

    @Test("GET /readyz is 503 while PostgreSQL is stopped and 200 once it is back, without a restart")
    func followsTheDatabase() async throws {
        let logger = cluster.logger
        try await DedicatedCluster.with(logger: logger) { dedicated in
            let url = try dedicated.cluster.connectionURL()
            let migrations = try MigrationSource(directory: TestDatabaseCluster.migrationsDirectory).load()
            try await PostgresClient.withClient(url: url, logger: logger) { client in
                try await Migrator(client: client, files: migrations, logger: logger).migrate()
            }
            let database = TestDatabase(url: url, migrations: migrations, logger: logger)
            try await ServerHarness.withServer(
                database: database,
                configuration: .init(port: 0, readinessTimeout: .seconds(1))
            ) { client in
                #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)

                try await dedicated.cluster.stop()
                let down = try await client.execute(uri: "/readyz", method: .get)
                let problem = expectProblem(down, .serviceUnavailable, type: "urn:haven:problem:not-ready")
                #expect(problem["detail"] as? String == "The database does not answer.")
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)

                try await dedicated.cluster.start(logger: logger)
                // The pool reconnects on its own with a short backoff; ask until it has, within a bound.
                var recovered = false
                for _ in 0..<30 where !recovered {
                    recovered = try await client.execute(uri: "/readyz", method: .get).status == .ok
                }
                #expect(recovered)
            }
        }
    }
}

@Suite("Serving only the schema this build ships")
struct SchemaGateTests {
    @Test("a schema that is behind is refused with the exact command to run; --migrate applies it")
    func behind() async throws {
        try await TestDatabaseCluster.shared.withEmptyDatabase { database in
            try await database.withClient { client in
                let migrator = Migrator(client: client, files: database.migrations, logger: database.logger)
                let refusal = await #expect(throws: SchemaGate.Refusal.self) {
                    try await SchemaGate(migrator: migrator, autoMigrate: false, logger: database.logger).check()
                }
                #expect(refusal?.description.contains("Run `haven migrate` first") == true)
                #expect(refusal?.description.contains("haven serve --migrate") == true)
                #expect(refusal?.description.contains("0001_foundation.sql") == true)
                #expect(try await migrator.plan().pending.count == database.migrations.count)

                try await SchemaGate(migrator: migrator, autoMigrate: true, logger: database.logger).check()
                #expect(try await migrator.plan().isCurrent)
            }
        }
    }

    @Test("a server whose keys cannot open the stored values refuses to start, naming the key it lacks")
    func wrongKeys() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let advocate = try #require(fixture.members[.advocate])
            try await database.withClient { client in
                let id = UUID()
                let sealed = try database.cipher.seal(
                    "{}", for: FieldContext(IdempotencyRepository.responseBody, recordID: id))
                _ = try await client.query(
                    """
                    INSERT INTO idempotency_keys (id, user_id, key, operation, fingerprint, expires_at,
                                                  response_status, response_headers, response_body)
                    VALUES (\(id), \(advocate.user.id), 'gate-check', 'createFamily', '\\x00'::bytea,
                            now() + interval '1 day', 201, '[]'::jsonb, \(sealed))
                    """, logger: database.logger)
                let migrator = Migrator(client: client, files: database.migrations, logger: database.logger)
                func gate(_ cipher: FieldCipher) -> SchemaGate {
                    SchemaGate(
                        migrator: migrator, autoMigrate: false,
                        storedValues: FieldReencryption(client: client, cipher: cipher, logger: database.logger),
                        logger: database.logger)
                }
                try await gate(database.cipher).check()
                let refusal = await #expect(throws: SchemaGate.Refusal.self) {
                    try await gate(FieldCipher(keyring: .generate())).check()
                }
                let expectedKey = try database.cipher.currentKeyID
                #expect(refusal?.description.contains("idempotency_keys.response_body") == true)
                #expect(refusal?.description.contains("'\(expectedKey)'") == true, "\(String(describing: refusal))")
                #expect(refusal?.description.contains("HAVEN_ENCRYPTION_KEY_FILE") == true)
            }
        }
    }

    @Test("an edited migration is refused even with --migrate")
    func edited() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            try await database.withClient { client in
                var files = database.migrations
                let first = files[0]
                files[0] = MigrationFile(
                    version: first.version,
                    name: first.name,
                    fileName: first.fileName,
                    checksum: String(repeating: "0", count: 64),
                    sql: first.sql + "\n-- edited"
                )
                let migrator = Migrator(client: client, files: files, logger: database.logger)
                let refusal = await #expect(throws: SchemaGate.Refusal.self) {
                    try await SchemaGate(migrator: migrator, autoMigrate: true, logger: database.logger).check()
                }
                #expect(refusal?.description.contains("Migrations/\(first.fileName) was changed") == true)
            }
        }
    }
}
