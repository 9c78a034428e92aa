import Foundation
import HTTPTypes
import HavenCore
import HavenStorage
import HavenTestSupport
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import HavenServer

@Suite("Service search over HTTP")
struct SearchTests {
    /// Services placed around ZIP 60614 (Chicago, 41.9229 N, 87.6483 W), each with one thing
    /// that sets it apart.
    struct World {
        let fixture: AccessFixture
        let ids: [String: String]
    }

    static func world(_ database: TestDatabase) async throws -> World {
        try await database.withClient { client in
            let logger = database.logger
            let fixture = try await AccessFixture.make(on: client, logger: logger)
            var ids: [String: String] = [:]
            try await client.transaction(logger: logger) { connection in
                let organization = UUID()
                try await OrganizationRepository(logger: logger).save(
                    id: organization, OrganizationDraft(name: "Demo Search Organization"), on: connection)
                // One degree of latitude is about 111 km.
                func add(
                    _ name: String, northKm: Double?, needs: [String],
                    configure: (inout ServiceDraft) -> Void = { _ in }
                ) async throws {
                    let service = UUID()
                    var draft = ServiceDraft(organizationID: organization, name: name)
                    draft.needs = needs
                    if let northKm {
                        let location = UUID()
                        var office = LocationDraft(locationType: "physical")
                        office.organizationID = organization
                        (office.latitude, office.longitude) = (41.9229 + northKm / 111.0, -87.6483)
                        try await LocationRepository(logger: logger).save(id: location, office, on: connection)
                        draft.locationIDs = [location]
                    }
                    configure(&draft)
                    try await ServiceRepository(logger: logger).save(id: service, draft, on: connection)
                    try await DirectoryRecords(logger: logger).markVerified(
                        .service, id: service, at: Date(), by: "tests", on: connection)
                    ids[name] = service.uuidString.lowercased()
                }
                try await add("Near counseling", northKm: 5, needs: ["mental-health.trauma-therapy"])
                try await add("Far counseling", northKm: 30, needs: ["mental-health.trauma-therapy"])
                try await add("Spanish legal help", northKm: 3, needs: ["legal.family-law"]) { $0.languages = ["es"] }
                try await add("Teen group", northKm: 2, needs: ["peer-support.support-group"]) {
                    ($0.minimumAge, $0.maximumAge) = (13, 17)
                }
                try await add("Closed shelter", northKm: 1, needs: ["housing.youth-shelter"]) {
                    $0.status = .temporarilyClosed
                }
                try await add("National line", northKm: nil, needs: ["safety.crisis-line"]) {
                    $0.serviceAreas = [.national]
                    $0.schedule = WeeklySchedule(timeZone: "America/New_York", alwaysOpen: true, hours: [])
                }
                try await add("Cook County program", northKm: nil, needs: ["victim-services.advocacy"]) {
                    $0.serviceAreas = [.counties(["IL:Cook County"])]
                }
                try await add("Evening clinic", northKm: 4, needs: ["medical.primary-care"]) {
                    $0.schedule = WeeklySchedule(
                        timeZone: "America/Chicago", alwaysOpen: false,
                        hours: [OpeningHours(days: [.monday], opens: LocalTime("18:00")!, closes: LocalTime("22:00")!)],
                        exceptions: [
                            ScheduleException(
                                startsOn: CalendarDate("2026-12-28")!, endsOn: CalendarDate("2026-12-28")!, closed: true
                            )
                        ])
                }
            }
            return World(fixture: fixture, ids: ids)
        }
    }

    static func names(_ response: TestResponse) -> [String] {
        (response.json["data"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
    }

    @Test("distance, service areas, parent needs, language, age, status, hours and typos each shape the results")
    func results() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await Self.world(database)
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(world.fixture.members[.advocate]).token)"]
            try await ServerHarness.withServer(database: database) { client in
                func search(_ query: String) async throws -> TestResponse {
                    let response = try await client.execute(
                        uri: "/v1/search/services?\(query)", method: .get, headers: headers)
                    #expect(response.status == .ok, "\(query)")
                    return response
                }

                // A parent need finds child-coded services; nearer ranks first, with reasons.
                let counseling = try await search("zip=60614&needs=mental-health")
                #expect(Self.names(counseling) == ["Near counseling", "Far counseling"])
                let first = (counseling.json["data"] as? [[String: Any]])?.first
                let reasons = (first?["match"] as? [String: Any])?["reasons"] as? [String] ?? []
                #expect(reasons.contains("5.0 km away"))
                // Every service here was verified just now, after it was saved.
                #expect(first?["stale"] as? Bool == false)
                #expect(!reasons.contains("details not verified in the last year"))

                // A national hotline for any ZIP; a county program only inside its county.
                #expect(Self.names(try await search("zip=60614&needs=safety")) == ["National line"])
                #expect(Self.names(try await search("zip=90001&needs=safety")) == ["National line"])
                #expect(Self.names(try await search("zip=60614&needs=victim-services")) == ["Cook County program"])
                #expect(
                    Self.names(try await search("zip=60540&needs=victim-services")).isEmpty,
                    "Naperville is in DuPage County")
                let far = try await search("zip=90001&needs=mental-health")
                #expect(Self.names(far).isEmpty, "nothing within 40 km of Los Angeles")

                // Language and age filters.
                let legal = Self.names(try await search("zip=60614&needs=legal&language=es"))
                #expect(legal == ["Spanish legal help"])
                #expect(Self.names(try await search("zip=60614&needs=legal&language=fr")).isEmpty)
                #expect(Self.names(try await search("zip=60614&needs=peer-support&age=15")) == ["Teen group"])
                #expect(Self.names(try await search("zip=60614&needs=peer-support&age=9")).isEmpty)

                // Temporarily closed services only when asked.
                #expect(Self.names(try await search("zip=60614&needs=housing")).isEmpty)
                #expect(
                    Self.names(try await search("zip=60614&needs=housing&include_closed=true")) == ["Closed shelter"])

