import Foundation
import HTTPTypes
import HavenCore
import HavenServer
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Metrics")
struct MetricsTests {
    static let series = "haven_http_server_request_duration_seconds"

    @Test("GET /metrics counts each route's answers by template and status, never by path")
    func routesByTemplate() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let admin = try #require(fixture.members[.admin]).token
            let advocate = try #require(fixture.members[.advocate]).token
            let absent = UUID().uuidString.lowercased()
            try await ServerHarness.withServer(database: database) { client in
                let reader: HTTPFields = [.authorization: "Bearer \(advocate)"]
                for _ in 0..<2 {
                    #expect(try await client.execute(uri: "/v1/needs", method: .get, headers: reader).status == .ok)
                }
                let missing = try await client.execute(uri: "/v1/services/\(absent)", method: .get, headers: reader)
                #expect(missing.status == .notFound)
                // A method no route answers (NIO's parser refuses made-up ones before the router).
                let webDAV = try #require(HTTPRequest.Method("PROPFIND"))
                _ = try await client.execute(uri: "/no-such-place?family=anyone", method: webDAV)

                // Only an admin reads them; the advocate's refusal is itself counted.
                let refused = try await client.execute(uri: "/metrics", method: .get, headers: reader)
                expectProblem(refused, .forbidden)
                let response = try await client.execute(
                    uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(admin)"])
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                let lines = text.split(separator: "\n").map(String.init)

                func count(_ method: String, _ route: String, _ status: Int) -> Int? {
                    let labels =
                        "http_request_method=\"\(method)\",http_route=\"\(route)\",http_response_status_code=\"\(status)\""
                    return lines.first { $0.hasPrefix("\(Self.series)_count{\(labels)} ") }
                        .flatMap { $0.split(separator: " ").last }.flatMap { Int($0) }
                }
                #expect(count("GET", "/v1/needs", 200) == 2)
                #expect(count("GET", "/v1/services/{id}", 404) == 1)
                #expect(count("GET", "/metrics", 403) == 1)
                #expect(count("_OTHER", "(unmatched)", 404) == 1)
                // What a client sent never becomes a label: not the id, the query or the method.
                #expect(!text.contains(absent))
                #expect(!text.contains("family=anyone"))
                #expect(!text.contains("PROPFIND"))
                // The search targets are read straight from a bucket.
                for bound in ["0.0015", "0.005", "0.025"] {
                    #expect(
                        lines.contains {
                            $0.hasPrefix("\(Self.series)_bucket{http_request_method=\"GET\",http_route=\"/v1/needs\"")
                                && $0.contains("le=\"\(bound)\"")
                        }, "no \(bound) s bucket")
                }
            }
        }
    }
}
