import Foundation
import HavenServer
import HavenStorage
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import Testing

@Suite("Graceful shutdown")
struct GracefulShutdownTests {
    @Test("on shutdown an in-flight request completes before the server and database pool stop")
    func inFlightRequestCompletes() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            let logger = database.logger
            let entered = AsyncStream<Void>.makeStream()
            let release = AsyncStream<Void>.makeStream()
            let port = AsyncStream<Int>.makeStream()

            let postgres = PostgresClient(configuration: try .init(database.url), backgroundLogger: logger)
            let dependencies = ServerDependencies(
                postgres: postgres, migrations: database.migrations, cipher: database.cipher, logger: logger)
            let configuration = ServerConfiguration(port: 0)
            let router = try HavenApplication.buildRouter(dependencies: dependencies, configuration: configuration)
            router.router.get("/test/in-flight") { _, _ -> String in
                entered.continuation.yield()
                for await _ in release.stream { break }
                // The pool must still be open for work done after shutdown began.
                let rows = try await postgres.query("SELECT 'still connected'")
                var answer = ""
                for try await value in rows.decode(String.self) { answer = value }
                return answer
            }
            let app = HavenApplication.buildApplication(
                router: router,
                dependencies: dependencies,
                configuration: configuration
            ) { channel in
                port.continuation.yield(channel.localAddress?.port ?? 0)
            }
            let group = ServiceGroup(services: [app], logger: logger)

            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var ports = port.stream.makeAsyncIterator()
                let serverPort = try #require(await ports.next())
                let client = TestClient(
                    host: "127.0.0.1", port: serverPort, configuration: .init(timeout: .seconds(30)))
                client.connect()

                async let response = client.get("/test/in-flight")
                var entries = entered.stream.makeAsyncIterator()
                await entries.next()

                await group.triggerGracefulShutdown()
                release.continuation.yield()

                let answer = try await response
                #expect(answer.status == .ok)
                #expect(answer.body.map { String(buffer: $0) } == "still connected")
                try await client.shutdown()
                try await tasks.waitForAll()  // the group, and with it the server and pool, ended cleanly
            }
        }
    }

    @Test("a server whose port is taken stops at once, with its pool and listener, and says which port and why")
    func portTaken() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            try await ServerHarness.withServer(database: database) { client in
                let taken = try #require(client.port)
                let logger = database.logger
                let dependencies = ServerDependencies(
                    postgres: PostgresClient(configuration: try .init(database.url), backgroundLogger: logger),
                    migrations: database.migrations, cipher: database.cipher, logger: logger,
                    changes: try ChangeListener(url: database.url, logger: logger))
                let configuration = ServerConfiguration(port: taken)
                let router = try HavenApplication.buildRouter(dependencies: dependencies, configuration: configuration)
                let second = HavenApplication.buildApplication(
                    router: router, dependencies: dependencies, configuration: configuration)
                do {
                    try await second.run()
                    Issue.record("a second server started on a port already in use")
                } catch {
                    let problem = try #require(configuration.listeningProblem(error))
                    #expect(problem.contains("127.0.0.1:\(taken)"))
                    #expect(problem.contains("another program is using that port"))
                }
                // The first server is untouched.
                #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            }
        }
    }
}
