import ArgumentParser
import Foundation
import HavenStorage
import Logging
import PostgresNIO

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the demo data in Seeds/ (fictional, flagged as demo).",
        discussion:
            "Each Seeds/*.sql file loads in one transaction, in name order. Seeds are idempotent: run it as often as you like."
    )

    @Option(help: "Directory of seed files. [env: HAVEN_SEEDS_DIR] (default: Seeds)")
    var seedsDir: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.bootstrap()
        let files = try database.migrations()
        let directory = URL(fileURLWithPath: setting(seedsDir, "HAVEN_SEEDS_DIR", default: "Seeds")!)
        let url = try await database.connectionURL(logger: logger)
        try await PostgresClient.withClient(url: url, logger: logger) { client in
            let plan = try await Migrator(client: client, files: files, logger: logger.forPostgres()).plan()
            guard plan.isCurrent else {
                throw ConfigurationError("The database schema is not current: run `haven migrate` before `haven seed`.")
            }
            let loader = SeedLoader(client: client, directory: directory, logger: logger.forPostgres())
            let loaded = try await loader.load { name in say("seeding  \(name)") }
            say(
                loaded.isEmpty
                    ? "No seed files in \(directory.path); nothing to load." : "Loaded \(loaded.count) seed file(s).")
        }
    }
}
