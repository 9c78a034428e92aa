import Foundation
import HavenCore
import HavenStorage
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import OpenAPIHummingbird
import PostgresNIO
import ServiceLifecycle

/// What the server needs from the outside world.
public struct ServerDependencies: Sendable {
    public var postgres: PostgresClient
    public var migrations: [MigrationFile]
    public var logger: Logger
    /// Seals and opens restricted and confidential fields for the repositories that hold them.
    public var cipher: FieldCipher
    /// The trauma-informed language check run on every saved plan.
    public var languageGuide: LanguageGuide
    /// Keeps the caches of token checks and of search results' details honest; without it every
    /// request reads both from the database.
    public let changes: ChangeListener?
    /// Recent token checks: answers only while `changes` is listening.
    public let callers: CallerCache
    /// Services' facts and results' details that search met before: answer only while
    /// `changes` is listening.
    public let searchCaches: SearchCaches
    /// The threads `postgres`'s connections run on, when they have their own (`haven serve`):
    /// a search's statements are then read on them (see `withDatabaseConnection`).
    public let databaseLoops: (any EventLoopGroup)?
    /// How long each route takes to answer, for `GET /metrics`.
    public let metrics: RequestMetrics
    /// The seconds the rate limits' budgets refill by. The wall clock in service; a test holds it
    /// still, so a burst meets the same budget however slowly the machine sends it.
    public var rateLimitClock: @Sendable () -> Double = { Date().timeIntervalSince1970 }

    public init(
        postgres: PostgresClient, migrations: [MigrationFile], cipher: FieldCipher, logger: Logger,
        languageGuide: LanguageGuide = LanguageGuide(rules: []), changes: ChangeListener? = nil,
        databaseLoops: (any EventLoopGroup)? = nil, metrics: RequestMetrics = RequestMetrics()
    ) {
        self.postgres = postgres
        self.metrics = metrics
        self.databaseLoops = databaseLoops
        self.migrations = migrations
        self.cipher = cipher
        self.logger = logger
        self.languageGuide = languageGuide
        self.changes = changes
        callers = changes?.callers ?? CallerCache()
        searchCaches = changes?.searchCaches ?? SearchCaches()
    }
}

/// A router with Haven's middleware and routes, plus the table used to answer 405s.
public struct HavenRouter {
    public let router: Router<HavenRequestContext>
    let routes: RouteTable
}

public enum HavenApplication {
    /// Builds the router: middleware first (outermost first), then every API route.
    public static func buildRouter(
        dependencies: ServerDependencies,
        configuration: ServerConfiguration
    ) throws -> HavenRouter {
        let routes = RouteTable()
        let router = Router(context: HavenRequestContext.self, options: [.autoGenerateHeadEndpoints])
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: AccessLogMiddleware(metrics: dependencies.metrics))
        let document = try APIDocument.load()
        router.add(middleware: ProblemMiddleware(routes: routes, parameters: document.parameterTypes))
        router.add(
            middleware: AddressRateLimitMiddleware(
                limiter: RateLimiter(
                    limit: configuration.requestsPerMinutePerAddress, clock: dependencies.rateLimitClock))
        )
        router.add(middleware: BodyLimitMiddleware(limit: configuration.maxBodyBytes))
        // Innermost, so that a body failing as it is gathered still meets ProblemMiddleware. Bodies
        // of known length are in memory already; the limit only keeps a huge one from being
        // copied into a second buffer.
        router.add(middleware: WholeBodyMiddleware(limit: 8 << 20))

