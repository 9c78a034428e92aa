import Foundation
import HTTPTypes
import HavenCore
import HavenStorage
import HavenTestSupport
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@Suite("Services over HTTP")
struct ServiceCurationTests {
    struct World {
        let fixture: AccessFixture
        let organization: UUID
        let openLocation: UUID
        let shelter: UUID
    }

    /// Reference data, the access fixture, an organization, an ordinary location and a
    /// confidential one (a shelter).
    static func world(_ database: TestDatabase) async throws -> World {
        try await database.withClient { client in
            let logger = database.logger
            let fixture = try await AccessFixture.make(on: client, logger: logger)
            let organization = UUID()
            let openLocation = UUID()
            let shelter = UUID()
            try await client.transaction(logger: logger) { connection in
                try await OrganizationRepository(logger: logger).save(
                    id: organization, OrganizationDraft(name: "Demo Youth Services"), on: connection)
                var office = LocationDraft(locationType: "physical")
                office.organizationID = organization
                office.name = "Drop-in office"
                (office.latitude, office.longitude) = (41.92, -87.65)
                office.address = AddressDraft(
                    address1: "100 Example Ave", city: "Chicago", state: "IL", postalCode: ZIPCode("60614")!,
                    country: "US")
                try await LocationRepository(logger: logger).save(id: openLocation, office, on: connection)
                var safeHouse = office
                safeHouse.name = "Safe house"
                safeHouse.confidential = true
                safeHouse.intakePhone = "+13125550190"
                (safeHouse.latitude, safeHouse.longitude) = (41.9401, -87.6702)
                safeHouse.address = AddressDraft(
                    address1: "742 Hidden Lane", city: "Chicago", state: "IL", postalCode: ZIPCode("60657")!,
                    country: "US")
                try await LocationRepository(logger: logger).save(id: shelter, safeHouse, on: connection)
            }
            return World(fixture: fixture, organization: organization, openLocation: openLocation, shelter: shelter)
        }
    }

    /// A service at the world's drop-in office, written as a seed or import would.
    static func legalClinic(_ world: World, _ database: TestDatabase) async throws -> UUID {
        let service = UUID()
        try await database.withClient { client in
            try await client.transaction(logger: database.logger) { connection in
                var draft = ServiceDraft(organizationID: world.organization, name: "Demo youth legal clinic")
                (draft.needs, draft.locationIDs) = (["legal"], [world.openLocation])
                try await ServiceRepository(logger: database.logger).save(id: service, draft, on: connection)
            }
        }
        return service
    }

    static func body(_ world: World, name: String = "Emergency shelter for youth") -> String {
        """
        {
          "organization_id": "\(world.organization.uuidString.lowercased())",
          "name": "\(name)",
          "description": "Beds and case management for young people with no safe place to stay.",
          "minimum_age": 12, "maximum_age": 17,
          "needs": ["housing.youth-shelter", "safety.safety-planning"],
          "audiences": ["youth"],
          "languages": ["en", "es"],
          "phones": [{"number": "+13125550142", "type": "voice"}],
          "schedule": {"time_zone": "America/Chicago",
                       "hours": [{"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "21:00"}],
                       "exceptions": [{"starts_on": "2026-12-25", "closed": true, "reason": "Holiday"}]},
          "service_areas": [{"kind": "zip", "zip_codes": ["60614", "60657"]}, {"kind": "radius", "radius_km": 15}],
          "cost_options": [{"option": "Free", "amount": 0, "currency": "USD"}],
          "location_ids": ["\(world.openLocation.uuidString.lowercased())", "\(world.shelter.uuidString.lowercased())"]
        }
        """
    }

    /// Where a location appears in an answer.
    enum Shape {
        case service, serviceList, location, locationList
        /// Answers that carry no location at all (organizations).
        case none

