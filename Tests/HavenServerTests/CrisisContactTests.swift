import Foundation
import HTTPTypes
import HavenCore
import HavenStorage
import HavenTestSupport
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Crisis contacts over HTTP")
struct CrisisContactTests {
    @Test("the national lines are listed with channels, languages, hours and sources; curators add and correct lines")
    func listAndCurate() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let partner: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.partner]).token)"]
            let curator: HTTPFields = [
                .authorization: "Bearer \(try #require(fixture.members[.curator]).token)",
                .contentType: "application/json",
            ]
            try await ServerHarness.withServer(database: database) { client in
                var contacts: [[String: Any]] = []
                var cursor: String?
                repeat {
                    let page = try await client.execute(
                        uri: "/v1/crisis-contacts?limit=5" + (cursor.map { "&cursor=\($0)" } ?? ""), method: .get,
                        headers: partner)
                    #expect(page.status == .ok)
                    contacts += page.json["data"] as? [[String: Any]] ?? []
                    cursor = page.json["next_cursor"] as? String
                    if cursor == nil { #expect(page.json["next_cursor"] is NSNull, "the last page says null") }
                } while cursor != nil && contacts.count < 100
                #expect(contacts.count >= 15)
                let lifeline = try #require(contacts.first { $0["slug"] as? String == "988-lifeline" })
                #expect(lifeline["source_url"] as? String != nil)
                #expect(lifeline["verified_on"] as? String != nil)
                let channels = try #require(lifeline["channels"] as? [[String: Any]])
                let voice = try #require(channels.first { $0["channel"] as? String == "voice" })
                #expect(voice["languages"] as? [String] == ["en", "es"])
                #expect(voice["interpretation"] as? Bool == true)
                #expect((voice["schedule"] as? [String: Any])?["open_24_7"] as? Bool == true)
                #expect(channels.contains { $0["keyword"] as? String == "AYUDA" })
                let transLine = try #require(contacts.first { $0["slug"] as? String == "trans-lifeline" })
                let transVoice = (transLine["channels"] as? [[String: Any]])?.first
                #expect(transVoice?["schedule"] == nil, "hours the source could not confirm are not made up")
                #expect((transVoice?["hours_note"] as? String)?.contains("NOT 24/7") == true)

                let bad = try await client.execute(
                    uri: "/v1/crisis-contacts", method: .post, headers: curator,
                    body: ByteBuffer(
                        string:
                            #"{"slug": "Local Line", "name": "", "channels": [{"channel": "fax", "value": "x"}, {"channel": "chat", "value": "not a url"}, {"channel": "voice", "value": "+13125550150", "languages": ["zz"]}]}"#
                    ))
                expectProblem(bad, .unprocessableContent, type: "urn:haven:problem:validation")
                let pointers = Set(
                    (bad.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? [])
                #expect(
                    pointers == [
                        "/slug", "/name", "/channels/0/channel", "/channels/1/value", "/channels/2/languages/0",
                    ])

                let local = """
                    {"slug": "demo-county-youth-line", "name": "Demo County Youth Crisis Line",
                     "coverage": {"kind": "county", "counties": ["IL:Cook County"]},
                     "what_to_expect": "A counselor answers; police are involved only if someone is in immediate danger.",
                     "channels": [{"channel": "voice", "value": "+13125550160", "languages": ["en", "es"],
                                   "schedule": {"time_zone": "America/Chicago", "open_24_7": true}},
                                  {"channel": "sms", "value": "55516", "keyword": "YOUTH",
                                   "schedule": {"time_zone": "America/Chicago",
                                                "hours": [{"byday": "MO,TU,WE,TH,FR", "opens_at": "16:00", "closes_at": "23:00"}]}}]}
                    """
                let created = try await client.execute(
                    uri: "/v1/crisis-contacts", method: .post, headers: curator, body: ByteBuffer(string: local))
                #expect(created.status == .created)
                let id = try #require(created.json["id"] as? String)
                #expect((created.json["coverage"] as? [String: Any])?["counties"] as? [String] == ["IL:Cook County"])
                let sms = (created.json["channels"] as? [[String: Any]])?.last
                let hours = ((sms?["schedule"] as? [String: Any])?["hours"] as? [[String: Any]])?.first
                #expect(hours?["opens_at"] as? String == "16:00")

                let duplicate = try await client.execute(
                    uri: "/v1/crisis-contacts", method: .post, headers: curator, body: ByteBuffer(string: local))
                expectProblem(duplicate, .unprocessableContent, type: "urn:haven:problem:validation")

                var conditional = curator
                conditional[.ifMatch] = try #require(created.headers[.eTag])
                let corrected = try await client.execute(
                    uri: "/v1/crisis-contacts/\(id)", method: .put, headers: conditional,
                    body: ByteBuffer(string: local.replacingOccurrences(of: "+13125550160", with: "+13125550161")))
                #expect(corrected.status == .ok)
                #expect(String(buffer: corrected.body).contains("+13125550161"))

                // A Spanish text kept beside a changed English one is refused, and nothing changes.
                let translated = local.replacingOccurrences(
                    of: #""what_to_expect": "#,
                    with: #""what_to_expect_es": "Le atiende un consejero.", "what_to_expect": "#)
                conditional[.ifMatch] = try #require(corrected.headers[.eTag])
                let withSpanish = try await client.execute(
                    uri: "/v1/crisis-contacts/\(id)", method: .put, headers: conditional,
                    body: ByteBuffer(string: translated))
                #expect(withSpanish.status == .ok)
                conditional[.ifMatch] = try #require(withSpanish.headers[.eTag])
                let staleSpanish = try await client.execute(
                    uri: "/v1/crisis-contacts/\(id)", method: .put, headers: conditional,
                    body: ByteBuffer(
                        string: translated.replacingOccurrences(
                            of: "police are involved only if", with: "police are called whenever")))
                expectProblem(staleSpanish, .unprocessableContent, type: "urn:haven:problem:validation")
                #expect(
                    (staleSpanish.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } == [
                        "/what_to_expect_es"
                    ])
                let unchanged = try await client.execute(
                    uri: "/v1/crisis-contacts/\(id)", method: .get, headers: curator)
                #expect(unchanged.headers[.eTag] == withSpanish.headers[.eTag])
            }
        }
    }

    @Test("for a place and a moment: local lines before state before national, reachable channels first")
    func crisisForAPlace() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await database.withClient { client in
                try await client.transaction(logger: database.logger) { connection in
                    let repository = CrisisContactRepository(logger: database.logger)
                    var county = CrisisContactDraft(slug: "demo-cook-county-line", name: "Demo Cook County Youth Line")
                    county.coverage = .counties(["IL:Cook County"])
                    var evening = CrisisChannelDraft(kind: .voice, value: "+13125550170")
                    evening.languages = ["en"]
                    evening.schedule = WeeklySchedule(
                        timeZone: "America/Chicago", alwaysOpen: false,
                        hours: [
                            OpeningHours(
                                days: [.monday, .tuesday, .wednesday, .thursday, .friday],
                                opens: LocalTime("16:00")!, closes: LocalTime("23:00")!)
                        ])
                    var spanish = CrisisChannelDraft(kind: .sms, value: "55517")
                    spanish.languages = ["es"]
                    spanish.schedule = WeeklySchedule(timeZone: "America/Chicago", alwaysOpen: true, hours: [])
                    county.channels = [evening, spanish]
                    try await repository.save(id: UUID(), county, on: connection)
                    var state = CrisisContactDraft(slug: "demo-illinois-line", name: "Demo Illinois Family Line")
                    state.coverage = .states(["IL"])
                    state.channels = [CrisisChannelDraft(kind: .voice, value: "+12175550180")]
                    try await repository.save(id: UUID(), state, on: connection)
                }
                return try await AccessFixture.make(on: client, logger: database.logger)
            }
            let headers: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.advocate]).token)"]
            try await ServerHarness.withServer(database: database) { client in
                // Monday 2026-11-23 at 10:00 in Chicago: the evening line is closed, the text line open.
                let chicago = try await client.execute(
                    uri: "/v1/search/crisis-contacts?zip=60614&at=2026-11-23T16:00:00Z&language=es", method: .get,
                    headers: headers)
                #expect(chicago.status == .ok)
                #expect(chicago.json["next_cursor"] is NSNull, "one page, and it says so")
                let results = try #require(chicago.json["data"] as? [[String: Any]])
                let order = results.compactMap { $0["slug"] as? String }
                #expect(Array(order.prefix(2)) == ["demo-cook-county-line", "demo-illinois-line"])
                #expect(order.contains("988-lifeline"))
                let lifeline = results.first { $0["slug"] as? String == "988-lifeline" }
                #expect((lifeline?["what_to_expect_es"] as? String)?.hasPrefix("Gratis y confidencial.") == true)
                #expect((lifeline?["what_to_expect"] as? String)?.hasPrefix("Free and confidential.") == true)
                #expect(results.dropFirst(2).allSatisfy { $0["reaches_by"] as? String == "national" })
                let local = (results.first?["channels"] as? [[String: Any]]) ?? []
                #expect(local.first?["value"] as? String == "55517", "the channel open now and in Spanish comes first")
                #expect((local.last?["open"] as? [String: Any])?["is_open"] as? Bool == false)

                // At 18:00 on the same day both are open; the Spanish one still leads for a Spanish speaker.
                let evening = try await client.execute(
                    uri: "/v1/search/crisis-contacts?zip=60614&at=2026-11-24T00:00:00Z", method: .get, headers: headers)
                let eveningLocal =
                    ((evening.json["data"] as? [[String: Any]])?.first?["channels"] as? [[String: Any]]) ?? []
                #expect(eveningLocal.allSatisfy { ($0["open"] as? [String: Any])?["is_open"] as? Bool == true })

                let losAngeles = try await client.execute(
                    uri: "/v1/search/crisis-contacts?zip=90001", method: .get, headers: headers)
                let national = (losAngeles.json["data"] as? [[String: Any]])?.compactMap { $0["slug"] as? String } ?? []
                #expect(!national.contains("demo-cook-county-line"))
                #expect(!national.contains("demo-illinois-line"))
                #expect(national.contains("ncmec-the-lost"))

                let bad = try await client.execute(
                    uri: "/v1/search/crisis-contacts?zip=606&at=soon&language=xx", method: .get, headers: headers)
                expectProblem(bad, .unprocessableContent, type: "urn:haven:problem:validation")
                let pointers = Set(
                    (bad.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? [])
                #expect(pointers == ["/zip", "/at", "/language"])
            }
        }
    }

    @Test(
        "a line's holiday closure is kept, shown, evaluated and replaced; an unknown ZIP still gets the national lines")
    func holidaysAndUnknownPlaces() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let advocate: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.advocate]).token)"]
            let curator: HTTPFields = [
                .authorization: "Bearer \(try #require(fixture.members[.curator]).token)",
                .contentType: "application/json",
            ]
            try await ServerHarness.withServer(database: database) { client in
                func line(exceptions: String) -> String {
                    """
                    {"slug": "demo-county-holiday-line", "name": "Demo County Family Line",
                     "coverage": {"kind": "county", "counties": ["IL:Cook County"]},
                     "channels": [{"channel": "voice", "value": "+13125550190", "languages": ["en"],
                                   "schedule": {"time_zone": "America/Chicago", "open_24_7": true\(exceptions)}}]}
                    """
                }
                let closedOnChristmas =
                    #", "exceptions": [{"starts_on": "2026-12-25", "ends_on": "2026-12-25", "closed": true}]"#
                let created = try await client.execute(
                    uri: "/v1/crisis-contacts", method: .post, headers: curator,
                    body: ByteBuffer(string: line(exceptions: closedOnChristmas)))
                #expect(created.status == .created)
                let id = try #require(created.json["id"] as? String)
                let schedule = (created.json["channels"] as? [[String: Any]])?.first?["schedule"] as? [String: Any]
                #expect((schedule?["exceptions"] as? [[String: Any]])?.first?["starts_on"] as? String == "2026-12-25")

                func voice(at moment: String) async throws -> [String: Any]? {
                    let found = try await client.execute(
                        uri: "/v1/search/crisis-contacts?zip=60614&at=\(moment)", method: .get, headers: advocate)
                    let contact = (found.json["data"] as? [[String: Any]])?.first {
                        $0["slug"] as? String == "demo-county-holiday-line"
                    }
                    return (contact?["channels"] as? [[String: Any]])?.first?["open"] as? [String: Any]
                }
                // Christmas Day, noon in Chicago: closed, and it opens again at midnight.
                let christmas = try await voice(at: "2026-12-25T18:00:00Z")
                #expect(christmas?["is_open"] as? Bool == false)
                #expect(christmas?["always_open"] as? Bool == false)
                #expect(christmas?["next_opening"] as? String == "2026-12-26T06:00:00Z")
                #expect(christmas?["time_zone"] as? String == "America/Chicago")
                #expect(try await voice(at: "2026-12-24T18:00:00Z")?["always_open"] as? Bool == true)

                // Saving it again with the same closure, then without it.
                var conditional = curator
                conditional[.ifMatch] = try #require(created.headers[.eTag])
                let same = try await client.execute(
                    uri: "/v1/crisis-contacts/\(id)", method: .put, headers: conditional,
                    body: ByteBuffer(string: line(exceptions: closedOnChristmas)))
                #expect(same.status == .ok)
                conditional[.ifMatch] = try #require(same.headers[.eTag])
                let none = try await client.execute(
                    uri: "/v1/crisis-contacts/\(id)", method: .put, headers: conditional,
                    body: ByteBuffer(string: line(exceptions: "")))
                #expect(none.status == .ok)
                #expect(!String(buffer: none.body).contains("2026-12-25"))
                #expect(try await voice(at: "2026-12-25T18:00:00Z")?["always_open"] as? Bool == true)

                // An APO ZIP code Haven does not know: the national lines, and a notice.
                let military = try await client.execute(
                    uri: "/v1/search/crisis-contacts?zip=09001", method: .get, headers: advocate)
                #expect(military.status == .ok)
                let lines = military.json["data"] as? [[String: Any]] ?? []
                #expect(lines.contains { $0["slug"] as? String == "988-lifeline" })
                #expect(lines.allSatisfy { $0["reaches_by"] as? String == "national" })
                #expect((military.json["notice"] as? String)?.contains("09001") == true)
                #expect(military.json["place"] == nil)
                let chicago = try await client.execute(
                    uri: "/v1/search/crisis-contacts?zip=60614", method: .get, headers: advocate)
                #expect((chicago.json["place"] as? [String: Any])?["time_zone"] as? String == "America/Chicago")
                #expect(chicago.json["notice"] == nil)
            }
        }
    }

    @Test("a slug being saved is held until that save ends: a second save waits, then sees it taken")
    func slugHeldUntilSaved() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let logger = database.logger
            let repository = CrisisContactRepository(logger: logger)
            var line = CrisisContactDraft(slug: "demo-race-line", name: "Demo Race Line")
            line.channels = [CrisisChannelDraft(kind: .voice, value: "+13125550199")]
            let (draft, slug) = (line, line.slug)
            try await database.withClient { client in
                try await client.withConnection { first in
                    try await first.query("BEGIN", logger: logger)
                    #expect(try await repository.slugTaken(slug, except: nil, on: first) == false)
                    try await repository.save(id: UUID(), draft, on: first)
                    // A second curator's save of the same slug, while the first is not committed.
                    let second = Task {
                        try await client.transaction(logger: logger) { connection in
                            try await repository.slugTaken(slug, except: nil, on: connection)
                        }
                    }
                    try await waitForLockWaiter(client, logger: logger)
                    try await first.query("COMMIT", logger: logger)
                    #expect(try await second.value == true, "it waited, and the slug is taken")
                }
            }
        }
    }
}
