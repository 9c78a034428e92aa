import HavenCore
import Logging
import NIOSSL
import PostgresNIO

extension DatabaseURL {
    /// TLS following `sslmode` the way libpq reads it: nil when disabled, else the settings and
    /// whether a server without TLS is refused.
    fileprivate var tlsSettings: (configuration: TLSConfiguration, required: Bool)? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable:
            return nil
        case .allow, .prefer:
            configuration.certificateVerification = .none
            return (configuration, false)
        case .require:
            configuration.certificateVerification = .none
            return (configuration, true)
        case .verifyCA, .verifyFull:
            configuration.certificateVerification = sslMode == .verifyFull ? .fullVerification : .noHostnameVerification
            if let path = sslRootCertificatePath {
                configuration.trustRoots = .file(path)
            }
            return (configuration, true)
        }
    }
}

extension PostgresClient.Configuration {
    /// Connection settings for a Haven database URL, with TLS following its `sslmode`.
    public init(_ url: DatabaseURL, maximumConnections: Int = 20) throws {
        let tls: PostgresClient.Configuration.TLS =
            switch url.tlsSettings {
            case nil: .disable
            case (let configuration, let required)?: required ? .require(configuration) : .prefer(configuration)
            }
        if let socket = url.socketPath {
            self.init(unixSocketPath: socket, username: url.username, password: url.password, database: url.database)
        } else {
            self.init(
                host: url.host, port: url.port, username: url.username, password: url.password,
                database: url.database, tls: tls)
        }
        options.maximumConnections = maximumConnections
        if let seconds = url.connectTimeoutSeconds {
            options.connectTimeout = .seconds(seconds)
        }
        options.additionalStartupParameters = [("application_name", url.applicationName ?? "haven")]
    }
}

extension PostgresConnection.Configuration {
    /// Settings for one connection outside any pool, named `applicationName` in
    /// `pg_stat_activity`.
    public init(_ url: DatabaseURL, applicationName: String) throws {
        let tls: PostgresConnection.Configuration.TLS =
            switch url.tlsSettings {
            case nil: .disable
            case (let configuration, let required)?:
                required
                    ? .require(try NIOSSLContext(configuration: configuration))
                    : .prefer(try NIOSSLContext(configuration: configuration))
            }
        if let socket = url.socketPath {
            self.init(unixSocketPath: socket, username: url.username, password: url.password, database: url.database)
        } else {
            self.init(
                host: url.host, port: url.port, username: url.username, password: url.password,
                database: url.database, tls: tls)
        }
        if let seconds = url.connectTimeoutSeconds {
            options.connectTimeout = .seconds(Int64(seconds))
        }
        options.additionalStartupParameters = [("application_name", applicationName)]
    }
}

extension PostgresClient.Configuration {
    /// The HTTP server's pool: every connection opened at start and kept, and idle connections
    /// watched by TCP keepalives that PostgreSQL sends (ignored on a Unix socket, whose peer's
    /// end is seen at once), not by the pool's keep-alive query.
    /// The pool arms a timer (a task and a sleep) each time a connection goes back idle, one per
    /// feature: ~100 µs of the ~550 µs of server CPU an authenticated `/v1/whoami` cost. Probes
    /// from PostgreSQL's side keep firewalls and NAT from dropping a quiet connection, for free.
    /// (PgBouncer refuses unknown startup parameters unless told to ignore them: see README.)
    public static func serving(_ url: DatabaseURL, connections: Int) throws -> Self {
        var configuration = try Self(url, maximumConnections: connections)
        configuration.options.minimumConnections = connections
        configuration.options.keepAliveBehavior = nil
        configuration.options.additionalStartupParameters += [
            ("tcp_keepalives_idle", "60"), ("tcp_keepalives_interval", "10"), ("tcp_keepalives_count", "6"),
        ]
        return configuration
    }
}

extension Logger {
    /// PostgresNIO logs statements at debug level; Haven's SQL carries bound values that may be
    /// personal data, so the driver never logs below `info`.
    public func forPostgres() -> Logger {
        var logger = self
        if logger.logLevel < .info { logger.logLevel = .info }
        return logger
    }
}

extension PostgresClient {
    /// Runs a client for the duration of `body`: for commands and tests that are not part of a
    /// long-running service group.
    public static func withClient<T: Sendable>(
        url: DatabaseURL,
        maximumConnections: Int = 4,
        eventLoopGroup: any EventLoopGroup = PostgresClient.defaultEventLoopGroup,
        logger: Logger,
        _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        // The body may ask for a connection a moment before `run()` has started, which is safe
        // (the request waits) but makes the pool log its only background warning; errors still show.
        var backgroundLogger = logger
        backgroundLogger.logLevel = .error
        let client = PostgresClient(
            configuration: try Configuration(url, maximumConnections: maximumConnections),
            eventLoopGroup: eventLoopGroup,
            backgroundLogger: backgroundLogger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}

extension PostgresClient {
    /// Runs `body` in a transaction and rethrows the body's own error: PostgresNIO wraps it in a
    /// `PostgresTransactionError`, but the caller cares why the work failed, not that it rolled back.
    public func transaction<Result>(
        logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        do {
            return try await withTransaction(logger: logger, isolation: isolation, body)
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }
}
