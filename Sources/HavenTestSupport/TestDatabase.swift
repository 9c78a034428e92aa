import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

#if canImport(Glibc)
    import Glibc
#endif

/// The database side of the test harness.
///
/// Starts (or reuses) a throwaway embedded cluster in a temporary data dir, migrates a template
/// database once per test process, and gives each test its own database cloned from the
/// template (`CREATE DATABASE … TEMPLATE …`), dropped afterwards. It never touches a
/// non-loopback host.
///
/// Settings: `HAVEN_TEST_DATA_DIR` (default `$TMPDIR/haven-test-<uid>/postgres`),
/// `HAVEN_TEST_DB_PORT` (default: any free port), or `HAVEN_TEST_DATABASE_URL` to use a PostgreSQL
/// server of your own on loopback (its user must be allowed to create databases).
public actor TestDatabaseCluster {
    public static let shared = TestDatabaseCluster()

    struct Prepared: Sendable {
        let maintenanceURL: DatabaseURL
        let template: String
        let migrations: [MigrationFile]
    }

    private var preparation: Task<Prepared, any Error>?
    private var counter = 0
    public nonisolated let logger: Logger = {
        var logger = Logger(label: "haven.tests")
        logger.logLevel = .warning
        return logger
    }()

    /// The repository's `Migrations/` directory.
    public nonisolated static var migrationsDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["HAVEN_MIGRATIONS_DIR"] {
            return URL(fileURLWithPath: override)
        }
        return repositoryRoot.appendingPathComponent("Migrations")
    }

    public nonisolated static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // HavenTestSupport
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()
    }

    /// Runs `body` against a fresh database migrated to the current schema.
    public func withMigratedDatabase<T: Sendable>(
        _ body: @Sendable (TestDatabase) async throws -> T
    ) async throws -> T {
        let prepared = try await prepare()
        return try await withDatabase(prepared, template: prepared.template, body)
    }

    /// Runs `body` against a fresh database migrated and holding the reference data of
    /// `Seeds/reference` (ZIP codes, taxonomies, national crisis contacts), loaded once per test
    /// process into a second template.
    public func withReferenceDatabase<T: Sendable>(
        _ body: @Sendable (TestDatabase) async throws -> T
    ) async throws -> T {
        let prepared = try await prepare()
        return try await withDatabase(prepared, template: try await template(.reference, prepared), body)
    }

    /// Runs `body` against a fresh database holding the reference data and the fictional demo
    /// directory of `Seeds/demo/directory.json` (347 services), loaded once per test process.
    public func withDemoDatabase<T: Sendable>(
        _ body: @Sendable (TestDatabase) async throws -> T
    ) async throws -> T {
        let prepared = try await prepare()
        return try await withDatabase(prepared, template: try await template(.demo, prepared), body)
    }

    /// Templates holding data beyond the migrations, each built on the one before it.
    enum Layer: String, Sendable {
        case reference, demo
    }

    private var layers: [Layer: Task<String, any Error>] = [:]

    private func template(_ layer: Layer, _ prepared: Prepared) async throws -> String {
        if let existing = layers[layer] { return try await existing.value }
        let logger = self.logger
        // Stored before any await, so that tests arriving meanwhile wait for this one preparation.
        let task = Task {
            let base = layer == .demo ? try await self.template(.reference, prepared) : prepared.template
            let name = "haven_template_\(getpid())_\(layer.rawValue)"
            try await Self.execute(
                "CREATE DATABASE \(SQLIdentifier.quote(name)) TEMPLATE \(SQLIdentifier.quote(base))",
                on: prepared.maintenanceURL, logger: logger)
            var url = prepared.maintenanceURL
            url.database = name
            try await PostgresClient.withClient(url: url, maximumConnections: 2, logger: logger) { client in
                let seeds = Self.repositoryRoot.appendingPathComponent("Seeds")
                switch layer {
                case .reference:
                    _ = try await ReferenceData(
                        client: client, directory: seeds.appendingPathComponent("reference"), logger: logger
                    ).load()
                case .demo:
                    _ = try await DemoDirectory(
                        client: client, file: seeds.appendingPathComponent("demo/directory.json"), logger: logger
                    ).load()
                }
            }
            return name
        }
        layers[layer] = task
        return try await task.value
    }

    /// Runs `body` against a fresh database with no migrations applied.
    public func withEmptyDatabase<T: Sendable>(
        _ body: @Sendable (TestDatabase) async throws -> T
    ) async throws -> T {
        try await withDatabase(try await prepare(), template: "template0", body)
    }

    private func withDatabase<T: Sendable>(
        _ prepared: Prepared,
        template: String,
        _ body: @Sendable (TestDatabase) async throws -> T
    ) async throws -> T {
        counter += 1
        let name = "haven_test_\(getpid())_\(counter)"
        try await execute(
            "CREATE DATABASE \(SQLIdentifier.quote(name)) TEMPLATE \(SQLIdentifier.quote(template))",
            on: prepared.maintenanceURL
        )
        var url = prepared.maintenanceURL
        url.database = name
        let database = TestDatabase(url: url, migrations: prepared.migrations, logger: logger)
        do {
            let result = try await body(database)
            try await execute("DROP DATABASE \(SQLIdentifier.quote(name)) WITH (FORCE)", on: prepared.maintenanceURL)
            return result
        } catch {
            try? await execute("DROP DATABASE \(SQLIdentifier.quote(name)) WITH (FORCE)", on: prepared.maintenanceURL)
            throw error
        }
    }

    private func prepare() async throws -> Prepared {
        if let preparation { return try await preparation.value }
        let logger = self.logger
        let task = Task { try await Self.makePrepared(logger: logger) }
        preparation = task
        return try await task.value
    }

    private static func makePrepared(logger: Logger) async throws -> Prepared {
        let maintenanceURL = try await maintenanceURL(logger: logger)
        try await dropLeftovers(on: maintenanceURL, logger: logger)

        let migrations = try MigrationSource(directory: migrationsDirectory).load()
        let template = "haven_template_\(getpid())"
        try await execute("CREATE DATABASE \(SQLIdentifier.quote(template))", on: maintenanceURL, logger: logger)
        var templateURL = maintenanceURL
        templateURL.database = template
        _ = try await PostgresClient.withClient(url: templateURL, maximumConnections: 1, logger: logger) { client in
            try await Migrator(client: client, files: migrations, logger: logger).migrate()
        }
        return Prepared(maintenanceURL: maintenanceURL, template: template, migrations: migrations)
    }

    private static func maintenanceURL(logger: Logger) async throws -> DatabaseURL {
        let environment = ProcessInfo.processInfo.environment
        if let raw = environment["HAVEN_TEST_DATABASE_URL"], !raw.isEmpty {
            let url = try DatabaseURL(parsing: raw)
            guard url.isLoopback else {
                throw TestHarnessError(
                    "HAVEN_TEST_DATABASE_URL points at \(url.host); tests only touch loopback hosts.")
            }
            return url
        }
        let dataDirectory =
            environment["HAVEN_TEST_DATA_DIR"]
            ?? NSTemporaryDirectory() + "haven-test-\(getuid())/postgres"
        // A cluster already running there keeps its port; a new one gets a free port so a second
        // checkout's test run never collides with this one.
        func cluster(_ port: Int) -> EmbeddedCluster {
            EmbeddedCluster(
                configuration: .init(dataDirectory: dataDirectory, port: port, database: "postgres", durable: false))
        }
        var url =
            if let port = environment["HAVEN_TEST_DB_PORT"].flatMap(Int.init) {
                try await cluster(port).start(logger: logger)
            } else {
                try await startOnFreePort(logger: logger, cluster).1
            }
        guard url.isLoopback else { throw TestHarnessError("The test cluster is not on loopback: \(url.host)") }
        url.database = "postgres"
        return url
    }

    /// Databases left by test processes that have ended (a crash, an interrupted run).
    private static func dropLeftovers(on url: DatabaseURL, logger: Logger) async throws {
        let names = try await PostgresClient.withClient(url: url, maximumConnections: 1, logger: logger) { client in
            var names: [String] = []
            let rows = try await client.query(
                "SELECT datname FROM pg_database WHERE datname LIKE 'haven\\_test\\_%' OR datname LIKE 'haven\\_template\\_%'",
                logger: logger
            )
            for try await name in rows.decode(String.self) { names.append(name) }
            return names
        }
        for name in names {
            let pidField = name.split(separator: "_").dropFirst(2).first
            guard let pid = pidField.flatMap({ Int32($0) }), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try await execute(
                "DROP DATABASE IF EXISTS \(SQLIdentifier.quote(name)) WITH (FORCE)", on: url, logger: logger)
        }
    }

    private func execute(_ sql: String, on url: DatabaseURL) async throws {
        try await Self.execute(sql, on: url, logger: logger)
    }

    private static func execute(_ sql: String, on url: DatabaseURL, logger: Logger) async throws {
        try await PostgresClient.withClient(url: url, maximumConnections: 1, logger: logger) { client in
            _ = try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }
}

/// One test's own database.
public struct TestDatabase: Sendable {
    public let url: DatabaseURL
    public let migrations: [MigrationFile]
    public let logger: Logger
    /// Field encryption with a key of this test's own, held in memory only.
    public let cipher: FieldCipher

    public init(url: DatabaseURL, migrations: [MigrationFile], logger: Logger) {
        self.url = url
        self.migrations = migrations
        self.logger = logger
        self.cipher = FieldCipher(keyring: .generate())
    }

    /// Runs `body` with a connection pool to this database.
    public func withClient<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        try await PostgresClient.withClient(url: url, logger: logger, body)
    }
}

public struct TestHarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
