import HavenStorage
import Logging

/// Keeps the server from serving a schema it was not built for.
public struct SchemaGate: Sendable {
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    let migrator: Migrator
    let autoMigrate: Bool
    let logger: Logger

    public init(migrator: Migrator, autoMigrate: Bool, logger: Logger) {
        self.migrator = migrator
        self.autoMigrate = autoMigrate
        self.logger = logger
    }

    /// Returns when the schema is current (after migrating, with `autoMigrate`); throws otherwise.
    public func check() async throws {
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
