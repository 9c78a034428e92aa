import Foundation
import HTTPTypes
import HavenCore
import HavenServer
import HavenStorage
import HavenTestSupport
import HummingbirdTesting
import Logging
import PostgresNIO
import Testing

@Suite("HSDS read API")
struct HSDSTests {
    /// A partner's token, for a database holding the demo directory (347 fictional services,
    /// confidential shelters among them).
    static func partnerToken(_ database: TestDatabase) async throws -> String {
        try await database.withClient { client in
            let fixture = try await AccessFixture.make(on: client, logger: database.logger)
            return try #require(fixture.members[.partner]).token
        }
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, token: String, headers extra: HTTPFields = [:])
        async throws -> TestResponse
    {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        headers.append(contentsOf: extra)
        return try await client.execute(uri: uri, method: .get, headers: headers)
    }

    static func json(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String:
        Any]
    {
        #expect(response.status == .ok, sourceLocation: sourceLocation)
        return try #require(
            try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any],
            sourceLocation: sourceLocation)
    }

    static func contents(_ page: [String: Any]) -> [[String: Any]] {
        page["contents"] as? [[String: Any]] ?? []
    }

    @Test(
        "every /hsds endpoint validates against the official HSDS 3.0 schemas; confidential locations show no address or point"
    )
    func conformance() async throws {
        try await TestDatabaseCluster.shared.withDemoDatabase { database in
            let token = try await Self.partnerToken(database)
            let hidden = try await Self.confidentialFacts(database)
            #expect(hidden.locations.count >= 5, "the demo directory has shelters to hide")
            let linkSecrets = try await database.withClient {
                try await ConfidentialLinkSecrets.plant(on: $0, logger: database.logger)
            }
            // Reading every record one by one is well over a partner's per-minute budget.
            let generous = ServerConfiguration(
                port: 0, requestsPerMinutePerAddress: 100_000, requestsPerMinutePerToken: 100_000)
            try await ServerHarness.withServer(database: database, configuration: generous) { client in
                var checks = SchemaChecks()
                var bodies: [String] = []
                func fetch(_ uri: String) async throws -> [String: Any] {
                    let response = try await Self.get(client, uri, token: token)
                    bodies.append(String(buffer: response.body))
                    return try Self.json(response)
                }
                func list(_ uri: String, items schema: String) async throws -> [[String: Any]] {
                    let page = try await fetch(uri)
                    checks.add("openapi:Page", uri, page)
                    for (index, item) in Self.contents(page).enumerated() {
                        checks.add(schema, "\(uri) #\(index)", item)
                    }
                    #expect(page["total_items"] as? Int == Self.contents(page).count, "\(uri) fits one page")
                    return Self.contents(page)
                }

                checks.add("openapi:meta", "/hsds", try await fetch("/hsds"))
                let services = try await list("/hsds/services?per_page=500", items: "compiled/service_list.json")
                #expect(services.count == 347)
                let whole = try await list("/hsds/services?per_page=500&full=true", items: "compiled/service.json")
                _ = try await list("/hsds/services?per_page=500&minimal=true", items: "compiled/service_list.json")
                let organizations = try await list(
                    "/hsds/organizations?per_page=500", items: "compiled/organization_list.json")
                _ = try await list(
                    "/hsds/organizations?per_page=500&full=true&full_service=true", items: "compiled/organization.json")
                let links = try await list(
                    "/hsds/service_at_locations?per_page=500", items: "compiled/service_at_location_list.json")
                _ = try await list(
                    "/hsds/service_at_locations?per_page=500&full=true", items: "compiled/service_at_location.json")
                let taxonomies = try await list("/hsds/taxonomies", items: "taxonomy.json")
                let terms = try await list("/hsds/taxonomy_terms?per_page=500", items: "taxonomy_term.json")
                #expect(taxonomies.count == 2 && terms.count > 20)

                for (collection, schema, records) in [
                    ("services", "compiled/service.json", services),
                    ("organizations", "compiled/organization.json", organizations),
                    ("service_at_locations", "compiled/service_at_location.json", links),
                    ("taxonomies", "taxonomy.json", taxonomies), ("taxonomy_terms", "taxonomy_term.json", terms),
                ] {
                    // Every record of the small collections; of the large ones, a sample that
                    // includes every shelter (whose documents redact the most).
                    let sheltered = Set(hidden.locations.map(\.0))
                    let sample = records.enumerated().filter { index, record in
                        records.count <= 60 || index % 10 == 0
                            || sheltered.contains(record["location_id"] as? String ?? "")
                    }.map(\.element)
                    for record in sample {
                        let uri = "/hsds/\(collection)/\(try #require(record["id"] as? String))"
                        checks.add(schema, uri, try await fetch(uri))
                    }
                }

                let report = try checks.validate()
                #expect(report.problems.isEmpty, "\(report.problems.prefix(20).joined(separator: "\n"))")
                #expect(report.checked == checks.count && checks.count > 1000)

                // Not one body names a shelter's street or its exact point; each shows the intake phone.
                let everything = bodies.joined(separator: "\n")
                for street in hidden.streets { #expect(!everything.contains(street), "\(street) leaked") }
                for secret in linkSecrets { #expect(!everything.contains(secret), "\(secret) leaked") }
                for coordinate in hidden.coordinates {
                    #expect(!everything.contains(coordinate), "\(coordinate) leaked")
                }
                let shown = whole.flatMap { ($0["service_at_locations"] as? [[String: Any]]) ?? [] }
                    .compactMap { $0["location"] as? [String: Any] }
                for (location, phone) in hidden.locations {
                    let places = shown.filter { $0["id"] as? String == location }
                    #expect(!places.isEmpty, "a shelter's service lists it")
                    for place in places {
                        #expect(place["confidential"] as? Bool == true)
                        #expect(place["latitude"] == nil && place["longitude"] == nil)
                        #expect((place["addresses"] as? [Any])?.isEmpty == true)
                        let phones = place["phones"] as? [[String: Any]] ?? []
                        #expect(phones.map { $0["number"] as? String } == [phone])
                    }
                }
            }
        }
    }

    @Test("the page envelope on the first, a middle, the last, a past-the-end and an empty page; filters combine")
    func pageEnvelope() async throws {
        try await TestDatabaseCluster.shared.withDemoDatabase { database in
            let token = try await Self.partnerToken(database)
            try await ServerHarness.withServer(database: database) { client in
                func page(_ query: String) async throws -> [String: Any] {
                    try Self.json(try await Self.get(client, "/hsds/services?\(query)", token: token))
                }
                func envelope(_ page: [String: Any]) -> [String] {
                    ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty"].map {
                        "\($0)=\(page[$0].map { "\($0)" } ?? "missing")"
                    }
                }
                let first = try await page("per_page=100")
                #expect(
                    envelope(first) == [
                        "total_items=347", "total_pages=4", "page_number=1", "size=100",
                        "first_page=1", "last_page=0", "empty=0",
                    ])
                let middle = try await page("per_page=100&page=2")
                #expect(
                    envelope(middle) == [
                        "total_items=347", "total_pages=4", "page_number=2", "size=100",
                        "first_page=0", "last_page=0", "empty=0",
                    ])
                let last = try await page("per_page=100&page=4")
                #expect(
                    envelope(last) == [
                        "total_items=347", "total_pages=4", "page_number=4", "size=47",
                        "first_page=0", "last_page=1", "empty=0",
                    ])
                let beyond = try await page("per_page=100&page=5")
                #expect(
                    envelope(beyond) == [
                        "total_items=347", "total_pages=4", "page_number=5", "size=0",
                        "first_page=0", "last_page=1", "empty=1",
                    ])
                let none = try await page("search=zzzqqq")
                #expect(
                    envelope(none) == [
                        "total_items=0", "total_pages=0", "page_number=1", "size=0",
                        "first_page=1", "last_page=1", "empty=1",
                    ])

                // The pages hold every service once, in id order.
                var ids: [String] = []
                for number in 1...4 {
                    ids += Self.contents(try await page("per_page=100&page=\(number)")).compactMap {
                        $0["id"] as? String
                    }
                }
                #expect(ids.count == 347 && Set(ids).count == 347 && ids == ids.sorted())

                // Filters combine with AND: each narrows what the other found.
                let organization = try #require(Self.contents(first).first?["organization_id"] as? String)
                let term = try await database.withClient { client in
                    try await Self.string(
                        client,
                        "SELECT a.taxonomy_term_id::text FROM attributes a JOIN services s ON s.id = a.link_id WHERE s.organization_id = '\(organization)' LIMIT 1",
                        database.logger)
                }
                let byOrganization = try await page("organization_id=\(organization)&per_page=500")
                let byTerm = try await page("taxonomy_term_id=\(term)&per_page=500")
                let both = try await page("organization_id=\(organization)&taxonomy_term_id=\(term)&per_page=500")
                let set = { (page: [String: Any]) in Set(Self.contents(page).compactMap { $0["id"] as? String }) }
                #expect(!set(both).isEmpty)
                #expect(set(both) == set(byOrganization).intersection(set(byTerm)))
                #expect(set(both).count < set(byTerm).count || set(both).count < set(byOrganization).count)
                #expect(
                    Self.contents(byOrganization).allSatisfy { $0["organization_id"] as? String == organization })

                // A postcode alone keeps services whose area covers it; with proximity, also near it.
                let houston = try await page("postcode=77002&per_page=500")
                let near = try await page("postcode=77002&proximity=5000&per_page=500")
                #expect((houston["total_items"] as? Int ?? 0) > (near["total_items"] as? Int ?? 0))
                #expect((near["total_items"] as? Int ?? 0) > 0)
                let modified = try await page("modified_after=2999-01-01&per_page=500")
                #expect(modified["total_items"] as? Int == 0)
                let recent = try await page("modified_after=2000-01-01T00:00:00Z&per_page=1")
                #expect(recent["total_items"] as? Int == 347)
            }
        }
    }

    @Test("format=ndjson streams exactly total_items documents, one per line, across chunks")
    func ndjson() async throws {
        try await TestDatabaseCluster.shared.withDemoDatabase { database in
            let token = try await Self.partnerToken(database)
            var configuration = ServerConfiguration(port: 0)
            configuration.streamChunkSize = 40
            try await ServerHarness.withServer(database: database, configuration: configuration) { client in
                for query in ["", "postcode=77002", "full=true&search=support", "minimal=true"] {
                    let total =
                        try Self.json(
                            try await Self.get(client, "/hsds/services?per_page=1&\(query)", token: token))[
                            "total_items"]
                        as? Int
                    let stream = try await Self.get(client, "/hsds/services?format=ndjson&\(query)", token: token)
                    #expect(stream.status == .ok)
                    #expect(stream.headers[.contentType] == "application/x-ndjson")
                    let text = String(buffer: stream.body)
                    #expect(text.hasSuffix("\n"))
                    let lines = text.split(separator: "\n")
                    #expect(lines.count == total, "\(query)")
                    let ids = try lines.map { line in
                        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                        return try #require(object?["id"] as? String)
                    }
                    #expect(Set(ids).count == ids.count && ids == ids.sorted(), "\(query)")
                }
                let everything = try await Self.get(client, "/hsds/service_at_locations?format=ndjson", token: token)
                let count = try Self.json(
                    try await Self.get(client, "/hsds/service_at_locations?per_page=1", token: token))["total_items"]
                #expect(String(buffer: everything.body).split(separator: "\n").count == count as? Int)
            }
        }
    }

    @Test("If-None-Match answers 304 with no body until the record changes")
    func conditionalGet() async throws {
        try await TestDatabaseCluster.shared.withDemoDatabase { database in
            let token = try await Self.partnerToken(database)
            try await ServerHarness.withServer(database: database) { client in
                let service = try #require(
                    Self.contents(try Self.json(try await Self.get(client, "/hsds/services?per_page=1", token: token)))
                        .first?["id"] as? String)
                for uri in ["/hsds/services/\(service)", "/hsds/services?per_page=5", "/v1/services/\(service)"] {
                    let first = try await Self.get(client, uri, token: token)
                    #expect(first.status == .ok)
                    let tag = try #require(first.headers[.eTag], "\(uri)")
                    #expect(first.headers[.cacheControl] == "private, max-age=60")
                    let again = try await Self.get(client, uri, token: token, headers: [.ifNoneMatch: tag])
                    #expect(again.status == .notModified, "\(uri)")
                    #expect(again.body.readableBytes == 0)
                    #expect(again.headers[.eTag] == tag)
                    let weak = try await Self.get(client, uri, token: token, headers: [.ifNoneMatch: "W/\(tag)"])
                    #expect(weak.status == .notModified)
                    let other = try await Self.get(client, uri, token: token, headers: [.ifNoneMatch: "\"other\""])
                    #expect(other.status == .ok && other.body.readableBytes > 0)
                }

                let before = try await Self.get(client, "/hsds/services/\(service)", token: token)
                let tag = try #require(before.headers[.eTag])
                try await database.withClient { client in
                    try await client.query(
                        "UPDATE services SET description = 'Now also on Saturdays.', version = version + 1 WHERE id = \(UUID(uuidString: service)!)",
                        logger: database.logger)
                }
                let after = try await Self.get(
                    client, "/hsds/services/\(service)", token: token, headers: [.ifNoneMatch: tag])
                #expect(after.status == .ok)
                #expect(after.headers[.eTag] != tag)
                #expect(String(buffer: after.body).contains("Now also on Saturdays."))
            }
        }
    }

    @Test("bad parameters are one 422 naming each; unknown or retired records 404; no token 401")
    func refusals() async throws {
        try await TestDatabaseCluster.shared.withDemoDatabase { database in
            let token = try await Self.partnerToken(database)
            let retired = try await database.withClient { client in
                try await Self.string(
                    client,
                    "UPDATE services SET retired_at = now() WHERE id = (SELECT min(id::text)::uuid FROM services) RETURNING id::text",
                    database.logger)
            }
            try await ServerHarness.withServer(database: database) { client in
                let bad = try await Self.get(
                    client,
                    "/hsds/services?page=0&per_page=501&organization_id=nope&modified_after=yesterday&postcode=ABCDE",
                    token: token)
                let problem = expectProblem(bad, .unprocessableContent, type: "urn:haven:problem:validation")
                let pointers = (problem["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String }
                #expect(pointers == ["/page", "/per_page", "/organization_id", "/modified_after", "/postcode"])
                let alone = try await Self.get(client, "/hsds/service_at_locations?proximity=1000", token: token)
                expectProblem(alone, .unprocessableContent, type: "urn:haven:problem:validation")
                for (query, pointer) in [
                    ("per_page=abc", "/per_page"), ("format=xml", "/format"), ("full=maybe", "/full"),
                ] {
                    let mistyped = try await Self.get(client, "/hsds/services?\(query)", token: token)
                    let problem = expectProblem(mistyped, .unprocessableContent, type: "urn:haven:problem:validation")
                    let named = (problem["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String }
                    #expect(named == [pointer], "\(query)")
                }
                let unknownZIP = try await Self.get(client, "/hsds/services?postcode=00000", token: token)
                expectProblem(unknownZIP, .unprocessableContent, type: "urn:haven:problem:validation")

                for uri in [
                    "/hsds/services/\(retired)", "/hsds/services/\(UUID().uuidString)", "/hsds/services/not-an-id",
                    "/hsds/organizations/\(UUID().uuidString)", "/hsds/taxonomy_terms/\(UUID().uuidString)",
                ] {
                    expectProblem(try await Self.get(client, uri, token: token), .notFound)
                }
                let listed = try Self.json(try await Self.get(client, "/hsds/services?per_page=500", token: token))
                #expect(listed["total_items"] as? Int == 346)

                // The organizations that only hold Haven accounts (the partner's own among them)
                // are not part of the directory partners read.
                let accounts = try await database.withClient { client in
                    try await client.query(
                        "SELECT id::text FROM organizations o WHERE NOT EXISTS (SELECT 1 FROM services s WHERE s.organization_id = o.id) AND description = ''",
                        logger: database.logger
                    ).collect().map { try $0.decode(String.self) }
                }
                #expect(!accounts.isEmpty)
                let organizations = try Self.json(
                    try await Self.get(client, "/hsds/organizations?per_page=500", token: token))
                let shown = Set(
                    (organizations["contents"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
                #expect(shown.count > 100)
                #expect(shown.isDisjoint(with: accounts))
                expectProblem(try await Self.get(client, "/hsds/organizations/\(accounts[0])", token: token), .notFound)

                let anonymous = try await client.execute(uri: "/hsds/services", method: .get)
                expectProblem(anonymous, .unauthorized)
                let profile = try await client.execute(uri: "/hsds/profile", method: .get)
                #expect(profile.status == .ok)
                #expect(String(buffer: profile.body).contains("confidential"))
            }
        }
    }
}

extension HSDSTests {
    /// The streets and exact points of confidential locations, and each one's intake phone.
    static func confidentialFacts(_ database: TestDatabase) async throws -> (
        streets: [String], coordinates: [String], locations: [(String, String)]
    ) {
        try await database.withClient { client in
            var streets: [String] = []
            var coordinates: [String] = []
            var locations: [(String, String)] = []
            let rows = try await client.query(
                """
                SELECT l.id::text, l.intake_phone, ad.address_1, ST_Y(l.point::geometry), ST_X(l.point::geometry)
                FROM locations l LEFT JOIN addresses ad ON ad.location_id = l.id WHERE l.confidential
                """,
                logger: database.logger)
            for try await (id, phone, street, latitude, longitude) in rows.decode(
                (String, String, String?, Double, Double).self)
            {
                if let street { streets.append(street) }
                coordinates += ["\(latitude)", "\(longitude)"]
                locations.append((id, phone))
            }
            return (streets, coordinates, locations)
        }
    }

    /// The first column of the first row; the test fails when there is none.
    static func string(_ client: PostgresClient, _ sql: String, _ logger: Logger) async throws -> String {
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        var first: String?
        for try await value in rows.decode(String.self) where first == nil { first = value }
        return try #require(first, "no row from: \(sql)")
    }
}

/// Documents to validate, each against a named official schema, checked in one run of the
/// JSON Schema validator (scripts/validate-hsds.py: Python jsonschema, draft 2020-12, formats on).
struct SchemaChecks {
    private var items: [[String: Any]] = []
    var count: Int { items.count }

    mutating func add(_ schema: String, _ label: String, _ document: [String: Any]) {
        items.append(["schema": schema, "label": label, "document": document])
    }

    func validate() throws -> (checked: Int, problems: [String]) {
        let root = TestDatabaseCluster.repositoryRoot
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("hsds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let input = scratch.appendingPathComponent("documents.json")
        let output = scratch.appendingPathComponent("problems.txt")
        let summary = scratch.appendingPathComponent("summary.txt")
        try JSONSerialization.data(withJSONObject: items).write(to: input)
        FileManager.default.createFile(atPath: output.path, contents: nil)
        FileManager.default.createFile(atPath: summary.path, contents: nil)

        // Files, not pipes: a pipe end inherited by some other child could keep a read waiting.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("scripts/validate-hsds.py").path, input.path]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: summary)
        try process.run()
        process.waitUntilExit()
        let problems = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map(String.init)
        let said = try String(contentsOf: summary, encoding: .utf8)
        guard process.terminationStatus == 0 || !problems.isEmpty else {
            throw ValidatorFailure(description: "the validator failed: \(said)")
        }
        let checked = Int(said.split(separator: " ").first ?? "") ?? 0
        return (checked, problems)
    }

    struct ValidatorFailure: Error, CustomStringConvertible {
        let description: String
    }
}
