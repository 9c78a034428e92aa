import ArgumentParser
import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

struct Database: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the embedded PostgreSQL cluster, and keep the search tables in order.",
        discussion: """
            The embedded cluster is used when DATABASE_URL is not set. It listens on 127.0.0.1 only, \
            with a generated password kept in its data directory. As root, it runs as the \
            'postgres' system account, which owns the data directory.
            """,
        subcommands: [Start.self, Stop.self, Status.self, ReorderSearch.self]
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
                if let socket = url.socketPath { say("Socket:         \(socket)") }
                say("URL:            \(url.urlString)")
            }
            if let databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"], !databaseURL.isEmpty {
                say("Note: DATABASE_URL is set, so Haven's other commands use that database, not this cluster.")
            }
        }
    }

    struct ReorderSearch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reorder-search",
            abstract: "Put the search tables back in map order, so searches read fewer pages.",
            discussion: """
                A search reads the nearest rows of one need's map; new and changed services are \
                written wherever there is room, so the order wears off with imports and edits. Run \
                this after a large import, or weekly on a busy directory. While a table is \
                rewritten, searches and directory writes wait for it: about 35 seconds in all at \
                1,000,000 services. It gives up, changing nothing more, when another transaction \
                keeps a table longer than --lock-wait. Uses DATABASE_URL, or the embedded cluster.
                """
        )

        @Option(help: "Seconds to wait for each table's lock before giving up (searches queue meanwhile).")
        var lockWait = 5.0
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard lockWait > 0, lockWait <= 600 else {
                throw ValidationError("--lock-wait must be above 0 and at most 600 seconds.")
            }
        }

        func run() async throws {
            let logger = try logging.bootstrap()
            let url = try await database.connectionURL(logger: logger)
            say("Database: \(url.database) on \(url.endpoint)")
            let wait = Duration.milliseconds(Int((lockWait * 1000).rounded()))
            let reordered = try await PostgresClient.withClient(url: url, logger: logger) { client in
                try await client.withConnection { connection in
                    try await SearchTableOrder(logger: logger.forPostgres()).reorder(
                        lockWait: wait, on: connection, progress: say)
                }
            }
            for table in reordered {
                say(
                    "\(table.table) in map order: about \(table.rows.formatted()) rows, "
                        + "\(String(format: "%.1f", table.duration.inSeconds)) s")
            }
        }
    }
}
