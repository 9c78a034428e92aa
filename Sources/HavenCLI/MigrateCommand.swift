import ArgumentParser
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations.",
        discussion: """
            Applies each pending Migrations/NNNN_name.sql in order, each in its own transaction, \
            and records it with its SHA-256 checksum. Refuses when an applied migration was edited.
            """
    )

    @Flag(help: "List applied and pending migrations; change nothing.")
    var status = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var encryption: EncryptionOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.bootstrap()
        let files = try database.migrations()
        let url = try await database.connectionURL(logger: logger)
        let showStatus = status
        // The key is read only if a migration must seal stored values (0028's older notes).
        let (encryption, embedded) = (encryption, try database.externalURL() == nil)
        let cipher: @Sendable () throws -> FieldCipher = {
            FieldCipher(keys: try encryption.store(embedded: embedded, logger: logger))
        }
        // Said first, so an operator sees at once which database is about to change.
        say(
            "Database: \(url.database) on \(url.endpoint)"
                + (embedded ? " (Haven's embedded cluster; set DATABASE_URL for another)" : ""))
        try await PostgresClient.withClient(url: url, logger: logger) { client in
            let migrator = Migrator(client: client, files: files, logger: logger.forPostgres(), cipher: cipher)
            if showStatus {
                let plan = try await migrator.plan()
                for entry in plan.entries {
                    switch entry {
                    case .applied(let migration): say("applied  \(migration.fileName)")
                    case .pending(let file): say("pending  \(file.fileName)")
                    }
                }
                for problem in plan.problems { say("problem  \(problem)") }
                if !plan.problems.isEmpty { throw ExitCode.failure }
                say(
                    plan.pending.isEmpty ? "Schema is current." : "\(plan.pending.count) pending: run `haven migrate`.")
                return
            }
            let applied = try await migrator.migrate { file in say("applying \(file.fileName)") }
            say(applied.isEmpty ? "Schema is current; nothing to apply." : "Applied \(applied.count) migration(s).")
        }
    }
}
