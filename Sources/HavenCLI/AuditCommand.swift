import ArgumentParser
import HavenStorage
import PostgresNIO

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the audit log.",
        subcommands: [Verify.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the audit log's hash chain and report the first row that does not match.",
            discussion: "Exits 0 when the chain is intact, 1 when a row was edited, removed or reordered."
        )

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = try logging.bootstrap()
            let url = try await database.connectionURL(logger: logger)
            let result = try await PostgresClient.withClient(url: url, logger: logger) { client in
                try await client.withConnection { connection in
                    try await AuditLog(logger: logger.forPostgres()).verify(on: connection)
                }
            }
            switch result {
            case .intact(let rows):
                say("Audit log intact: \(rows) rows, every hash and link matches.")
            case .broken(let seq, let reason):
                say("Audit log TAMPERED at row \(seq): \(reason).")
                throw ExitCode.failure
            }
        }
    }
}
