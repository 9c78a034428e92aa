import Foundation
import HTTPTypes
import HavenCore
import HavenStorage
import HavenTestSupport
import HummingbirdTesting
import Testing

@Suite("Places and needs over HTTP")
struct DirectoryReferenceTests {
    @Test("a ZIP resolves to its place; an unknown one is a 404 naming it; a malformed one a 422 on /zip")
    func places() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await database.withClient { client in
                try await AccessFixture.make(on: client, logger: database.logger)
            }
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.partner]).token)"]
            try await ServerHarness.withServer(database: database) { client in
                let chicago = try await client.execute(uri: "/v1/places/60614-2014", method: .get, headers: headers)
                #expect(chicago.status == .ok)
                #expect(chicago.json["zip"] as? String == "60614")
                #expect(chicago.json["city"] as? String == "Chicago")
                #expect(chicago.json["state"] as? String == "IL")
                #expect(chicago.json["time_zone"] as? String == "America/Chicago")

                let unknown = try await client.execute(uri: "/v1/places/00000", method: .get, headers: headers)
                expectProblem(unknown, .notFound)
                #expect((unknown.json["detail"] as? String)?.contains("00000") == true)

                for malformed in ["6061", "60614x", "606145"] {
                    let response = try await client.execute(
                        uri: "/v1/places/\(malformed)", method: .get, headers: headers)
                    expectProblem(response, .unprocessableContent, type: "urn:haven:problem:validation")
                    let errors = response.json["errors"] as? [[String: Any]]
                    #expect(errors?.first?["pointer"] as? String == "/zip")
                }
            }
        }
    }

    @Test("needs page in code order with a stable cursor, narrow to a branch, and refuse a forged cursor")
    func needs() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await database.withClient { client in
                try await AccessFixture.make(on: client, logger: database.logger)
            }
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.advocate]).token)"]
            try await ServerHarness.withServer(database: database) { client in
                var codes: [String] = []
                var cursor: String?
                var pages = 0
                repeat {
                    let query = cursor.map { "&cursor=\($0)" } ?? ""
                    let page = try await client.execute(
                        uri: "/v1/needs?limit=25\(query)", method: .get, headers: headers)
                    #expect(page.status == .ok)
                    let data = try #require(page.json["data"] as? [[String: Any]])
                    #expect(data.count <= 25)
                    codes += data.compactMap { $0["code"] as? String }
                    cursor = page.json["next_cursor"] as? String
                    if cursor == nil { #expect(page.json["next_cursor"] is NSNull, "the last page says null") }
                    pages += 1
                } while cursor != nil && pages < 20
                #expect(codes.count >= 60)
                #expect(codes == codes.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
                #expect(Set(codes).count == codes.count, "no need appears on two pages")
                #expect(pages == (codes.count + 24) / 25)

                let branch = try await client.execute(uri: "/v1/needs?within=housing", method: .get, headers: headers)
                let housing = try #require(branch.json["data"] as? [[String: Any]])
                #expect(housing.first?["code"] as? String == "housing")
                #expect(housing.count > 3)
                #expect(housing.allSatisfy { ($0["code"] as? String)?.hasPrefix("housing") == true })
                let youth = housing.first { $0["code"] as? String == "housing.youth-shelter" }
                #expect(youth?["parent_code"] as? String == "housing")
                #expect((youth?["name_es"] as? String)?.isEmpty == false)

                let forged = try await client.execute(uri: "/v1/needs?cursor=not-ours", method: .get, headers: headers)
                expectProblem(forged, .unprocessableContent, type: "urn:haven:problem:validation")
                let badCode = try await client.execute(uri: "/v1/needs?within=Housing!", method: .get, headers: headers)
                expectProblem(badCode, .unprocessableContent, type: "urn:haven:problem:validation")
                // A well-formed code Haven does not have is not "a need with nothing under it".
                let unknown = try await client.execute(
                    uri: "/v1/needs?within=housing.castles", method: .get, headers: headers)
                expectProblem(unknown, .unprocessableContent, type: "urn:haven:problem:validation")
                #expect(
                    (unknown.json["errors"] as? [[String: Any]])?.first?["detail"] as? String
                        == "'housing.castles' is not a need in Haven's taxonomy")
            }
        }
    }
}
