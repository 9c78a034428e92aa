import Foundation
import HTTPTypes
import HavenCore
import HavenServer
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Rate limits")
struct RateLimitTests {
    /// Budgets refill with time; held still, a burst meets the same budget however slowly a
    /// loaded machine sends it (a 5-a-minute budget refills one request every 12 s).
    static let stoppedClock: @Sendable () -> Double = { 1_800_000_000 }

    @Test("a burst past the per-address budget gets 429 problem+json with Retry-After")
    func perAddress() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            try await ServerHarness.withServer(
                database: database,
                configuration: .init(port: 0, requestsPerMinutePerAddress: 5),
                rateLimitClock: Self.stoppedClock
            ) { client in
                var statuses: [Int] = []
                var limited: TestResponse?
                for _ in 0..<7 {
                    let response = try await client.execute(uri: "/healthz", method: .get)
                    statuses.append(response.status.code)
                    if response.status == .tooManyRequests { limited = response }
                }
                #expect(statuses == [200, 200, 200, 200, 200, 429, 429])
                let response = try #require(limited)
                expectProblem(response, .tooManyRequests, type: "urn:haven:problem:rate-limited")
                let retryAfter = try #require(response.headers[.retryAfter].flatMap(Int.init))
                #expect((1...12).contains(retryAfter))
            }
        }
    }

    @Test("each token has its own budget, and failed authentications are limited sooner")
    func perTokenAndFailures() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let advocate = try #require(fixture.members[.advocate]).token
            let curator = try #require(fixture.members[.curator]).token
            try await ServerHarness.withServer(
                database: database,
                configuration: .init(port: 0, requestsPerMinutePerToken: 3, authenticationFailuresPerMinute: 2),
                rateLimitClock: Self.stoppedClock
            ) { client in
                var advocateStatuses: [Int] = []
                for _ in 0..<4 {
                    let response = try await client.execute(
                        uri: "/v1/whoami",
                        method: .get,
                        headers: [.authorization: "Bearer \(advocate)"]
                    )
                    advocateStatuses.append(response.status.code)
                }
                #expect(advocateStatuses == [200, 200, 200, 429])
                let other = try await client.execute(
                    uri: "/v1/whoami",
                    method: .get,
                    headers: [.authorization: "Bearer \(curator)"]
                )
                #expect(other.status == .ok)

                var guesses: [Int] = []
                for attempt in 0..<3 {
                    let guess = "hvn_" + String(repeating: String(attempt), count: 43)
                    let response = try await client.execute(
                        uri: "/v1/whoami",
                        method: .get,
                        headers: [.authorization: "Bearer \(guess)"]
                    )
                    guesses.append(response.status.code)
                }
                #expect(guesses == [401, 401, 429])
            }
        }
    }

    @Test(
        "once an address has spent its failures even a right token gets 429, and refused requests stop adding audit rows"
    )
    func spentBudgetsStopWork() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let admin = try #require(fixture.members[.admin]).token
            let partner = try #require(fixture.members[.partner]).token
            @Sendable func deniedRows(_ action: String) async throws -> Int {
                try await database.withClient { client in
                    let rows = try await client.query(
                        "SELECT count(*)::int FROM audit_log WHERE action = \(action) AND outcome = 'denied'",
                        logger: database.logger)
                    for try await count in rows.decode(Int.self) { return count }
                    return 0
                }
            }
            try await ServerHarness.withServer(
                database: database,
                configuration: .init(port: 0, requestsPerMinutePerToken: 3, authenticationFailuresPerMinute: 2),
                rateLimitClock: Self.stoppedClock
            ) { client in
                // A partner may not read the audit log: each refusal is recorded until the
                // partner's token budget is spent, then it is a 429 that writes nothing.
                var forbidden: [Int] = []
                for _ in 0..<5 {
                    let response = try await client.execute(
                        uri: "/v1/audit", method: .get, headers: [.authorization: "Bearer \(partner)"])
                    forbidden.append(response.status.code)
                }
                #expect(forbidden == [403, 403, 403, 429, 429])
                #expect(try await deniedRows("listAudit") == 3)

                // Requests without a token spend the address's failures too.
                var anonymous: [Int] = []
                for _ in 0..<4 {
                    anonymous.append(try await client.execute(uri: "/v1/volunteers", method: .get).status.code)
                }
                #expect(anonymous == [401, 401, 429, 429])
                #expect(try await deniedRows("listVolunteers") == 2)

                // The admin's token is right, but it comes from the address that spent its
                // failures: refused before it is looked up, so a lucky guess would be too.
                let right = try await client.execute(
                    uri: "/v1/whoami", method: .get, headers: [.authorization: "Bearer \(admin)"])
                expectProblem(right, .tooManyRequests, type: "urn:haven:problem:rate-limited")
                #expect(right.headers[.retryAfter] != nil)
            }
        }
    }
}
