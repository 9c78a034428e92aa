import Foundation
import HTTPTypes
import HavenCore
import HavenStorage
import HavenTestSupport
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import HavenServer

@Suite("Volunteer roster over HTTP")
struct VolunteerTests {
    static func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    /// A date `days` from today in UTC, as the API writes dates.
    /// A day counted from today in Chicago, where the tests' volunteers live (ZIP 60614).
    static func day(_ days: Int) -> String {
        CalendarDate(Date(), timeZone: "America/Chicago").adding(days: days).description
    }

    @Test("a coordinator adds a volunteer whose name and contacts are stored encrypted, then edits it with If-Match")
    func rosterAndEncryption() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let coordinator: HTTPFields = [
                .authorization: "Bearer \(try #require(fixture.members[.coordinator]).token)",
                .contentType: "application/json",
            ]
            try await ServerHarness.withServer(database: database) { client in
                let bad = try await client.execute(
                    uri: "/v1/volunteers", method: .post, headers: coordinator,
                    body: Self.body(
                        #"{"name": " ", "home_zip": "123", "contacts": [{"channel": "fax", "value": "1"}], "lived_experience": ["runaway"], "age_bands": ["13"], "gender": "x", "capacity": 0, "status": "busy", "availability": [{"byday": "XX", "opens_at": "18:00", "closes_at": "18:00"}]}"#
                    ))
                expectProblem(bad, .unprocessableContent, type: "urn:haven:problem:validation")
                let pointers = Set(
                    (bad.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? [])
                #expect(
                    pointers == [
                        "/name", "/home_zip", "/contacts/0/channel", "/lived_experience/0", "/age_bands/0", "/gender",
                        "/capacity", "/status", "/availability/0/byday",
                    ])
                let unknownZIP = try await client.execute(
                    uri: "/v1/volunteers", method: .post, headers: coordinator,
                    body: Self.body(#"{"name": "Demo Mentor Rosa", "home_zip": "00000"}"#))
                expectProblem(unknownZIP, .unprocessableContent, type: "urn:haven:problem:validation")

                let created = try await client.execute(
                    uri: "/v1/volunteers", method: .post, headers: coordinator,
                    body: Self.body(
                        #"{"name": "Demo Mentor Rosa", "home_zip": "60614", "contacts": [{"channel": "phone", "value": "+13125550177", "note": "evenings"}, {"channel": "email", "value": "rosa@example.org"}], "languages": ["es", "en"], "lived_experience": ["family-abduction", "child-recovered"], "age_bands": ["12-14"], "gender": "woman", "availability": [{"byday": "MO,WE", "opens_at": "18:00", "closes_at": "21:00"}], "capacity": 2}"#
                    ))
                #expect(created.status == .created)
                #expect(created.headers[.eTag] == #""v1""#)
                let volunteer = created.json
                let id = try #require(volunteer["id"] as? String)
                #expect(volunteer["time_zone"] as? String == "America/Chicago")
                #expect(volunteer["status"] as? String == "onboarding")
                #expect((volunteer["contacts"] as? [[String: Any]])?.first?["value"] as? String == "+13125550177")
                #expect(volunteer["lived_experience"] as? [String] == ["family-abduction", "child-recovered"])
                let hours = (volunteer["availability"] as? [[String: Any]])?.first
                #expect(hours?["byday"] as? String == "MO,WE")
                #expect(hours?["closes_at"] as? String == "21:00")
                let eligibility = try #require(volunteer["eligibility"] as? [String: Any])
                #expect(eligibility["eligible"] as? Bool == false)
                #expect(eligibility["reason"] as? String == "status is onboarding")

                // The database holds ciphertext only.
                let leaks = try await database.withClient { client in
                    let rows = try await client.query(
                        """
                        SELECT count(*) FROM volunteers
                        WHERE position(convert_to('Rosa', 'UTF8') IN name) > 0
                           OR position(convert_to('5550177', 'UTF8') IN contacts) > 0
                           OR position(convert_to('rosa@', 'UTF8') IN contacts) > 0
                        """, logger: database.logger)
                    var count = -1
                    for try await value in rows.decode(Int.self) { count = value }
                    return count
                }
                #expect(leaks == 0)

                let edit = #"{"name": "Demo Mentor Rosa", "home_zip": "60614", "status": "active", "capacity": 3}"#
                let noMatch = try await client.execute(
                    uri: "/v1/volunteers/\(id)", method: .put, headers: coordinator, body: Self.body(edit))
                expectProblem(noMatch, .preconditionRequired)
                var conditional = coordinator
                conditional[.ifMatch] = #""v1""#
                let edited = try await client.execute(
                    uri: "/v1/volunteers/\(id)", method: .put, headers: conditional, body: Self.body(edit))
                #expect(edited.status == .ok)
                #expect(edited.headers[.eTag] == #""v2""#)
                #expect(edited.json["capacity"] as? Int == 3)
                #expect((edited.json["contacts"] as? [Any])?.isEmpty == true, "a replacement replaces every field")
                let stale = try await client.execute(
                    uri: "/v1/volunteers/\(id)", method: .put, headers: conditional, body: Self.body(edit))
                expectProblem(stale, .preconditionFailed)

                let listed = try await client.execute(
                    uri: "/v1/volunteers?status=active", method: .get, headers: coordinator)
                #expect((listed.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
                let outsider: HTTPFields = [
                    .authorization: "Bearer \(try #require(fixture.outsiders[.coordinator]).token)"
                ]
                let hidden = try await client.execute(uri: "/v1/volunteers/\(id)", method: .get, headers: outsider)
                expectProblem(hidden, .notFound)
                let theirs = try await client.execute(uri: "/v1/volunteers", method: .get, headers: outsider)
                #expect((theirs.json["data"] as? [Any])?.isEmpty == true)

                let audited = try await database.withClient { client in
                    let rows = try await client.query(
                        "SELECT action FROM audit_log WHERE record_id = \(id) ORDER BY seq",
                        logger: database.logger)
                    var actions: [String] = []
                    for try await action in rows.decode(String.self) { actions.append(action) }
                    return actions
                }
                #expect(audited.starts(with: ["createVolunteer", "replaceVolunteer"]))
            }
        }
    }

