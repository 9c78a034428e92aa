import Foundation
import HTTPTypes
import HavenAPI
import HavenStorage
import HavenTestSupport
import HummingbirdTesting
import OpenAPIRuntime
import OpenAPIURLSession
import PostgresNIO
import Synchronization
import Testing

@testable import HavenClient

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("CLI client retries")
struct ClientRetryTests {
    /// Delivers every request to the real server, but loses the answer to the first `lose` of them:
    /// the server did the work, the client never heard.
    final class LossyTransport: ClientTransport {
        let real = URLSessionTransport()
        let lose: Int
        private let seen = Mutex<[String?]>([])

        init(lose: Int) { self.lose = lose }

        /// The `Idempotency-Key` of every request sent, in order.
        var keys: [String?] { seen.withLock { $0 } }

        func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (
            HTTPResponse, HTTPBody?
        ) {
            let count = seen.withLock {
                $0.append(request.headerFields[HTTPField.Name("Idempotency-Key")!])
                return $0.count
            }
            let answer = try await real.send(request, body: body, baseURL: baseURL, operationID: operationID)
            if count <= lose { throw URLError(.networkConnectionLost) }
            return answer
        }
    }

    @Test("a write whose answer is lost is sent again under the same key and recorded once")
    func lostAnswerIsRetried() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let curator = try #require(fixture.members[.curator])
            try await ServerHarness.withServer(database: database) { client in
                let server = try ServerAddress(parsing: "http://127.0.0.1:\(try #require(client.port))")
                let login = try ClientLogin(server: server, token: curator.token)
                func organizations() async throws -> Int {
                    try await database.withClient { client in
                        let rows = try await client.query(
                            "SELECT count(*) FROM organizations WHERE name = 'Demo Family Resource Center'",
                            logger: database.logger)
                        var count = -1
                        for try await value in rows.decode(Int.self) { count = value }
                        return count
                    }
                }

                let lossy = LossyTransport(lose: 1)
                let api = HavenAPIClient(login: login, transport: lossy, retryPause: { _ in })
                let created = try await api.createOrganization(.init(name: "Demo Family Resource Center"))
                #expect(created.name == "Demo Family Resource Center")
                #expect(try await organizations() == 1)
                #expect(lossy.keys.count == 2)
                #expect(lossy.keys[0] != nil)
                #expect(lossy.keys[0] == lossy.keys[1])

                // Every attempt lost: the error says the network failed, and still one record.
                let hopeless = LossyTransport(lose: 3)
                let failing = HavenAPIClient(login: login, transport: hopeless, retryPause: { _ in })
                let error = await #expect(throws: HavenClient.ClientError.self) {
                    try await failing.createOrganization(.init(name: "Demo Family Resource Center"))
                }
                guard case .unreachable(_, let reason) = error else {
                    Issue.record("expected unreachable, got \(String(describing: error))")
                    return
                }
                #expect(
                    reason
                        == "the network connection failed, 3 times; the server may have saved the change, so check before sending it again"
                )
                #expect(hopeless.keys.count == IdempotentRetryMiddleware.attempts)
                #expect(Set(hopeless.keys).count == 1)
                #expect(try await organizations() == 2)

                // Reads carry no key and are never retried by this middleware.
                let reader = LossyTransport(lose: 0)
                _ = try await HavenAPIClient(login: login, transport: reader, retryPause: { _ in }).whoami()
                #expect(reader.keys == [nil])
            }
        }
    }
}
