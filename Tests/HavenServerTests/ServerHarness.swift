import Foundation
import HTTPTypes
import HavenCore
import HavenServer
import HavenStorage
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization
import Testing

/// Runs the real application (real router, middleware and database pool) on a free port and
/// hands the test an HTTP client.
enum ServerHarness {
    static func withServer(
        database: TestDatabase,
        configuration: ServerConfiguration = .init(port: 0),
        testing: TestingSetup = .live,
        logger: Logger? = nil,
        changes: ChangeListener? = nil,
        rateLimitClock: (@Sendable () -> Double)? = nil,
        addRoutes: (Router<HavenRequestContext>) -> Void = { _ in },
        _ test: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let logger = logger ?? database.logger
        // The pool on threads of its own, as `haven serve` runs it, so every HTTP test's search
        // reads its statements there.
        let databaseLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { databaseLoops.shutdownGracefully { _ in } }
        let postgres = PostgresClient(
            configuration: try .init(database.url), eventLoopGroup: databaseLoops,
            backgroundLogger: logger.forPostgres())
        // The token cache and its listener as `haven serve` runs them, so every HTTP test goes
        // through both.
        var dependencies = ServerDependencies(
            postgres: postgres, migrations: database.migrations, cipher: database.cipher, logger: logger,
            languageGuide: try LanguageGuideFiles.load(
                directory: TestDatabaseCluster.repositoryRoot.appendingPathComponent("Seeds/reference")),
            changes: try changes ?? .patient(url: database.url, logger: logger.forPostgres()),
            databaseLoops: databaseLoops)
        if let rateLimitClock { dependencies.rateLimitClock = rateLimitClock }
        let router = try HavenApplication.buildRouter(dependencies: dependencies, configuration: configuration)
        addRoutes(router.router)
        let app = HavenApplication.buildApplication(
            router: router,
            dependencies: dependencies,
            configuration: configuration
        )
        try await app.test(testing, test)
    }
}

extension TestResponse {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    var requestID: String? { headers[HTTPField.Name("X-Request-Id")!] }
}

/// Keeps every log event a test's logger receives.
final class CapturedLogs: Sendable {
    struct Event: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let storage = Mutex<[Event]>([])

    var events: [Event] { storage.withLock { $0 } }

    func logger() -> Logger {
        Logger(label: "haven.tests.captured") { _ in Handler(logs: self) }
    }

    fileprivate func append(_ event: Event) { storage.withLock { $0.append(event) } }

    private struct Handler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            if let extra = event.metadata { merged.merge(extra) { _, new in new } }
            logs.append(
                Event(
                    level: event.level,
                    message: event.message.description,
                    metadata: merged.mapValues(\.description)
                )
            )
        }
    }
}

/// Checks that `response` is an RFC 9457 problem with this status and type that names the
/// request it answers, and returns its members for further checks.
@discardableResult
func expectProblem(
    _ response: TestResponse,
    _ status: HTTPResponse.Status,
    type: String = "about:blank",
    sourceLocation: SourceLocation = #_sourceLocation
) -> [String: Any] {
    let problem = response.json
    #expect(response.status == status, sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
    #expect(problem["status"] as? Int == status.code, sourceLocation: sourceLocation)
    #expect(problem["type"] as? String == type, sourceLocation: sourceLocation)
    #expect((problem["title"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    #expect(
        problem["instance"] as? String == "urn:haven:request:\(response.requestID ?? "missing")",
        sourceLocation: sourceLocation
    )
    return problem
}

/// Returns once some session of the test's database waits for a row lock, which the caller holds
/// on another connection: the request it started has reached that lock. Polls PostgreSQL's view
/// of its sessions; fails the test when nothing waits within 10 s.
func waitForLockWaiter(
    _ postgres: PostgresClient, logger: Logger, sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    for _ in 0..<400 {
        let rows = try await postgres.query(
            """
            SELECT count(*)::int FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND datname = current_database()
            """, logger: logger)
        for try await count in rows.decode(Int.self) where count > 0 { return }
        try await Task.sleep(for: .milliseconds(25))
    }
    Issue.record("no session waited for the lock held", sourceLocation: sourceLocation)
    throw CancellationError()
}

extension ChangeListener {
    /// A listener for tests: it waits long for its own probe notice. The default five seconds is
    /// right for a server, but a test machine busy building can miss it, and a listener that
    /// drops turns the caches off under a test that expects them on.
    static func patient(
        url: DatabaseURL, callers: CallerCache = CallerCache(), logger: Logger,
        retryDelays: ClosedRange<Duration> = Duration.seconds(1)...Duration.seconds(30)
    ) throws -> ChangeListener {
        try ChangeListener(
            url: url, callers: callers, logger: logger, retryDelays: retryDelays, pingTimeout: .seconds(30))
    }
}