    @Test("credentials decide eligibility from their dates, and lapsing ones are listed soonest first")
    func credentialsAndExpiry() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let coordinator: HTTPFields = [
                .authorization: "Bearer \(try #require(fixture.members[.coordinator]).token)",
                .contentType: "application/json",
            ]
            try await ServerHarness.withServer(database: database) { client in
                func volunteer(_ name: String) async throws -> String {
                    let created = try await client.execute(
                        uri: "/v1/volunteers", method: .post, headers: coordinator,
                        body: Self.body(
                            #"{"name": "\#(name)", "home_zip": "60614", "status": "active", "capacity": 1}"#))
                    return try #require(created.json["id"] as? String)
                }
                func credential(_ id: String, _ json: String) async throws -> TestResponse {
                    try await client.execute(
                        uri: "/v1/volunteers/\(id)/credentials", method: .post, headers: coordinator,
                        body: Self.body(json))
                }
                let soon = try await volunteer("Demo Mentor Soon")
                let lapsed = try await volunteer("Demo Mentor Lapsed")
                let renewed = try await volunteer("Demo Mentor Renewed")
                let training = #"{"kind": "training", "name": "Peer mentor training", "issued_on": "2025-01-10"}"#
                for id in [soon, lapsed, renewed] { _ = try await credential(id, training) }

                let missingExpiry = try await credential(
                    soon, #"{"kind": "background-check", "name": "Background check", "issued_on": "2025-01-10"}"#)
                expectProblem(missingExpiry, .unprocessableContent, type: "urn:haven:problem:validation")

                let checked = try await credential(
                    soon,
                    #"{"kind": "background-check", "name": "Background check", "issued_on": "2025-01-10", "expires_on": "\#(Self.day(10))"}"#
                )
                #expect(checked.status == .created)
                #expect((checked.json["eligibility"] as? [String: Any])?["eligible"] as? Bool == true)
                #expect((checked.json["credentials"] as? [Any])?.count == 2)

                let expired = try await credential(
                    lapsed,
                    #"{"kind": "background-check", "name": "Background check", "issued_on": "2024-01-10", "expires_on": "\#(Self.day(-2))"}"#
                )
                let eligibility = try #require(expired.json["eligibility"] as? [String: Any])
                #expect(eligibility["eligible"] as? Bool == false)
                #expect(eligibility["constraint"] as? String == "background-check")
                #expect((eligibility["reason"] as? String)?.hasPrefix("background check expired on") == true)

                _ = try await credential(
                    renewed,
                    #"{"kind": "background-check", "name": "Background check", "issued_on": "2024-01-10", "expires_on": "\#(Self.day(5))"}"#
                )
                _ = try await credential(
                    renewed,
                    #"{"kind": "background-check", "name": "Background check, renewed", "issued_on": "2025-01-10", "expires_on": "\#(Self.day(400))"}"#
                )

                let expiring = try await client.execute(
                    uri: "/v1/volunteers/credentials/expiring?within_days=30", method: .get, headers: coordinator)
                #expect(expiring.status == .ok)
                let items = try #require(expiring.json["data"] as? [[String: Any]])
                #expect(items.map { $0["volunteer_name"] as? String } == ["Demo Mentor Soon"])
                #expect(items.first?["days_left"] as? Int == 10)
                #expect((items.first?["credential"] as? [String: Any])?["kind"] as? String == "background-check")

                let tooFar = try await client.execute(
                    uri: "/v1/volunteers/credentials/expiring?within_days=4000", method: .get, headers: coordinator)
                expectProblem(tooFar, .unprocessableContent, type: "urn:haven:problem:validation")
            }
        }
    }

    @Test(
        "a credential lapses on the volunteer's own calendar day: listed as due today in Los Angeles while UTC is a day ahead"
    )
    func expiryOnTheVolunteersDay() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let member = try #require(fixture.members[.coordinator])
            let coordinator: HTTPFields = [
                .authorization: "Bearer \(member.token)", .contentType: "application/json",
            ]
            try await ServerHarness.withServer(database: database) { client in
                let created = try await client.execute(
                    uri: "/v1/volunteers", method: .post, headers: coordinator,
                    body: Self.body(
                        #"{"name": "Demo Mentor West", "home_zip": "90012", "status": "active", "capacity": 1}"#))
                let id = try #require(created.json["id"] as? String, "\(created.json)")
                let added = try await client.execute(
                    uri: "/v1/volunteers/\(id)/credentials", method: .post, headers: coordinator,
                    body: Self.body(
                        #"{"kind": "background-check", "name": "Background check", "issued_on": "2025-01-10", "expires_on": "2026-12-24"}"#
                    ))
                #expect(added.status == .created || added.status == .ok, "\(added.json)")
            }
            let scope = RequestScope(
                requestID: "test", clientAddress: nil,
                caller: Caller(
                    userID: member.user.id.uuidString.lowercased(), tokenID: member.tokenID.uuidString.lowercased(),
                    role: .coordinator, organizationID: fixture.organizationA.uuidString.lowercased()))
            // 2026-12-25 05:00 UTC is still the 24th, 21:00, in Los Angeles.
            try await database.withClient { client in
                let service = VolunteerService(
                    postgres: client, cipher: database.cipher, logger: database.logger,
                    now: { ISO8601DateFormatter().date(from: "2026-12-25T05:00:00Z")! })
                let (items, _) = try await service.expiring(scope, withinDays: 7)
                #expect(items.map(\.credential.volunteerName) == ["Demo Mentor West"])
                #expect(items.first?.today.description == "2026-12-24")
            }
        }
    }
}
