import ArgumentParser
import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: synthetic search data at scale, and batch mentor assignment.",
        discussion: """
            Works on its own database (default: haven_bench in the embedded cluster), never the \\
            directory. See docs/search.md and Benchmarks/README.md for the load tests.
            """,
        subcommands: [Generate.self, Paths.self, Match.self]
    )

    struct Target: ParsableArguments {
        @Option(help: "Database name in the embedded cluster for benchmark data.") var benchDatabase = "haven_bench"
        @OptionGroup var database: DatabaseOptions

        /// The benchmark database, created and migrated when missing.
        func url(logger: Logger) async throws -> DatabaseURL {
            if let external = try database.externalURL() { return external }
            var url = try await database.cluster.embeddedCluster().start(logger: logger)
            let maintenance = url
            try await PostgresClient.withClient(url: maintenance, maximumConnections: 1, logger: logger) { client in
                let exists =
                    try await client.query(
                        "SELECT 1 FROM pg_database WHERE datname = \(benchDatabase)", logger: logger
                    ).collect().isEmpty == false
                if !exists {
                    try await client.query(
                        PostgresQuery(unsafeSQL: "CREATE DATABASE \(SQLIdentifier.quote(benchDatabase))"),
                        logger: logger)
                }
            }
            url.database = benchDatabase
            return url
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fill the benchmark database with synthetic services (flagged demo).",
            discussion: "Example: haven bench generate --services 1000000   (about 10–20 minutes on 2 cores)")

        @Option(help: "How many services.") var services = 100_000
        @Option(help: "Directory of seed files, for the ZIP table and taxonomy. [env: HAVEN_SEEDS_DIR]") var seedsDir:
            String?
        @OptionGroup var target: Target
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = try logging.bootstrap()
            let url = try await target.url(logger: logger)
            let seeds = URL(fileURLWithPath: setting(seedsDir, "HAVEN_SEEDS_DIR", default: "Seeds")!)
            let started = ContinuousClock.now
            try await PostgresClient.withClient(url: url, logger: logger) { client in
                _ = try await Migrator(
                    client: client, files: try target.database.migrations(), logger: logger.forPostgres()
                )
                .migrate()
                say("loading reference data into \(url.database)")
                _ = try await ReferenceData(
                    client: client, directory: seeds.appendingPathComponent("reference"), logger: logger.forPostgres()
                ).load()
                try await SyntheticDirectory(client: client, logger: logger.forPostgres())
                    .generate(services: services) { line in
                        say("\(line)  (\(started.duration(to: .now).formatted(.units(allowed: [.minutes, .seconds]))))")
                    }
            }
            say("Done: \(services) synthetic services in \(url.database).")
        }
    }

    struct Paths: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print search request paths for a load test: ZIP codes near services, a need or two.")

        @Option(help: "How many paths.") var count = 2000
        @OptionGroup var target: Target
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = try logging.bootstrap()
            let url = try await target.url(logger: logger)
            try await PostgresClient.withClient(url: url, logger: logger) { client in
                let rows = try await client.query(
                    """
                    SELECT z.zip, n.code, n2.code
                    FROM (SELECT zip, row_number() OVER () AS i FROM bench_zips ORDER BY md5(zip) LIMIT \(count)) z
                    JOIN LATERAL (SELECT split_part(code, '.', 1) AS code FROM bench_needs
                                  ORDER BY md5(code || z.zip) LIMIT 1) n ON true
                    JOIN LATERAL (SELECT code FROM bench_needs ORDER BY md5(z.zip || code) LIMIT 1) n2 ON true
                    """,
                    logger: logger)
                for try await (zip, parent, leaf) in rows.decode((String, String, String).self) {
                    // Half the requests ask one broad need, half a broad and a specific one.
                    let needs = (Int(zip.suffix(1)) ?? 0) % 2 == 0 ? "needs=\(parent)" : "needs=\(parent)&needs=\(leaf)"
                    say("/v1/search/services?zip=\(zip)&\(needs)")
                }
            }
        }
    }
}