        func shelter(in json: [String: Any], id: String) -> [String: Any]? {
            let list = json["data"] as? [[String: Any]] ?? []
            switch self {
            case .none: return nil
            case .location: return json
            case .locationList: return list.first { $0["id"] as? String == id }
            case .service, .serviceList:
                let services = self == .service ? [json] : list
                return services.compactMap { $0["locations"] as? [[String: Any]] }.joined()
                    .first { $0["id"] as? String == id }
            }
        }
    }

    static func headers(_ token: String, json: Bool = false) -> HTTPFields {
        var fields: HTTPFields = [.authorization: "Bearer \(token)"]
        if json { fields[.contentType] = "application/json" }
        return fields
    }

    @Test("a curator adds a service with hours and service areas, reads it back, and edits it with If-Match")
    func createReadReplace() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await Self.world(database)
            let curator = try #require(world.fixture.members[.curator]).token
            try await ServerHarness.withServer(database: database) { client in
                let created = try await client.execute(
                    uri: "/v1/services", method: .post, headers: Self.headers(curator, json: true),
                    body: ByteBuffer(string: Self.body(world)))
                #expect(created.status == .created)
                #expect(created.headers[.eTag] == #""v1""#)
                let id = try #require(created.json["id"] as? String)

                let read = try await client.execute(
                    uri: "/v1/services/\(id)", method: .get, headers: Self.headers(curator))
                #expect(read.status == .ok)
                let service = read.json
                #expect(service["name"] as? String == "Emergency shelter for youth")
                #expect(service["needs"] as? [String] == ["housing.youth-shelter", "safety.safety-planning"])
                #expect(service["languages"] as? [String] == ["en", "es"])
                #expect(service["minimum_age"] as? Int == 12)
                let schedule = try #require(service["schedule"] as? [String: Any])
                #expect(schedule["time_zone"] as? String == "America/Chicago")
                let hours = try #require(schedule["hours"] as? [[String: Any]])
                #expect(hours.first?["byday"] as? String == "MO,TU,WE,TH,FR")
                #expect(hours.first?["closes_at"] as? String == "21:00")
                #expect((schedule["exceptions"] as? [[String: Any]])?.first?["starts_on"] as? String == "2026-12-25")
                let areas = try #require(service["service_areas"] as? [[String: Any]])
                #expect(Set(areas.compactMap { $0["kind"] as? String }) == ["zip", "radius"])
                #expect(service["stale"] as? Bool == true, "never verified")

                let unconditional = try await client.execute(
                    uri: "/v1/services/\(id)", method: .put, headers: Self.headers(curator, json: true),
                    body: ByteBuffer(string: Self.body(world, name: "Renamed")))
                expectProblem(unconditional, .preconditionRequired)

                var stale = Self.headers(curator, json: true)
                stale[.ifMatch] = #""v7""#
                let conflicting = try await client.execute(
                    uri: "/v1/services/\(id)", method: .put, headers: stale,
                    body: ByteBuffer(string: Self.body(world, name: "Renamed")))
                expectProblem(conflicting, .preconditionFailed)

                var current = Self.headers(curator, json: true)
                current[.ifMatch] = try #require(read.headers[.eTag])
                let replaced = try await client.execute(
                    uri: "/v1/services/\(id)", method: .put, headers: current,
                    body: ByteBuffer(string: Self.body(world, name: "Emergency shelter for young people")))
                #expect(replaced.status == .ok)
                #expect(replaced.json["name"] as? String == "Emergency shelter for young people")
                #expect(replaced.headers[.eTag] != read.headers[.eTag])

                let verified = try await client.execute(
                    uri: "/v1/services/\(id)/verify", method: .post, headers: Self.headers(curator))
                #expect(verified.status == .ok)
                #expect(verified.json["stale"] as? Bool == false)
                #expect(verified.json["verified_by"] as? String == world.fixture.members[.curator]?.user.name)

                let retired = try await client.execute(
                    uri: "/v1/services/\(id)", method: .delete, headers: Self.headers(curator))
                #expect(retired.status == .noContent)
                let list = try await client.execute(uri: "/v1/services", method: .get, headers: Self.headers(curator))
                let ids = (list.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
                #expect(!ids.contains(id), "a retired service leaves the directory")

                // An edit of a retired service is refused, not "saved" into history.
                let history = try await client.execute(
                    uri: "/v1/services/\(id)", method: .get, headers: Self.headers(curator))
                var afterRetirement = Self.headers(curator, json: true)
                afterRetirement[.ifMatch] = try #require(history.headers[.eTag])
                let late = try await client.execute(
                    uri: "/v1/services/\(id)", method: .put, headers: afterRetirement,
                    body: ByteBuffer(string: Self.body(world, name: "Edited after retirement")))
                expectProblem(late, .conflict, type: "urn:haven:problem:conflict")
                #expect((late.json["detail"] as? String)?.contains("was retired on") == true)
                let kept = try await client.execute(
                    uri: "/v1/services/\(id)", method: .get, headers: Self.headers(curator))
                #expect(kept.json["name"] as? String == "Emergency shelter for young people")
                #expect(kept.headers[.eTag] == history.headers[.eTag])
            }
        }
    }

    @Test("bad input is answered with every bad field at once, and nothing is written")
    func invalidInputChangesNothing() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await Self.world(database)
            let curator = try #require(world.fixture.members[.curator]).token
            try await ServerHarness.withServer(database: database) { client in
                let bad = """
                    {"organization_id": "\(UUID().uuidString)", "name": "",
                     "minimum_age": 18, "maximum_age": 12, "needs": ["housing.castles"], "languages": ["klingon"],
                     "schedule": {"time_zone": "Mars/Olympus", "hours": [{"byday": "MO", "opens_at": "9", "closes_at": "17:00"}]},
                     "service_areas": [{"kind": "radius", "radius_km": -3}]}
                    """
                let response = try await client.execute(
                    uri: "/v1/services", method: .post, headers: Self.headers(curator, json: true),
                    body: ByteBuffer(string: bad))
                expectProblem(response, .unprocessableContent, type: "urn:haven:problem:validation")
                let pointers = Set(
                    (response.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? [])
                #expect(
                    pointers.isSuperset(of: [
                        "/name", "/maximum_age", "/languages/0", "/schedule/time_zone", "/schedule/hours/0/opens_at",
                        "/service_areas/0/radius_km",
                    ]), "\(pointers)")

                // Only the database knows these: an organization and taxonomy codes that do not
                // exist, and a "polygon" of two points, which would cover no one.
                let unknown = """
                    {"organization_id": "\(UUID().uuidString)", "name": "Somewhere", "needs": ["housing.castles"],
                     "service_areas": [{"kind": "national"}, {"kind": "county", "counties": ["IL:Cook Count"]},
                                       {"kind": "zip", "zip_codes": ["60614", "00001"]},
                                       {"kind": "polygon", "extent": "{\\"type\\": \\"Polygon\\", \\"coordinates\\": [[[-87.7, 41.8], [-87.6, 41.9], [-87.7, 41.8]]]}"}]}
                    """
                let missing = try await client.execute(
                    uri: "/v1/services", method: .post, headers: Self.headers(curator, json: true),
                    body: ByteBuffer(string: unknown))
                expectProblem(missing, .unprocessableContent, type: "urn:haven:problem:validation")
                let missingPointers = (missing.json["errors"] as? [[String: Any]])?.compactMap {
                    $0["pointer"] as? String
                }
                #expect(
                    Set(missingPointers ?? []) == [
                        "/organization_id", "/needs/0", "/service_areas/1/counties/0", "/service_areas/2/zip_codes/1",
                        "/service_areas/3/extent",
                    ])

                let extraField = try await client.execute(
                    uri: "/v1/services", method: .post, headers: Self.headers(curator, json: true),
                    body: ByteBuffer(
                        string: #"{"organization_id": "\#(world.organization)", "name": "X", "colour": "blue"}"#))
                #expect(extraField.status == .unprocessableContent)
            }
            let services = try await database.withClient { client in
                var total = 0
                for try await value in try await client.query(
                    "SELECT count(*)::int FROM services", logger: database.logger
                )
                .decode(Int.self) { total = value }
                return total
            }
            #expect(services == 0, "no failed request wrote a service")
        }
    }

    @Test("a confidential location's address and exact point reach curators and admins only, on every endpoint")
    func confidentialLocations() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await Self.world(database)
            let curator = try #require(world.fixture.members[.curator]).token
            try await ServerHarness.withServer(database: database) { client in
                let created = try await client.execute(
                    uri: "/v1/services", method: .post, headers: Self.headers(curator, json: true),
                    body: ByteBuffer(string: Self.body(world)))
                let id = try #require(created.json["id"] as? String)
                let shelter = world.shelter.uuidString.lowercased()

                for role in Role.allCases {
                    let token = try #require(world.fixture.members[role]).token
                    // Each endpoint, and where the shelter sits in its answer.
                    let endpoints: [(String, Shape)] = [
                        ("/v1/services/\(id)", .service), ("/v1/services", .serviceList),
                        ("/v1/services?organization_id=\(world.organization)", .serviceList),
                        ("/v1/locations/\(shelter)", .location), ("/v1/locations", .locationList),
                        ("/v1/locations?confidential=true", .locationList),
                        ("/v1/locations?organization_id=\(world.organization)", .locationList),
                        ("/v1/organizations/\(world.organization)", .none), ("/v1/organizations", .none),
                        ("/v1/crisis-contacts", .none), ("/v1/places/60657", .none),
                        ("/v1/needs?within=housing", .none),
                    ]
                    for (uri, shape) in endpoints {
                        let response = try await client.execute(uri: uri, method: .get, headers: Self.headers(token))
                        #expect(response.status == .ok)
                        let text = String(buffer: response.body)
                        let privileged = role == .curator || role == .admin
                        // Organization answers carry no location, so no address for anyone.
                        let shown = privileged && shape != .none
                        #expect(text.contains("742 Hidden Lane") == shown, "\(role) \(uri)")
                        #expect(text.contains("41.9401") == shown, "\(role) \(uri): exact latitude")
                        guard shape != .none else { continue }
                        #expect(text.contains("+13125550190"), "\(role) \(uri): the intake phone is always shown")
                        let location = shape.shelter(in: response.json, id: shelter)
                        #expect(location?["approximate"] as? Bool == !privileged, "\(role) \(uri)")
                    }
                }
            }
        }
    }

    @Test("organizations and locations: created, validated field by field, replaced only with the current ETag")
    func organizationsAndLocations() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await Self.world(database)
            let curator = try #require(world.fixture.members[.curator]).token
            let advocate = try #require(world.fixture.members[.advocate]).token
            try await ServerHarness.withServer(database: database) { client in
                let organization = try await client.execute(
                    uri: "/v1/organizations", method: .post, headers: Self.headers(curator, json: true),
                    body: ByteBuffer(
                        string: #"{"name": "Demo Family Resource Center", "website": "https://demo.example.org"}"#))
                #expect(organization.status == .created)
                let organizationID = try #require(organization.json["id"] as? String)

                let advocateWrite = try await client.execute(
                    uri: "/v1/organizations", method: .post, headers: Self.headers(advocate, json: true),
                    body: ByteBuffer(string: #"{"name": "Not allowed"}"#))
                expectProblem(advocateWrite, .forbidden)

                let badLocation = try await client.execute(
                    uri: "/v1/locations", method: .post, headers: Self.headers(curator, json: true),
                    body: ByteBuffer(
                        string:
                            #"{"organization_id": "\#(organizationID)", "latitude": 95, "longitude": -87.6, "confidential": true, "time_zone": "Chicago"}"#
                    ))
                expectProblem(badLocation, .unprocessableContent, type: "urn:haven:problem:validation")
                let pointers = Set(
                    (badLocation.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? [])
                #expect(pointers == ["/latitude", "/intake_phone", "/time_zone"])

                let location = try await client.execute(
                    uri: "/v1/locations", method: .post, headers: Self.headers(curator, json: true),
                    body: ByteBuffer(
                        string:
                            #"{"organization_id": "\#(organizationID)", "name": "Main office", "latitude": 41.88, "longitude": -87.63}"#
                    ))
                #expect(location.status == .created)
                #expect(location.json["time_zone"] as? String == "America/Chicago", "taken from the nearest ZIP code")

                // A point in the ocean, and a Chicago address at Houston's coordinates.
                for misplaced in [
                    #"{"organization_id": "\#(organizationID)", "name": "Nowhere", "latitude": 0, "longitude": 0}"#,
                    #"{"organization_id": "\#(organizationID)", "name": "Mixed up", "latitude": 29.76, "longitude": -95.37, "address": {"address_1": "100 Example Ave", "city": "Chicago", "state_province": "IL", "postal_code": "60614", "country": "US"}}"#,
                ] {
                    let refused = try await client.execute(
                        uri: "/v1/locations", method: .post, headers: Self.headers(curator, json: true),
                        body: ByteBuffer(string: misplaced))
                    expectProblem(refused, .unprocessableContent, type: "urn:haven:problem:validation")
                    let detail = (refused.json["errors"] as? [[String: Any]])?.first
                    #expect(detail?["pointer"] as? String == "/latitude")
                    #expect(
                        (detail?["detail"] as? String)?.contains(" km from ") == true, "\(String(describing: detail))")
                }

                // Los Angeles time for a Chicago office would show it open two hours after it closed.
                let wrongZone = try await client.execute(
                    uri: "/v1/locations", method: .post, headers: Self.headers(curator, json: true),
                    body: ByteBuffer(
                        string:
                            #"{"organization_id": "\#(organizationID)", "name": "Wrong clock", "latitude": 41.88, "longitude": -87.63, "time_zone": "America/Los_Angeles"}"#
                    ))
                expectProblem(wrongZone, .unprocessableContent, type: "urn:haven:problem:validation")
                let zoneError = (wrongZone.json["errors"] as? [[String: Any]])?.first
                #expect(zoneError?["pointer"] as? String == "/time_zone")
                #expect((zoneError?["detail"] as? String)?.contains("America/Chicago") == true)

                let read = try await client.execute(
                    uri: "/v1/organizations/\(organizationID)", method: .get, headers: Self.headers(advocate))
                #expect(read.json["location_count"] as? Int == 1)
                var current = Self.headers(curator, json: true)
                current[.ifMatch] = try #require(read.headers[.eTag])
                let renamed = try await client.execute(
                    uri: "/v1/organizations/\(organizationID)", method: .put, headers: current,
                    body: ByteBuffer(string: #"{"name": "Demo Family Resource Center of Chicago"}"#))
                #expect(renamed.status == .ok)
                let again = try await client.execute(
                    uri: "/v1/organizations/\(organizationID)", method: .put, headers: current,
                    body: ByteBuffer(string: #"{"name": "A stale edit"}"#))
                expectProblem(again, .preconditionFailed)
            }
        }
    }

    @Test("a service's ETag and the HSDS sync follow an edit of its location, and a sync hears of its retirement")
    func changesPartnersSee() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await Self.world(database)
            let service = try await Self.legalClinic(world, database)
            let since = try await database.withClient { client in
                var text = ""
                for try await value in try await client.query(
                    "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
                    logger: database.logger
                ).decode(String.self) { text = value }
                return text
            }
            let curator = try #require(world.fixture.members[.curator]).token
            let partner = try #require(world.fixture.members[.partner]).token
            let id = service.uuidString.lowercased()
            let location = world.openLocation.uuidString.lowercased()
            try await ServerHarness.withServer(database: database) { client in
                func sync() async throws -> [[String: Any]] {
                    let page = try await client.execute(
                        uri: "/hsds/services?modified_after=\(since)&per_page=500", method: .get,
                        headers: Self.headers(partner))
                    #expect(page.status == .ok)
                    return page.json["contents"] as? [[String: Any]] ?? []
                }
                #expect(try await sync().isEmpty)
                let before = try await client.execute(
                    uri: "/v1/services/\(id)", method: .get, headers: Self.headers(curator))
                let tag = try #require(before.headers[.eTag])

                let office = try await client.execute(
                    uri: "/v1/locations/\(location)", method: .get, headers: Self.headers(curator))
                var edit = Self.headers(curator, json: true)
                edit[.ifMatch] = try #require(office.headers[.eTag])
                let moved = try await client.execute(
                    uri: "/v1/locations/\(location)", method: .put, headers: edit,
                    body: ByteBuffer(
                        string:
                            #"{"organization_id": "\#(world.organization.uuidString.lowercased())", "name": "Drop-in office, north entrance", "latitude": 41.93, "longitude": -87.65}"#
                    ))
                #expect(moved.status == .ok)

                // The service's document shows the location, so it is a new version.
                var conditional = Self.headers(curator)
                conditional[.ifNoneMatch] = tag
                let after = try await client.execute(uri: "/v1/services/\(id)", method: .get, headers: conditional)
                #expect(after.status == .ok)
                #expect(after.headers[.eTag] != tag)
                #expect(String(buffer: after.body).contains("north entrance"))
                #expect(try await sync().map { $0["id"] as? String } == [id])

                let retired = try await client.execute(
                    uri: "/v1/services/\(id)", method: .delete, headers: Self.headers(curator))
                #expect(retired.status == .noContent)
                let tombstone = try #require(try await sync().first)
                #expect(tombstone["id"] as? String == id)
                #expect(tombstone["status"] as? String == "defunct")
                #expect(Set(tombstone.keys) == ["id", "name", "status", "last_modified"])
                // Outside a sync, a retired service is simply gone.
                let listed = try await client.execute(
                    uri: "/hsds/services?organization_id=\(world.organization.uuidString.lowercased())", method: .get,
                    headers: Self.headers(partner))
                #expect(listed.json["total_items"] as? Int == 0)
            }
        }
    }

    @Test("retiring an organization takes its services out of the directory, search and the HSDS API")
    func retiringAnOrganization() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await Self.world(database)
            let service = try await Self.legalClinic(world, database)
            let curator = try #require(world.fixture.members[.curator]).token
            let partner = try #require(world.fixture.members[.partner]).token
            try await ServerHarness.withServer(database: database) { client in
                func found() async throws -> [String] {
                    SearchTests.names(
                        try await client.execute(
                            uri: "/v1/search/services?zip=60614&needs=legal", method: .get,
                            headers: Self.headers(curator)))
                }
                #expect(try await found() == ["Demo youth legal clinic"])
                let retired = try await client.execute(
                    uri: "/v1/organizations/\(world.organization.uuidString.lowercased())", method: .delete,
                    headers: Self.headers(curator))
                #expect(retired.status == .noContent)
                #expect(try await found().isEmpty)
                let record = try await client.execute(
                    uri: "/v1/services/\(service.uuidString.lowercased())", method: .get, headers: Self.headers(curator)
                )
                #expect(record.json["retired_at"] as? String != nil)
                let hsds = try await client.execute(
                    uri: "/hsds/services?organization_id=\(world.organization.uuidString.lowercased())", method: .get,
                    headers: Self.headers(partner))
                #expect(hsds.status == .ok)
                #expect(hsds.json["total_items"] as? Int == 0)
                let location = try await client.execute(
                    uri: "/v1/locations/\(world.openLocation.uuidString.lowercased())", method: .get,
                    headers: Self.headers(curator))
                #expect(location.json["retired_at"] as? String != nil)
            }
        }
    }
}
