import HavenCore
import Logging
import PostgresNIO

/// Applies numbered migrations, each in its own transaction, and records them in
/// `schema_migrations` with their checksum.
public struct Migrator: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    let client: PostgresClient
    let files: [MigrationFile]
    let logger: Logger
    /// The field cipher, asked for only by a migration that must seal stored values (0028, when
    /// there are notes written before it); nil where no key is configured.
    let cipher: (@Sendable () throws -> FieldCipher)?

    public init(
        client: PostgresClient, files: [MigrationFile], logger: Logger,
        cipher: (@Sendable () throws -> FieldCipher)? = nil
    ) {
        self.client = client
        self.files = files
        self.logger = logger
        self.cipher = cipher
    }

    /// The plan against the database as it is now. Creates nothing.
    public func plan() async throws -> MigrationPlan {
        try await client.withConnection { connection in
            MigrationPlan(files: files, applied: try await Self.applied(on: connection, logger: logger))
        }
    }

    /// Applies every pending migration and returns the ones applied.
    ///
    /// Refuses to start when any applied migration was edited, is unknown to this build, or
    /// when a pending one is numbered below an applied one. `onApply` is called before each file.
    @discardableResult
    public func migrate(onApply: @Sendable (MigrationFile) -> Void = { _ in }) async throws -> [MigrationFile] {
        try await client.withConnection { connection in
            // A session advisory lock keeps two `haven migrate` runs (or replicas started with
            // --migrate) from applying the same file twice.
            try await connection.perform("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
            do {
                let applied = try await apply(on: connection, onApply: onApply)
                try await connection.perform("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                throw error
            }
        }
    }

    private func apply(
        on connection: PostgresConnection,
        onApply: @Sendable (MigrationFile) -> Void
    ) async throws -> [MigrationFile] {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                duration_ms integer NOT NULL
            )
            """,
            logger: logger
        )
        let plan = MigrationPlan(files: files, applied: try await Self.applied(on: connection, logger: logger))
        if !plan.problems.isEmpty {
            throw Failure(reason: plan.problems.map(\.description).joined(separator: "\n"))
        }
        for file in plan.pending {
            onApply(file)
            let script: SQLScript
            do {
                script = try SQLScript(file.sql)
            } catch {
                throw Failure(reason: "\(file.path): \(error)")
            }
            let started = ContinuousClock.now
            try await connection.query("BEGIN", logger: logger)
            do {
                for statement in script.statements {
                    do {
                        try await connection.query(PostgresQuery(unsafeSQL: statement.sql), logger: logger)
                    } catch let error as PSQLError {
                        throw Failure(
                            reason:
                                "\(file.path), statement on line \(statement.line): \(error.serverMessage)"
                        )
                    }
                }
                // Work SQL cannot do (sealing needs the key), in the same transaction.
                if file.version == CaseNoteSealing.version {
                    try await CaseNoteSealing.run(on: connection, cipher: cipher, logger: logger)
                }
                let elapsed = ContinuousClock.now - started
                let milliseconds = Int(elapsed / .milliseconds(1))
                try await connection.query(
                    """
                    INSERT INTO schema_migrations (version, name, checksum, duration_ms)
                    VALUES (\(file.version), \(file.name), \(file.checksum), \(milliseconds))
                    """,
                    logger: logger
                )
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            logger.info("applied migration", metadata: ["migration": "\(file.fileName)"])
        }
        return plan.pending
    }

    /// What `schema_migrations` records, or nothing when the table does not exist yet.
    static func applied(on connection: PostgresConnection, logger: Logger) async throws -> [AppliedMigration] {
        let exists =
            try await connection.query(
                "SELECT to_regclass('schema_migrations') IS NOT NULL",
                logger: logger
            ).collect().first?.decode(Bool.self) ?? false
        guard exists else { return [] }
        var applied: [AppliedMigration] = []
        let rows = try await connection.query(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
            logger: logger
        )
        for try await (version, name, checksum) in rows.decode((Int, String, String).self) {
            applied.append(AppliedMigration(version: version, name: name, checksum: checksum))
        }
        return applied
    }

    /// Arbitrary constant shared by every Haven process: "haven" in ASCII.
    private static let lockKey: Int64 = 0x68_61_76_65_6e
}

extension PSQLError {
    /// The server's own words (message, detail, hint) without connection internals.
    var serverMessage: String {
        guard let info = serverInfo else { return "\(code)" }
        return [info[.message], info[.detail].map { "detail: \($0)" }, info[.hint].map { "hint: \($0)" }]
            .compactMap { $0 }
            .joined(separator: "; ")
    }
}
