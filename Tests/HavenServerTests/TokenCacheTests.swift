import Foundation
import HTTPTypes
import HavenCore
import HavenStorage
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing

/// The token checks the server keeps in memory must never outlive a change made anywhere: in
/// the database by `haven` or another server, while the listener is down, or at all.
@Suite("Kept token checks over HTTP", .timeLimit(.minutes(1)))
struct TokenCacheTests {
    let cluster = TestDatabaseCluster.shared

    func whoami(_ client: some TestClientProtocol, _ token: String) async throws -> TestResponse {
        try await client.execute(uri: "/v1/whoami", method: .get, headers: [.authorization: "Bearer \(token)"])
    }

    func run(_ sql: PostgresQuery, on database: TestDatabase) async throws {
        try await database.withClient { client in
            _ = try await client.query(sql, logger: database.logger).collect()
        }
    }

    @Test("a token revoked, a user disabled or a role changed in the database reach the server by notice")
    func changesInTheDatabase() async throws {
        try await cluster.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let advocate = try #require(fixture.members[.advocate])
            let coordinator = try #require(fixture.members[.coordinator])
            let curator = try #require(fixture.members[.curator])
            let cache = CallerCache()
            let listener = try ChangeListener.patient(url: database.url, callers: cache, logger: database.logger)
            try await ServerHarness.withServer(database: database, changes: listener) { client in
                try await cache.waitForGeneration(after: 0)
                for member in [advocate, coordinator, curator] {
                    #expect(try await whoami(client, member.token).status == .ok)
                    #expect(cache.caller(forHash: TokenSecret.hash(member.token)) != nil)
                }

                // As `haven` or a second server would: straight in the database, not through this
                // server, which therefore learns of it only from the notice.
                var seen = cache.generation
                try await run(
                    "UPDATE api_tokens SET revoked_at = now() WHERE id = \(advocate.tokenID)", on: database)
                try await cache.waitForGeneration(after: seen)
                expectProblem(try await whoami(client, advocate.token), .unauthorized)
                #expect(try await whoami(client, coordinator.token).status == .ok)

                seen = cache.generation
                try await run(
                    "UPDATE users SET disabled_at = now() WHERE id = \(coordinator.user.id)", on: database)
                try await cache.waitForGeneration(after: seen)
                expectProblem(try await whoami(client, coordinator.token), .unauthorized)

                seen = cache.generation
                try await run("UPDATE users SET role = 'advocate' WHERE id = \(curator.user.id)", on: database)
                try await cache.waitForGeneration(after: seen)
                let demoted = try await whoami(client, curator.token)
                #expect((demoted.json["user"] as? [String: Any])?["role"] as? String == "advocate")
            }
        }
    }

    @Test("while the listener is down nothing is kept, and a change made meanwhile counts at once")
    func listenerDown() async throws {
        try await cluster.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let advocate = try #require(fixture.members[.advocate])
            let cache = CallerCache()
            // It stays down for the rest of the test: the first retry is a minute away.
            let listener = try ChangeListener.patient(
                url: database.url, callers: cache, logger: database.logger,
                retryDelays: Duration.seconds(60)...Duration.seconds(60))
            try await ServerHarness.withServer(database: database, changes: listener) { client in
                try await cache.waitForGeneration(after: 0)
                #expect(try await whoami(client, advocate.token).status == .ok)
                #expect(cache.caller(forHash: TokenSecret.hash(advocate.token)) != nil)

                let seen = cache.generation
                try await run(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE application_name = \(ChangeListener.applicationName) AND datname = current_database()
                    """, on: database)
                try await cache.waitForGeneration(after: seen)
                #expect(!cache.isListening)
                #expect(cache.caller(forHash: TokenSecret.hash(advocate.token)) == nil)

                #expect(try await whoami(client, advocate.token).status == .ok)
                #expect(cache.caller(forHash: TokenSecret.hash(advocate.token)) == nil)
                // No notice can arrive now; the database is asked on every request instead.
                try await run(
                    "UPDATE api_tokens SET revoked_at = now() WHERE id = \(advocate.tokenID)", on: database)
                expectProblem(try await whoami(client, advocate.token), .unauthorized)
            }
        }
    }
}
