import ArgumentParser
import Foundation
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

        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = try logging.bootstrap()
            let embedded = try cluster.embeddedCluster()
            try await embedded.start(logger: logger)
            say(
                "Embedded PostgreSQL is running: \(embedded.configuration.dataDirectory), port \(try embedded.connectionURL().port)."
            )
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the embedded cluster.")

        @OptionGroup var cluster: ClusterOptions

        func run() async throws {
            let embedded = try cluster.embeddedCluster()
            let stopped = try await embedded.stop()
            say(stopped ? "Embedded PostgreSQL stopped." : "Embedded PostgreSQL was not running.")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the data directory, port, state and connection URL of the embedded cluster."
        )

        @OptionGroup var cluster: ClusterOptions

        func run() async throws {
            let embedded = try cluster.embeddedCluster()
            let state: String
            var port = embedded.configuration.port
            switch embedded.status() {
            case .notInitialized: state = "not initialized (`haven db start` creates it)"
            case .stopped: state = "stopped"
            case .running(let pid, let runningPort):
                state = "running (pid \(pid))"
                port = runningPort
            }
            say("Data directory: \(embedded.configuration.dataDirectory)")
            say("Port:           \(port)")
            say("State:          \(state)")
            if let url = try? embedded.connectionURL() {
                say("URL:            \(url.urlString)")
            }
            if let databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"], !databaseURL.isEmpty {
                say("Note: DATABASE_URL is set, so Haven's other commands use that database, not this cluster.")
            }
        }
    }
}
