import ArgumentParser
import Foundation
import HavenCore
import HavenServer
import HavenStorage
import Hummingbird
import Logging
import NIOPosix
import PostgresNIO

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API server.",
        discussion: """
            Refuses to start when the database schema is behind this build, unless --migrate \
            is given. Stops gracefully on SIGTERM or SIGINT: in-flight requests finish, then the \
            database pool closes.
            """
    )

    @Option(help: "Address to listen on. [env: HAVEN_HOST] (default: 127.0.0.1)")
    var host: String?

    @Option(help: "Port to listen on. [env: HAVEN_PORT] (default: 8080)")
    var port: Int?

    @Flag(help: "Apply pending migrations before serving.")
    var migrate = false

    @Option(help: "Largest request body accepted, in bytes. [env: HAVEN_MAX_BODY_BYTES] (default: 1048576)")
    var maxBodyBytes: Int?

    @Option(help: "Seconds an idle keep-alive connection stays open. [env: HAVEN_IDLE_TIMEOUT] (default: 60)")
    var idleTimeout: Int?

    @Option(help: "Database connections the server opens at start and keeps. [env: HAVEN_DB_POOL_SIZE] (default: 20)")
    var dbPoolSize: Int?

    @Option(
        help:
            "Threads that serve connections. [env: HAVEN_EVENT_LOOPS] (default: half the cores, at least 1)"
    )
    var eventLoops: Int?

    @Option(help: "Threads the database pool's connections run on. [env: HAVEN_DATABASE_LOOPS] (default: 1)")
    var databaseLoops: Int?

    @Option(help: "Requests a minute from one client address. [env: HAVEN_RATE_LIMIT_ADDRESS] (default: 1200)")
    var rateLimitAddress: Int?

    @Option(help: "Requests a minute with one API token. [env: HAVEN_RATE_LIMIT_TOKEN] (default: 600)")
    var rateLimitToken: Int?

    @Option(
        help: "Failed authentications a minute from one address. [env: HAVEN_RATE_LIMIT_AUTH_FAILURES] (default: 20)"
    )
    var rateLimitAuthFailures: Int?

    @Option(
        help:
            "Days after which an unverified directory record is flagged stale. [env: HAVEN_STALE_AFTER_DAYS] (default: 365)"
    )
    var staleAfterDays: Int?

    @Option(
        help:
            "Directory holding language-guide.csv and an organization's own language-guide.*.csv, for the trauma-informed language check of plans. [env: HAVEN_LANGUAGE_GUIDE_DIR] (default: Seeds/reference)"
    )
    var languageGuideDir: String?

    @Option(
        help:
            "Where partners reach this server, e.g. https://haven.example.org; used for the absolute URLs GET /hsds gives. [env: HAVEN_PUBLIC_URL] (default: http://HOST:PORT)"
    )
    var publicURL: String?

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var encryption: EncryptionOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.bootstrap()
        let configuration = ServerConfiguration(
            host: setting(host, "HAVEN_HOST", default: "127.0.0.1")!,
            port: try intSetting(port, "HAVEN_PORT", default: 8080, in: 1...65_535),
            maxBodyBytes: try intSetting(maxBodyBytes, "HAVEN_MAX_BODY_BYTES", default: 1 << 20, in: 1_024...(1 << 30)),
            idleTimeout: .seconds(try intSetting(idleTimeout, "HAVEN_IDLE_TIMEOUT", default: 60, in: 1...86_400)),
            requestsPerMinutePerAddress: try intSetting(
                rateLimitAddress, "HAVEN_RATE_LIMIT_ADDRESS", default: 1200, in: 1...1_000_000_000),
            requestsPerMinutePerToken: try intSetting(
                rateLimitToken, "HAVEN_RATE_LIMIT_TOKEN", default: 600, in: 1...1_000_000_000),
            authenticationFailuresPerMinute: try intSetting(
                rateLimitAuthFailures,
                "HAVEN_RATE_LIMIT_AUTH_FAILURES",
                default: 20,
                in: 1...1_000_000_000
            ),
            staleAfterDays: try intSetting(staleAfterDays, "HAVEN_STALE_AFTER_DAYS", default: 365, in: 1...36_500),
            publicURL: try publicBaseURL()
        )
        let poolSize = try intSetting(dbPoolSize, "HAVEN_DB_POOL_SIZE", default: 20, in: 1...1_000)
        // Each request runs on its connection's loop (`pinnedHTTP1`). Half the cores, because
        // PostgreSQL's backends do about half of a search's work and by default share the machine.
        let loops = try intSetting(
            eventLoops, "HAVEN_EVENT_LOOPS", default: max(1, System.coreCount / 2), in: 1...System.coreCount * 4)
        // The pool's connections get threads of their own, so a search's statement is read and
        // its connection handed back as soon as PostgreSQL answers, not after the requests queued
        // on a busy connection thread (see docs/search.md).
        let databaseLoops = try intSetting(
            databaseLoops, "HAVEN_DATABASE_LOOPS", default: 1, in: 1...System.coreCount * 4)
        // Both live as long as the process, as NIO's own shared group does: `serve` ends with them.
        let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: loops)
        let databaseLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: databaseLoops)
        let migrations = try database.migrations()
        let guideDirectory = setting(languageGuideDir, "HAVEN_LANGUAGE_GUIDE_DIR", default: "Seeds/reference")!
        let languageGuide: LanguageGuide
        do {
            languageGuide = try LanguageGuideFiles.load(directory: URL(fileURLWithPath: guideDirectory))
        } catch {
            throw ConfigurationError("The language guide cannot be read: \(error)")
        }
        // Keys before the database: a server that could not open protected fields never starts.
        let keys = try encryption.store(embedded: try database.externalURL() == nil, logger: logger)
        let url = try await database.connectionURL(logger: logger)
        let postgres = PostgresClient(
            configuration: try .serving(
                url, connections: poolSize),
            eventLoopGroup: databaseLoopGroup,
            backgroundLogger: logger.forPostgres()
        )
        let dependencies = ServerDependencies(
            postgres: postgres, migrations: migrations, cipher: FieldCipher(keys: keys), logger: logger,
            languageGuide: languageGuide,
            changes: try ChangeListener(url: url, logger: logger.forPostgres()), databaseLoops: databaseLoopGroup)
        let router = try HavenApplication.buildRouter(dependencies: dependencies, configuration: configuration)
        var app = HavenApplication.buildApplication(
            router: router,
            dependencies: dependencies,
            configuration: configuration,
            eventLoopGroup: eventLoopGroup
        ) { _ in
            logger.notice("Haven is serving on http://\(configuration.host):\(configuration.port)")
        }
        let migrator = Migrator(
            client: postgres, files: migrations, logger: logger.forPostgres(), cipher: { FieldCipher(keys: keys) })
        let autoMigrate = migrate
        app.beforeServerStarts {
            try await SchemaGate(
                migrator: migrator, autoMigrate: autoMigrate,
                storedValues: FieldReencryption(
                    client: postgres, cipher: FieldCipher(keys: keys), logger: logger.forPostgres()),
                logger: logger
            )
            .check()
        }
        logger.info("database", metadata: ["url": "\(url)"])
        do {
            try await app.runService()
        } catch {
            throw configuration.listeningProblem(error).map(ConfigurationError.init) ?? error
        }
        logger.notice("Haven stopped")
    }
}

extension Serve {
    /// An absolute http(s) URL, or nil to use the listening address.
    func publicBaseURL() throws -> String? {
        guard let raw = setting(publicURL, "HAVEN_PUBLIC_URL") else { return nil }
        guard let components = URLComponents(string: raw), ["http", "https"].contains(components.scheme ?? ""),
            components.host?.isEmpty == false, components.query == nil
        else {
            throw ConfigurationError("The public URL must be an absolute http or https URL without a query: \(raw)")
        }
        return raw
    }
}
