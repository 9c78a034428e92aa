import HavenStorage
import Logging

/// Keeps the server from serving a schema it was not built for, or with keys that cannot open
/// what the database holds.
public struct SchemaGate: Sendable {
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    let migrator: Migrator
    let autoMigrate: Bool
    let storedValues: FieldReencryption?
    let logger: Logger

    /// `storedValues`, when given, is asked to open one value per key and column once the
    /// schema is current.
    public init(migrator: Migrator, autoMigrate: Bool, storedValues: FieldReencryption? = nil, logger: Logger) {
        self.migrator = migrator
        self.autoMigrate = autoMigrate
        self.storedValues = storedValues
        self.logger = logger
    }

    /// Returns when the schema is current (after migrating, with `autoMigrate`) and the keys
    /// open the stored values; throws otherwise.
    public func check() async throws {
        try await checkSchema()
        guard let storedValues else { return }
        let failures = try await storedValues.unopenable(in: EncryptedColumn.all)
        guard failures.isEmpty else {
            let listed = failures.prefix(5).map { "  \($0)" }.joined(separator: "\n")
            throw Refusal(
                description: """
                    The encryption keys cannot open values stored in this database, so every protected read would fail:
                    \(listed)
                    Start the server with the key file this database was encrypted with \
                    (HAVEN_ENCRYPTION_KEY_FILE); `haven keys status` lists the keys the stored values use.
                    """
            )
        }
    }

    private func checkSchema() async throws {
        let plan = try await migrator.plan()
        guard plan.problems.isEmpty else {
            throw Refusal(description: plan.problems.map(\.description).joined(separator: "\n"))
        }
        guard !plan.pending.isEmpty else { return }
        if autoMigrate {
            let applied = try await migrator.migrate()
            logger.notice("applied pending migrations", metadata: ["count": "\(applied.count)"])
            return
        }
        let names = plan.pending.map(\.fileName).joined(separator: ", ")
        throw Refusal(
            description: """
                The database schema is behind this build: \(plan.pending.count) pending migration(s) (\(names)).
                Run `haven migrate` first, or start the server with `haven serve --migrate`.
                """
        )
    }
}
