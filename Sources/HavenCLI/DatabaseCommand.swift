import ArgumentParser
import HavenStorage
import Logging

struct Database: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the embedded PostgreSQL cluster.",
        discussion: """
            The embedded cluster is used when DATABASE_URL is not set. It listens on 127.0.0.1 only, \
            with a generated password kept in its data directory. As root, it runs as the \
            'postgres' system account, which owns the data directory.
            """,
        subcommands: [Start.self, Stop.self, Status.self]
    )

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Initialize (on first use) and start the embedded cluster."
        )

        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = try logging.bootstrap()
            let cluster = try database.embeddedCluster()
            try await cluster.start(logger: logger)
            print(
                "Embedded PostgreSQL is running: \(cluster.configuration.dataDirectory), port \(try cluster.connectionURL().port)."
            )
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded cluster.")

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let cluster = try database.embeddedCluster()
            let stopped = try await cluster.stop()
            print(stopped ? "Embedded PostgreSQL stopped." : "Embedded PostgreSQL was not running.")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the data directory, port, state and connection URL of the embedded cluster."
        )

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let cluster = try database.embeddedCluster()
            let state: String
            var port = cluster.configuration.port
            switch cluster.status() {
            case .notInitialized: state = "not initialized (`haven db start` creates it)"
            case .stopped: state = "stopped"
            case .running(let pid, let runningPort):
                state = "running (pid \(pid))"
                port = runningPort
            }
            print("Data directory: \(cluster.configuration.dataDirectory)")
            print("Port:           \(port)")
            print("State:          \(state)")
            if let url = try? cluster.connectionURL() {
                print("URL:            \(url.urlString)")
            }
            if let external = try database.externalURL() {
                print("Note: DATABASE_URL is set, so Haven uses \(external), not this cluster.")
            }
        }
    }
}
