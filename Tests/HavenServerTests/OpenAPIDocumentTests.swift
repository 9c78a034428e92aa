import Foundation
import HavenServer
import HavenStorage
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    @Test("GET /openapi.json is valid OpenAPI 3.1 JSON describing exactly the routes the server has")
    func describesEveryRoute() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            let postgres = PostgresClient(configuration: try .init(database.url), backgroundLogger: database.logger)
            let dependencies = ServerDependencies(
                postgres: postgres,
                migrations: database.migrations,
                cipher: database.cipher,
                logger: database.logger
            )
            let router = try HavenApplication.buildRouter(dependencies: dependencies, configuration: .init(port: 0))
            let served = Set(
                router.router.routes.map { "\($0.method.rawValue) \(Self.openAPIPath($0.path.description))" })

            try await ServerHarness.withServer(database: database) { client in
                let response = try await client.execute(uri: "/openapi.json", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)

                let document = try #require(
                    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                )
                #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
                let paths = try #require(document["paths"] as? [String: [String: Any]])
                let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
                var described: Set<String> = []
                for (path, item) in paths {
                    for method in item.keys where methods.contains(method) {
                        described.insert("\(method.uppercased()) \(path)")
                    }
                }
                #expect(!served.isEmpty)
                #expect(described == served)
                #expect(described.contains("GET /openapi.json"))
            }
        }
    }

    static func openAPIPath(_ routerPath: String) -> String {
        let segments = routerPath.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
        return "/" + segments.joined(separator: "/")
    }
}
