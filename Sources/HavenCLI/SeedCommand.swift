import ArgumentParser
import Foundation
import HavenStorage
import Logging
import PostgresNIO

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the reference data and the demo data in Seeds/.",
        discussion: """
            First the reference data in Seeds/reference/: the ZIP table, the needs and audience \
            taxonomies and the national crisis contacts (real, with their sources). Then each \
            Seeds/*.sql file, in one transaction each, in name order. Everything is an upsert by \
            stable ids: run it as often as you like.
            """
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
            let started = ContinuousClock.now
            let counts = try await ReferenceData(
                client: client, directory: directory.appendingPathComponent("reference"), logger: logger.forPostgres()
            ).load { part in say("seeding  \(part)") }
            say(
                "Reference data: \(counts.zipCodes) ZIP codes, \(counts.needs) needs, \(counts.audiences) audiences, "
                    + "\(counts.crisisContacts) crisis contacts with \(counts.crisisChannels) channels "
                    + "(\(started.duration(to: .now).formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))))."
            )
            let loader = SeedLoader(client: client, directory: directory, logger: logger.forPostgres())
            let loaded = try await loader.load { name in say("seeding  \(name)") }
            say(
                loaded.isEmpty
                    ? "No demo seed files (*.sql) in \(directory.path)." : "Loaded \(loaded.count) demo seed file(s).")
        }
    }
}