                // Open at a moment, in the service's own time zone, with a holiday exception.
                // Monday 2026-12-21 19:00 Chicago is 01:00 UTC on Tuesday.
                #expect(
                    Self.names(try await search("zip=60614&needs=medical&open_at=2026-12-22T01:00:00Z")) == [
                        "Evening clinic"
                    ])
                #expect(Self.names(try await search("zip=60614&needs=medical&open_at=2026-12-21T23:00:00Z")).isEmpty)
                #expect(
                    Self.names(try await search("zip=60614&needs=medical&open_at=2026-12-29T01:00:00Z")).isEmpty,
                    "closed on the holiday")

                // A misspelling still finds counseling.
                #expect(Self.names(try await search("zip=60614&q=councelling")).contains("Near counseling"))
            }
        }
    }

    @Test("paging returns every result exactly once, and malformed parameters are named in one 422")
    func pagingAndErrors() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await Self.world(database)
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(world.fixture.members[.partner]).token)"]
            try await ServerHarness.withServer(database: database) { client in
                let all = try await client.execute(
                    uri: "/v1/search/services?zip=60614&limit=100&include_closed=true", method: .get, headers: headers)
                let everything = Self.names(all)
                #expect(everything.count == world.ids.count)

                var seen: [String] = []
                var cursor: String?
                repeat {
                    let page = try await client.execute(
                        uri: "/v1/search/services?zip=60614&limit=3&include_closed=true"
                            + (cursor.map { "&cursor=\($0)" } ?? ""),
                        method: .get, headers: headers)
                    seen += Self.names(page)
                    cursor = page.json["next_cursor"] as? String
                    if cursor == nil { #expect(page.json["next_cursor"] is NSNull, "the last page says null") }
                } while cursor != nil && seen.count < 50
                #expect(seen == everything, "the same order, every result once")

                let bad = try await client.execute(
                    uri:
                        "/v1/search/services?zip=6061&radius_km=0&age=old&language=xx&needs=Not%20A%20Code&open_now=maybe",
                    method: .get, headers: headers)
                expectProblem(bad, .unprocessableContent, type: "urn:haven:problem:validation")
                let pointers = Set(
                    (bad.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? [])
                #expect(pointers == ["/zip", "/radius_km", "/age", "/language", "/needs", "/open_now"])

                let unknownNeed = try await client.execute(
                    uri: "/v1/search/services?zip=60614&needs=housing.castles", method: .get, headers: headers)
                expectProblem(unknownNeed, .unprocessableContent, type: "urn:haven:problem:validation")
            }
        }
    }

    @Test("the hand-written page and the generated handler's page are the same bytes")
    func bothWritersAgree() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await Self.world(database)
            let token = try #require(world.fixture.members[.curator]).token
            try await ServerHarness.withServer(database: database) { client in
                for query in [
                    "zip=60614&limit=100&include_closed=true", "zip=60614&needs=mental-health&needs=legal&language=es",
                    "zip=60614&q=councelling&limit=2", "zip=60614&needs=medical&open_at=2026-12-22T01:00:00Z",
                ] {
                    let written = try await client.execute(
                        uri: "/v1/search/services?\(query)", method: .get, headers: [.authorization: "Bearer \(token)"])
                    // A weighted Accept is negotiated by the generated code, so it answers this one.
                    let generated = try await client.execute(
                        uri: "/v1/search/services?\(query)", method: .get,
                        headers: [.authorization: "Bearer \(token)", .accept: "application/json;q=1"])
                    #expect(written.status == .ok && generated.status == .ok, "\(query)")
                    #expect(!Self.names(written).isEmpty, "\(query)")
                    #expect(written.body == generated.body, "\(query)")
                    #expect(written.headers[.contentType] == generated.headers[.contentType])
                }
                // A malformed typed parameter is the generated code's to refuse; the refusal names
                // it, like every other bad parameter, on either writer's path.
                for accept in ["application/json", "application/json;q=1"] {
                    let malformed = try await client.execute(
                        uri: "/v1/search/services?zip=60614&limit=ten", method: .get,
                        headers: [.authorization: "Bearer \(token)", .accept: accept])
                    expectProblem(malformed, .unprocessableContent, type: "urn:haven:problem:validation")
                    let named = (malformed.json["errors"] as? [[String: Any]])?.first
                    #expect(named?["pointer"] as? String == "/limit")
                    #expect(named?["detail"] as? String == "must be a whole number")
                }
                // Out of range, forged, on another list, or a NUL (which PostgreSQL's text cannot
                // hold): each refused by name.
                for (uri, pointer) in [
                    ("/v1/search/services?zip=60614&limit=0", "/limit"),
                    ("/v1/search/services?zip=60614&limit=101", "/limit"),
                    ("/v1/search/services?zip=60614&cursor=bm90LWEtY3Vyc29y", "/cursor"),
                    ("/v1/services?limit=abc", "/limit"),
                    ("/v1/search/services?zip=60614&q=coun%00seling", "/q"),
                ] {
                    let refused = try await client.execute(
                        uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
                    expectProblem(refused, .unprocessableContent, type: "urn:haven:problem:validation")
                    #expect(
                        (refused.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == pointer, "\(uri)")
                }
                // A browser's toISOString() (milliseconds) is a moment like any other.
                let millis = try await client.execute(
                    uri: "/v1/search/services?zip=60614&needs=medical&open_at=2026-12-22T01:00:00.000Z", method: .get,
                    headers: [.authorization: "Bearer \(token)"])
                #expect(millis.status == .ok)
                #expect(
                    Self.names(millis)
                        == Self.names(
                            try await client.execute(
                                uri: "/v1/search/services?zip=60614&needs=medical&open_at=2026-12-22T01:00:00Z",
                                method: .get, headers: [.authorization: "Bearer \(token)"])))
                let anonymous = try await client.execute(uri: "/v1/search/services?zip=60614", method: .get)
                expectProblem(anonymous, .unauthorized)
            }
        }
    }

    @Test("search rows carry each service's current facts through edits, verifications and renames")
    func factsFollowTheDirectory() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await Self.world(database)
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(world.fixture.members[.advocate]).token)"]
            let near = try #require(UUID(uuidString: world.ids["Near counseling"] ?? ""))
            let legal = try #require(UUID(uuidString: world.ids["Spanish legal help"] ?? ""))
            try await ServerHarness.withServer(database: database) { client in
                func results(_ query: String) async throws -> [[String: Any]] {
                    let response = try await client.execute(
                        uri: "/v1/search/services?zip=60614&\(query)", method: .get, headers: headers)
                    #expect(response.status == .ok, "\(query)")
                    return response.json["data"] as? [[String: Any]] ?? []
                }
                #expect(try await results("needs=mental-health").first?["stale"] as? Bool == false)
                #expect(
                    try await results("needs=legal").first?["organization_name"] as? String
                        == "Demo Search Organization")

                try await database.withClient { client in
                    let logger = database.logger
                    let index = SearchIndex(logger: logger)
                    try await client.withConnection { connection in
                        // Verified long ago: only the facts are refreshed, as after a verification.
                        try await connection.query(
                            "UPDATE services SET last_verified_at = now() - interval '3 years' WHERE id = \(near)",
                            logger: logger)
                        try await index.refreshFacts(service: near, on: connection)
                        // Out of service: the whole search entry is rebuilt, as after an edit.
                        try await connection.query(
                            "UPDATE services SET status = 'inactive' WHERE id = \(legal)", logger: logger)
                        try await index.refresh(service: legal, on: connection)
                        let organization = try #require(
                            try await connection.query(
                                "SELECT organization_id FROM services WHERE id = \(near)", logger: logger
                            ).collect().first?.decode(UUID.self))
                        try await connection.query(
                            "UPDATE organizations SET name = 'Demo Renamed Organization' WHERE id = \(organization)",
                            logger: logger)
                        try await index.refresh(servicesOf: organization, on: connection)
                        // Every search row holds exactly the facts of its service.
                        for table in ["search_points", "search_area_keys", "search_area_shapes"] {
                            let drift = try await connection.query(
                                PostgresQuery(
                                    unsafeSQL: """
                                        SELECT count(*) FROM \(table) r JOIN search_services f USING (service_id)
                                        WHERE r.facts IS DISTINCT FROM search_facts_of(f)
                                        """), logger: logger
                            ).collect().first?.decode(Int.self)
                            #expect(drift == 0, "\(table)")
                        }
                    }
                }

                let counseling = try await results("needs=mental-health")
                #expect(counseling.first?["name"] as? String == "Near counseling")
                #expect(counseling.first?["stale"] as? Bool == true)
                #expect(counseling.first?["organization_name"] as? String == "Demo Renamed Organization")
                #expect(
                    try await results("needs=mental-health&include_stale=false").compactMap { $0["name"] as? String }
                        == ["Far counseling"])
                #expect(try await results("needs=legal").isEmpty)
                #expect(try await results("needs=legal&include_closed=true").first?["status"] as? String == "inactive")
            }
        }
    }

    /// One demo service for `directory(_:organization:services:)`: an office `northKm` north of
    /// ZIP 60614's centre (none when nil), meeting "legal" unless `configure` says otherwise.
    struct DemoService: Sendable {
        var id = UUID()
        let name: String
        let northKm: Double?
        /// Offices 100 m apart, northwards from `northKm`.
        var offices = 1
        var configure: @Sendable (inout ServiceDraft) -> Void = { _ in }
    }

    /// The access fixture and one organization's demo services, in one transaction.
    static func directory(_ database: TestDatabase, organization name: String, services: [DemoService]) async throws
        -> AccessFixture
    {
        try await database.withClient { client in
            let logger = database.logger
            let fixture = try await AccessFixture.make(on: client, logger: logger)
            try await client.transaction(logger: logger) { connection in
                let organization = UUID()
                try await OrganizationRepository(logger: logger).save(
                    id: organization, OrganizationDraft(name: name), on: connection)
                for service in services {
                    var draft = ServiceDraft(organizationID: organization, name: service.name)
                    draft.needs = ["legal"]
                    if let northKm = service.northKm {
                        draft.locationIDs = []
                        for number in 0..<service.offices {
                            let location = UUID()
                            var office = LocationDraft(locationType: "physical")
                            office.organizationID = organization
                            let km = northKm + Double(number) * 0.1
                            (office.latitude, office.longitude) = (41.9229 + km / 111.0, -87.6483)
                            try await LocationRepository(logger: logger).save(id: location, office, on: connection)
                            draft.locationIDs.append(location)
                        }
                    }
                    service.configure(&draft)
                    try await ServiceRepository(logger: logger).save(id: service.id, draft, on: connection)
                }
            }
            return fixture
        }
    }

    @Test(
        "a result's facts, name, phone and address changed anywhere show in the next search; an address made confidential is hidden at once",
        // Waits for notices: fails rather than hangs when one never comes. The whole suite can
        // take a minute to reach this test's first request on a busy machine.
        .timeLimit(.minutes(5))
    )
    func detailsFollowChanges() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await Self.directory(database, organization: "Demo Details Organization", services: [])
            let (service, location) = (UUID(), UUID())
            try await database.withClient { client in
                let logger = database.logger
                try await client.transaction(logger: logger) { connection in
                    let organization = UUID()
                    try await OrganizationRepository(logger: logger).save(
                        id: organization, OrganizationDraft(name: "Demo Legal Aid"), on: connection)
                    var office = LocationDraft(locationType: "physical")
                    office.organizationID = organization
                    office.name = "Demo north office"
                    (office.latitude, office.longitude) = (41.9229 + 2 / 111.0, -87.6483)
                    office.address = AddressDraft(
                        address1: "100 Demo Street", city: "Chicago", state: "IL", postalCode: ZIPCode("60614")!,
                        country: "US")
                    try await LocationRepository(logger: logger).save(id: location, office, on: connection)
                    var draft = ServiceDraft(organizationID: organization, name: "Demo legal clinic")
                    (draft.needs, draft.locationIDs) = (["legal"], [location])
                    draft.phones = [PhoneDraft(number: "312-555-0100")]
                    try await ServiceRepository(logger: logger).save(id: service, draft, on: connection)
                }
            }
            let listener = try ChangeListener.patient(url: database.url, logger: database.logger)
            let kept = listener.searchCaches.details
            try await ServerHarness.withServer(database: database, changes: listener) { client in
                try await kept.waitForGeneration(after: 0)
                func shown(as role: Role = .advocate) async throws -> [String: Any] {
                    let token = try #require(fixture.members[role]).token
                    let response = try await client.execute(
                        uri: "/v1/search/services?zip=60614&needs=legal", method: .get,
                        headers: [.authorization: "Bearer \(token)"])
                    #expect(response.status == .ok)
                    return try #require((response.json["data"] as? [[String: Any]])?.first)
                }
                /// As `haven` or a second server would: straight in the database, so this server
                /// learns of it only from the notice.
                func change(_ sql: PostgresQuery) async throws {
                    let seen = kept.generation
                    try await database.withClient { client in
                        try await client.withConnection { connection in
                            try await connection.query(sql, logger: database.logger)
                            try await SearchIndex(logger: database.logger).refresh(service: service, on: connection)
                        }
                    }
                    try await kept.waitForGeneration(after: seen)
                }
                let before = try await shown()
                #expect(before["name"] as? String == "Demo legal clinic")
                #expect(before["phone"] as? String == "312-555-0100")
                #expect(
                    (before["location"] as? [String: Any])?["address"] as? String
                        == "100 Demo Street, Chicago, IL 60614")
                #expect(kept.count == 1, "the page's details are kept for the next search")
                #expect(listener.searchCaches.facts.count == 1, "so are the service's facts")
                #expect(before["stale"] as? Bool == true, "never verified")

                // Facts the server alone applies: freshness, and the need it meets.
                try await change("UPDATE services SET last_verified_at = now() WHERE id = \(service)")
                #expect(try await shown()["stale"] as? Bool == false)

                try await change("UPDATE services SET name = 'Demo family law clinic' WHERE id = \(service)")
                try await change("UPDATE phones SET number = '312-555-0199' WHERE service_id = \(service)")
                #expect(try await shown()["name"] as? String == "Demo family law clinic")
                #expect(try await shown()["phone"] as? String == "312-555-0199")

                try await change("UPDATE addresses SET address_1 = '200 Demo Avenue' WHERE location_id = \(location)")
                #expect(
                    (try await shown()["location"] as? [String: Any])?["address"] as? String
                        == "200 Demo Avenue, Chicago, IL 60614")
                try await change(
                    """
                    UPDATE locations SET confidential = true, approximate_point = point, intake_phone = '312-555-0150'
                    WHERE id = \(location)
                    """)
                // A curator sees the address; what is kept for a curator is not shown to an advocate.
                #expect(
                    (try await shown(as: .curator)["location"] as? [String: Any])?["address"] as? String
                        == "200 Demo Avenue, Chicago, IL 60614")
                let hidden = try #require(try await shown()["location"] as? [String: Any])
                #expect(hidden["address"] == nil)
                #expect(hidden["approximate"] as? Bool == true)
            }
        }
    }

    @Test("a strict filter still finds the nearest service that passes beyond the first candidates")
    func strictFilterLooksFurther() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            // More English-only services nearby than search takes per need, and one
            // Vietnamese-speaking service farther out.
            let clinics = (0..<(SearchService.candidatesPerNeed + 5)).map {
                DemoService(name: "Demo legal clinic \($0)", northKm: 1) { $0.languages = ["en"] }
            }
            let fixture = try await Self.directory(
                database, organization: "Demo Legal Network",
                services: clinics + [
                    DemoService(name: "Demo Vietnamese legal aid", northKm: 20) { $0.languages = ["vi"] }
                ])
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.advocate]).token)"]
            try await ServerHarness.withServer(database: database) { client in
                let found = try await client.execute(
                    uri: "/v1/search/services?zip=60614&needs=legal&language=vi", method: .get, headers: headers)
                #expect(found.status == .ok)
                #expect(Self.names(found) == ["Demo Vietnamese legal aid"])
                let english = try await client.execute(
                    uri: "/v1/search/services?zip=60614&needs=legal&limit=100", method: .get, headers: headers)
                // More than the first pool holds: a page of 100 looks further and shows them all.
                #expect(Self.names(english).count == SearchService.candidatesPerNeed + 6)
            }
        }
    }

    @Test(
        "later pages judge opening hours at the first page's moment: as the clock passes a closing time none repeats or goes missing"
    )
    func pagesKeepTheirMoment() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            @Sendable func every(_ opens: String, _ closes: String) -> WeeklySchedule {
                WeeklySchedule(
                    timeZone: "America/Chicago", alwaysOpen: false,
                    hours: [
                        OpeningHours(days: Weekday.allCases, opens: LocalTime(opens)!, closes: LocalTime(closes)!)
                    ])
            }
            let fixture = try await Self.directory(
                database, organization: "Demo Clock Network",
                services: [
                    DemoService(name: "Demo day office", northKm: 1) { $0.schedule = every("09:00", "17:00") },
                    DemoService(name: "Demo evening office", northKm: 1) { $0.schedule = every("17:00", "23:00") },
                ])
            let member = try #require(fixture.members[.advocate])
            let scope = RequestScope(
                requestID: "test", clientAddress: nil,
                caller: Caller(
                    userID: member.user.id.uuidString.lowercased(), tokenID: member.tokenID.uuidString.lowercased(),
                    role: .advocate, organizationID: fixture.organizationA.uuidString.lowercased()))
            try await database.withClient { client in
                let service = SearchService(
                    postgres: client, logger: database.logger, staleAfterDays: 365, caches: SearchCaches())
                var parameters = SearchParameters(zip: "60614", needs: ["legal"], audiences: [], limit: 1)
                // Monday 2026-11-23, 16:59:30 in Chicago: the day office is open, the evening one
                // is not yet.
                let first = try await service.search(scope, parameters, now: Self.chicago("2026-11-23T22:59:30Z"))
                #expect(first.items.map { $0.details?.name } == ["Demo day office"])
                #expect(first.items.first?.match.reasons.contains("open now until 17:00") == true)
                let cursor = try #require(first.nextCursor)
                parameters.cursor = cursor
                // The next page is asked for at 17:00:30, after the day office closed.
                let second = try await service.search(scope, parameters, now: Self.chicago("2026-11-23T23:00:30Z"))
                #expect(second.items.map { $0.details?.name } == ["Demo evening office"], "not the day office again")
                #expect(second.nextCursor == nil)
            }
        }
    }

    static func chicago(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test("hours kept on a service's locations count when it has none of its own: all of them, or the office found")
    func locationHours() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let weekdays = WeeklySchedule(
                timeZone: "America/Chicago", alwaysOpen: false,
                hours: [
                    OpeningHours(
                        days: [.monday, .tuesday, .wednesday, .thursday, .friday], opens: LocalTime("09:00")!,
                        closes: LocalTime("17:00")!)
                ])
            let evenings = WeeklySchedule(
                timeZone: "America/Chicago", alwaysOpen: false,
                hours: [OpeningHours(days: [.tuesday], opens: LocalTime("18:00")!, closes: LocalTime("21:00")!)])
            let fixture = try await Self.directory(database, organization: "Demo Office Hours Network", services: [])
            try await database.withClient { client in
                let logger = database.logger
                try await client.transaction(logger: logger) { connection in
                    let organization = UUID()
                    try await OrganizationRepository(logger: logger).save(
                        id: organization, OrganizationDraft(name: "Demo Office Hours"), on: connection)
                    func office(_ hours: WeeklySchedule, northKm: Double) async throws -> UUID {
                        let id = UUID()
                        var draft = LocationDraft(locationType: "physical")
                        draft.organizationID = organization
                        (draft.latitude, draft.longitude) = (41.9229 + northKm / 111.0, -87.6483)
                        draft.schedule = hours
                        try await LocationRepository(logger: logger).save(id: id, draft, on: connection)
                        return id
                    }
                    let (day, dayAgain, evening) = (
                        try await office(weekdays, northKm: 1), try await office(weekdays, northKm: 2),
                        try await office(evenings, northKm: 3)
                    )
                    for (name, locations) in [
                        ("Demo office-hours clinic", [day, dayAgain]), ("Demo mixed-hours clinic", [day, evening]),
                    ] {
                        var service = ServiceDraft(organizationID: organization, name: name)
                        service.needs = ["legal"]
                        service.locationIDs = locations
                        try await ServiceRepository(logger: logger).save(id: UUID(), service, on: connection)
                    }
                }
            }
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.advocate]).token)"]
            try await ServerHarness.withServer(database: database) { client in
                func search(near northKm: Double, at moment: String) async throws -> TestResponse {
                    let near = "\(41.9229 + northKm / 111.0),-87.6483"
                    return try await client.execute(
                        uri: "/v1/search/services?near=\(near)&needs=legal&radius_km=10&open_at=\(moment)",
                        method: .get, headers: headers)
                }
                // Tuesday 2026-11-24, 10:00 in Chicago, by the day offices: the mixed clinic is
                // found at its day office, which is open.
                let morning = try await search(near: 1, at: "2026-11-24T16:00:00Z")
                #expect(Set(Self.names(morning)) == ["Demo office-hours clinic", "Demo mixed-hours clinic"])
                for result in morning.json["data"] as? [[String: Any]] ?? [] {
                    let reasons = (result["match"] as? [String: Any])?["reasons"] as? [String]
                    #expect(reasons?.contains("open then until 17:00") == true)
                }
                // 19:00 the same day: by the evening office, only the mixed clinic is open; by the
                // day offices, where it is found at its day office, nothing is.
                let evening = try await search(near: 3.2, at: "2026-11-25T01:00:00Z")
                #expect(Self.names(evening) == ["Demo mixed-hours clinic"])
                let result = (evening.json["data"] as? [[String: Any]])?.first
                #expect(
                    ((result?["match"] as? [String: Any])?["reasons"] as? [String])?.contains("open then until 21:00")
                        == true)
                let dayOfficesInTheEvening = try await search(near: 1, at: "2026-11-25T01:00:00Z")
                #expect(Self.names(dayOfficesInTheEvening).isEmpty)
                // Sunday noon: nothing.
                let sunday = try await search(near: 1, at: "2026-11-22T18:00:00Z")
                #expect(Self.names(sunday).isEmpty)
            }
        }
    }

    @Test("a service with offices in two time zones is open by each office's own clock")
    func officesInTwoTimeZones() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await Self.directory(database, organization: "Demo Two Cities Network", services: [])
            let (chicago, denver) = ((41.9229, -87.6483), (39.7392, -104.9903))
            try await database.withClient { client in
                let logger = database.logger
                try await client.transaction(logger: logger) { connection in
                    let organization = UUID()
                    try await OrganizationRepository(logger: logger).save(
                        id: organization, OrganizationDraft(name: "Demo Two Cities"), on: connection)
                    var service = ServiceDraft(organizationID: organization, name: "Demo two-city legal clinic")
                    service.needs = ["legal"]
                    for (timeZone, place) in [("America/Chicago", chicago), ("America/Denver", denver)] {
                        let id = UUID()
                        var office = LocationDraft(locationType: "physical")
                        office.organizationID = organization
                        (office.latitude, office.longitude) = place
                        office.schedule = WeeklySchedule(
                            timeZone: timeZone, alwaysOpen: false,
                            hours: [
                                OpeningHours(
                                    days: [.monday, .tuesday, .wednesday, .thursday, .friday],
                                    opens: LocalTime("09:00")!, closes: LocalTime("17:00")!)
                            ])
                        try await LocationRepository(logger: logger).save(id: id, office, on: connection)
                        service.locationIDs.append(id)
                    }
                    try await ServiceRepository(logger: logger).save(id: UUID(), service, on: connection)
                }
            }
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.advocate]).token)"]
            try await ServerHarness.withServer(database: database) { client in
                func names(near place: (Double, Double)) async throws -> [String] {
                    // Tuesday 2026-11-24, 17:30 in Chicago, 16:30 in Denver.
                    Self.names(
                        try await client.execute(
                            uri: "/v1/search/services?near=\(place.0),\(place.1)&needs=legal&radius_km=10"
                                + "&open_at=2026-11-24T23:30:00Z",
                            method: .get, headers: headers))
                }
                let inDenver = try await names(near: denver)
                let inChicago = try await names(near: chicago)
                #expect(inDenver == ["Demo two-city legal clinic"], "open until 17:00 there")
                #expect(inChicago.isEmpty, "closed half an hour ago there")
            }
        }
    }

    @Test("a service with more offices nearby than the first pool holds does not hide the services beyond them")
    func officesDoNotFillThePool() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let chain = DemoService(
                name: "Demo legal chain", northKm: 1, offices: SearchService.candidatesPerNeed + 5)
            let singles = (0..<10).map { DemoService(name: "Demo single office \($0)", northKm: 10) }
            let fixture = try await Self.directory(
                database, organization: "Demo Chain Network", services: [chain] + singles)
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.advocate]).token)"]
            try await ServerHarness.withServer(database: database) { client in
                let page = try await client.execute(
                    uri: "/v1/search/services?zip=60614&needs=legal&radius_km=20", method: .get, headers: headers)
                #expect(page.status == .ok)
                let names = Self.names(page)
                #expect(names.first == "Demo legal chain", "the nearest, once")
                #expect(Set(names.dropFirst()) == Set(singles.map(\.name)), "and every service beyond its offices")
                #expect(names.count == 11)
            }
        }
    }

    @Test("hours, audiences and free text look past a first pool of candidates they rule out, and pages keep it")
    func shortPagesLookFurther() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            // More weekday clinics nearby than the first pool holds, and 24/7 lines for young
            // people farther out: on a Sunday only the lines are open.
            let weekdays = WeeklySchedule(
                timeZone: "America/Chicago", alwaysOpen: false,
                hours: [
                    OpeningHours(
                        days: [.monday, .tuesday, .wednesday, .thursday, .friday], opens: LocalTime("09:00")!,
                        closes: LocalTime("17:00")!)
                ])
            let clinics = (0..<(SearchService.candidatesPerNeed + 5)).map {
                DemoService(name: "Demo weekday clinic \($0)", northKm: 1) { $0.schedule = weekdays }
            }
            let lines = (0..<25).map {
                DemoService(name: "Demo youth helpline \($0)", northKm: 20) {
                    $0.schedule = WeeklySchedule(timeZone: "America/Chicago", alwaysOpen: true, hours: [])
                    $0.audiences = ["youth"]
                }
            }
            let fixture = try await Self.directory(
                database, organization: "Demo Family Law Network", services: clinics + lines)
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.advocate]).token)"]
            try await ServerHarness.withServer(database: database) { client in
                func pages(_ query: String) async throws -> [[String]] {
                    var pages: [[String]] = []
                    var cursor: String?
                    repeat {
                        let page = try await client.execute(
                            uri: "/v1/search/services?zip=60614&needs=legal&\(query)"
                                + (cursor.map { "&cursor=\($0)" } ?? ""),
                            method: .get, headers: headers)
                        #expect(page.status == .ok, "\(query)")
                        pages.append(Self.names(page))
                        cursor = page.json["next_cursor"] as? String
                    } while cursor != nil && pages.count < 10
                    return pages
                }
                let helplines = Set(lines.map(\.name))
                // Sunday 2026-12-20, noon in Chicago.
                for query in ["open_at=2026-12-20T18:00:00Z", "audience=youth", "q=helpline"] {
                    let found = try await pages(query)
                    #expect(found.map(\.count) == [20, 5], "\(query): a full page, then the rest")
                    let names = found.flatMap { $0 }
                    #expect(
                        Set(names) == helplines && names.count == helplines.count, "\(query): every line exactly once")
                }
                // Unfiltered, the nearest clinics fill the first page from the first pool.
                #expect(try await pages("limit=20").first?.allSatisfy { $0.hasPrefix("Demo weekday clinic") } == true)

                // A cursor asking for a pool Haven never uses is refused, not run.
                let forged = OpaqueCursor(values: ["0.5", "1.0", UUID().uuidString.lowercased(), "100000"]).encoded
                let refused = try await client.execute(
                    uri: "/v1/search/services?zip=60614&needs=legal&cursor=\(forged)", method: .get, headers: headers)
                expectProblem(refused, .unprocessableContent, type: "urn:haven:problem:validation")
                // A cursor given out before pools could grow still pages through the first pool.
                let older = OpaqueCursor(values: ["0.5", "1.0", UUID().uuidString.lowercased()]).encoded
                let continued = try await client.execute(
                    uri: "/v1/search/services?zip=60614&needs=legal&cursor=\(older)", method: .get, headers: headers)
                #expect(continued.status == .ok)
            }
        }
    }

    @Test("services reached by their area are read best first, so a 24/7 line is not cut from a full pool")
    func areaServicesBestFirst() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            // More statewide programs without hours than search reads per need, and one line
            // open 24/7 whose id sorts after all of them.
            let programs = (0..<(SearchService.candidatesPerNeed + 5)).map {
                DemoService(name: "Demo statewide program \($0)", northKm: nil) { $0.serviceAreas = [.states(["IL"])] }
            }
            let line = DemoService(
                id: UUID(uuidString: "ffffffff-ffff-4fff-bfff-ffffffffffff")!, name: "Demo statewide 24/7 line",
                northKm: nil
            ) {
                $0.serviceAreas = [.states(["IL"])]
                $0.schedule = WeeklySchedule(timeZone: "America/Chicago", alwaysOpen: true, hours: [])
            }
            let fixture = try await Self.directory(
                database, organization: "Demo Statewide Network", services: programs + [line])
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.advocate]).token)"]
            try await ServerHarness.withServer(database: database) { client in
                let found = try await client.execute(
                    uri: "/v1/search/services?zip=60614&needs=legal&limit=5", method: .get, headers: headers)
                #expect(found.status == .ok)
                #expect(Self.names(found).first == "Demo statewide 24/7 line")
            }
        }
    }

    @Test("two needs that share a region of the search map never answer for each other")
    func needsSharingARegionStayApart() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let (fixture, codes) = try await database.withClient { client in
                let logger = database.logger
                let fixture = try await AccessFixture.make(on: client, logger: logger)
                // Two new needs whose codes draw the same region (migration 0021): among a few
                // hundred codes two always do.
                let pairs = try await client.query(
                    """
                    WITH codes AS (SELECT 'demo-need-' || n AS code FROM generate_series(1, 400) AS n)
                    SELECT a.code, b.code FROM codes a JOIN codes b ON a.code < b.code
                    WHERE ST_Equals(search_need_keyed(a.code, 'POINT(0 0)'), search_need_keyed(b.code, 'POINT(0 0)'))
                    LIMIT 1
                    """, logger: logger
                ).collect()
                let pair = try #require(pairs.first).decode((String, String).self)
                for code in [pair.0, pair.1] {
                    try await client.query(
                        """
                        INSERT INTO taxonomy_terms (id, taxonomy_id, code, name, description, name_es, description_es)
                        VALUES (\(ReferenceData.termID(taxonomy: ReferenceData.needsTaxonomyID, code: code)),
                                \(ReferenceData.needsTaxonomyID), \(code), \(code), '', \(code), '')
                        """, logger: logger)
                }
                try await client.transaction(logger: logger) { connection in
                    let organization = UUID()
                    try await OrganizationRepository(logger: logger).save(
                        id: organization, OrganizationDraft(name: "Demo Region Organization"), on: connection)
                    for (name, code) in [("Demo first-need service", pair.0), ("Demo second-need service", pair.1)] {
                        let location = UUID()
                        var office = LocationDraft(locationType: "physical")
                        office.organizationID = organization
                        (office.latitude, office.longitude) = (41.9229, -87.6483)
                        try await LocationRepository(logger: logger).save(id: location, office, on: connection)
                        var draft = ServiceDraft(organizationID: organization, name: name)
                        (draft.needs, draft.locationIDs) = ([code], [location])
                        try await ServiceRepository(logger: logger).save(id: UUID(), draft, on: connection)
                    }
                }
                return (fixture, [pair.0, pair.1])
            }
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.advocate]).token)"]
            try await ServerHarness.withServer(database: database) { client in
                let first = try await client.execute(
                    uri: "/v1/search/services?zip=60614&needs=\(codes[0])", method: .get, headers: headers)
                #expect(Self.names(first) == ["Demo first-need service"])
                let second = try await client.execute(
                    uri: "/v1/search/services?zip=60614&needs=\(codes[1])", method: .get, headers: headers)
                #expect(Self.names(second) == ["Demo second-need service"])
            }
        }
    }

    @Test("a radius area around a confidential location is drawn from its approximate point")
    func confidentialRadius() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await database.withClient { client in
                let logger = database.logger
                let fixture = try await AccessFixture.make(on: client, logger: logger)
                try await client.transaction(logger: logger) { connection in
                    let organization = UUID()
                    try await OrganizationRepository(logger: logger).save(
                        id: organization, OrganizationDraft(name: "Demo Shelter Network"), on: connection)
                    // The shelter is 30 km north of its ZIP's centroid; its approximate point is
                    // the centroid of 60614.
                    let location = UUID()
                    var shelter = LocationDraft(locationType: "physical")
                    shelter.organizationID = organization
                    (shelter.latitude, shelter.longitude) = (41.9229 + 30 / 111.0, -87.6483)
                    shelter.confidential = true
                    shelter.intakePhone = "+13125550100"
                    shelter.address = AddressDraft(
                        address1: "1 Demo Way", city: "Chicago", state: "IL", postalCode: ZIPCode("60614")!,
                        country: "US")
                    try await LocationRepository(logger: logger).save(id: location, shelter, on: connection)
                    var draft = ServiceDraft(organizationID: organization, name: "Demo safe housing")
                    (draft.needs, draft.locationIDs) = (["housing"], [location])
                    draft.serviceAreas = [.radius(kilometres: 10)]
                    try await ServiceRepository(logger: logger).save(id: UUID(), draft, on: connection)
                }
                return fixture
            }
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.advocate]).token)"]
            try await ServerHarness.withServer(database: database) { client in
                func names(near latitude: Double) async throws -> [String] {
                    Self.names(
                        try await client.execute(
                            uri: "/v1/search/services?near=\(latitude),-87.6483&radius_km=1&needs=housing",
                            method: .get,
                            headers: headers))
                }
                let atShelter = try await names(near: 41.9229 + 30 / 111.0)
                let nearCentroid = try await names(near: 41.9229 + 5 / 111.0)
                #expect(atShelter.isEmpty, "a search at the shelter's exact place does not find it")
                #expect(nearCentroid == ["Demo safe housing"])
            }
        }
    }
}