        let databaseLogger = dependencies.logger.forPostgres()
        let migrator = Migrator(client: dependencies.postgres, files: dependencies.migrations, logger: databaseLogger)
        let searchService = SearchService(
            postgres: dependencies.postgres, logger: databaseLogger, staleAfterDays: configuration.staleAfterDays,
            caches: dependencies.searchCaches, databaseLoops: dependencies.databaseLoops)
        let search = SearchHandler(
            service: searchService,
            crisis: CrisisSearch(
                postgres: dependencies.postgres, logger: databaseLogger, staleAfterDays: configuration.staleAfterDays))
        let handler = APIHandler(
            operations: OperationsHandler(
                readiness: ReadinessProbe(migrator: migrator, timeout: configuration.readinessTimeout),
                document: document,
                metrics: dependencies.metrics,
                logger: dependencies.logger
            ),
            access: AccessHandler(
                service: AccessService(
                    postgres: dependencies.postgres, callers: dependencies.callers, logger: databaseLogger)),
            directory: DirectoryHandler(
                service: DirectoryService(
                    postgres: dependencies.postgres, logger: databaseLogger,
                    staleAfterDays: configuration.staleAfterDays, searchCaches: dependencies.searchCaches)),
            search: search,
            volunteers: VolunteerHandler(
                service: VolunteerService(
                    postgres: dependencies.postgres, cipher: dependencies.cipher, logger: databaseLogger)),
            matching: MatchingHandler(
                service: MatchingService(
                    postgres: dependencies.postgres, cipher: dependencies.cipher, logger: databaseLogger)),
            plans: PlanHandler(
                service: PlanService(
                    postgres: dependencies.postgres, cipher: dependencies.cipher, logger: databaseLogger,
                    staleAfterDays: configuration.staleAfterDays, guide: dependencies.languageGuide,
                    search: searchService)),
            hsds: HSDSHandler(
                service: HSDSService(
                    postgres: dependencies.postgres, logger: databaseLogger,
                    staleAfterDays: configuration.staleAfterDays, streamChunk: configuration.streamChunkSize),
                baseURL: configuration.baseURL)
        )
        try handler.registerHandlers(
            on: router,
            configuration: .init(
                dateTranscoder: MomentTranscoder(), jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]),
            middlewares: [
                ConditionalGetMiddleware(),
                EntityTagMiddleware(),
                AccessMiddleware(
                    postgres: dependencies.postgres,
                    authenticator: Authenticator(
                        postgres: dependencies.postgres, tokens: TokenRepository(logger: databaseLogger),
                        cache: dependencies.callers),
                    audit: AuditLog(logger: databaseLogger),
                    tokenLimiter: RateLimiter(
                        limit: configuration.requestsPerMinutePerToken, clock: dependencies.rateLimitClock),
                    failureLimiter: RateLimiter(
                        limit: configuration.authenticationFailuresPerMinute, clock: dependencies.rateLimitClock),
                    logger: dependencies.logger
                ),
                // After authentication: keys belong to the caller, and a replay is authorized
                // like any request.
                IdempotencyMiddleware(
                    postgres: dependencies.postgres,
                    keys: IdempotencyRepository(cipher: dependencies.cipher, logger: databaseLogger),
                    audit: AuditLog(logger: databaseLogger), bodyLimit: configuration.maxBodyBytes,
                    logger: dependencies.logger),
                // Innermost, so it runs after authentication and the token's rate limit.
                SearchPageMiddleware(search: search),
                // Inside the search page, which writes `next_cursor` itself: only the generated
                // handlers' lists come through here.
                ListCursorMiddleware(operations: document.listOperations),
            ]
        )
        return HavenRouter(router: router, routes: routes)
    }

    /// Builds the application. The database client runs as a service of the application, so on
    /// SIGTERM/SIGINT the server stops accepting, lets in-flight requests finish, and only then
    /// is the pool closed.
    public static func buildApplication(
        router: HavenRouter,
        dependencies: ServerDependencies,
        configuration: ServerConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> Application<RouterResponder<HavenRequestContext>> {
        // Building the responder adds the HEAD twin of every GET; the table is read after it so
        // that a 405's Allow header lists HEAD too.
        let responder = router.router.buildResponder()
        router.routes.install(router.router.routes.map { (method: $0.method, path: $0.path.description) })
        return Application(
            responder: responder,
            server: .pinnedHTTP1(configuration: .init(idleTimeout: .init(configuration.idleTimeout))),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "Haven"
            ),
            services: [dependencies.postgres] + (dependencies.changes.map { [$0] } ?? []),
            onServerRunning: onServerRunning,
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: dependencies.logger
        )
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        self = .nanoseconds(Int64(duration / .nanoseconds(1)))
    }
}
