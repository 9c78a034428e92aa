import Foundation
import HTTPTypes
import HavenCore
import HavenStorage
import HavenTestSupport
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@Suite("Mentor matching over HTTP")
struct MentorMatchingTests {
    static func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    /// An active, trained, checked volunteer added through the API; returns its id.
    static func volunteer(
        _ client: some TestClientProtocol, _ headers: HTTPFields, _ json: String, checkExpires: String = "2099-01-01"
    ) async throws -> String {
        let created = try await client.execute(
            uri: "/v1/volunteers", method: .post, headers: headers, body: body(json))
        let id = try #require(created.json["id"] as? String, "\(created.json)")
        for credential in [
            #"{"kind": "training", "name": "Peer mentor training", "issued_on": "2025-01-10"}"#,
            #"{"kind": "background-check", "name": "Background check", "issued_on": "2025-01-10", "expires_on": "\#(checkExpires)"}"#,
        ] {
            _ = try await client.execute(
                uri: "/v1/volunteers/\(id)/credentials", method: .post, headers: headers, body: body(credential))
        }
        return id
    }

    /// A family added and put on the waiting list; returns its id.
    static func waitingFamily(_ client: some TestClientProtocol, _ headers: HTTPFields, _ json: String) async throws
        -> String
    {
        let created = try await client.execute(uri: "/v1/families", method: .post, headers: headers, body: body(json))
        let id = try #require(created.json["id"] as? String, "\(created.json)")
        let requested = try await client.execute(
            uri: "/v1/families/\(id)/mentor-requests", method: .post, headers: headers)
        #expect(requested.status == .created)
        return id
    }

    static func fixture(_ database: TestDatabase) async throws -> AccessFixture {
        try await database.withClient { try await AccessFixture.make(on: $0, logger: database.logger) }
    }

    static func headers(_ fixture: AccessFixture, _ role: Role) throws -> HTTPFields {
        [.authorization: "Bearer \(try #require(fixture.members[role]).token)", .contentType: "application/json"]
    }

    @Test("an advocate puts a family on the waiting list; suggestions rank mentors and count who was left out")
    func familiesAndSuggestions() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await Self.fixture(database)
            let advocate = try Self.headers(fixture, .advocate)
            let coordinator = try Self.headers(fixture, .coordinator)
            try await ServerHarness.withServer(database: database) { client in
                let bad = try await client.execute(
                    uri: "/v1/families", method: .post, headers: advocate,
                    body: Self.body(
                        #"{"reference": "", "home_zip": "60614", "situations": ["lost"], "child_age_band": "13", "needs": ["not a code"], "same_language_required": true}"#
                    ))
                expectProblem(bad, .unprocessableContent, type: "urn:haven:problem:validation")
                let pointers = Set(
                    (bad.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? [])
                #expect(
                    pointers == [
                        "/reference", "/situations/0", "/child_age_band", "/needs/0", "/same_language_required",
                    ])

                let family = try await Self.waitingFamily(
                    client, advocate,
                    #"{"reference": "DEMO-RIVERA", "home_zip": "60614", "languages": ["es"], "situations": ["family-abduction"], "child_age_band": "12-14", "preferred_mentor_gender": "woman", "same_language_required": true, "needs": ["peer-support"]}"#
                )
                let again = try await client.execute(
                    uri: "/v1/families/\(family)/mentor-requests", method: .post, headers: advocate)
                expectProblem(again, .conflict, type: "urn:haven:problem:conflict")
                let shown = try await client.execute(uri: "/v1/families/\(family)", method: .get, headers: coordinator)
                #expect(shown.json["reference"] as? String == "DEMO-RIVERA")
                #expect(shown.json["waiting_since"] as? String != nil)

                // How to reach a family is its advocates' to know: a coordinator sees the profile
                // matching reads, not the phone, email, safe word or callback note, and may not
                // rewrite the record.
                let reachable = try await client.execute(
                    uri: "/v1/families", method: .post, headers: advocate,
                    body: Self.body(
                        #"{"reference": "DEMO-REACH", "home_zip": "60614", "situations": ["child-recovered"], "safe_contact": {"channels": ["phone"], "phone": "+1 312 555 0142", "safe_word": "sunflower", "callback_note": "Say it is the school"}}"#
                    ))
                #expect(reachable.status == .created, "\(String(buffer: reachable.body))")
                let reachableID = try #require(reachable.json["id"] as? String)
                let asAdvocate = try await client.execute(
                    uri: "/v1/families/\(reachableID)", method: .get, headers: advocate)
                #expect((asAdvocate.json["safe_contact"] as? [String: Any])?["safe_word"] as? String == "sunflower")
                let asCoordinator = try await client.execute(
                    uri: "/v1/families/\(reachableID)", method: .get, headers: coordinator)
                let withheld = try #require(asCoordinator.json["safe_contact"] as? [String: Any])
                #expect(withheld["channels"] as? [String] == ["phone"])
                for field in ["phone", "email", "safe_word", "callback_note"] {
                    #expect(withheld[field] == nil || withheld[field] is NSNull, "\(field) is withheld")
                }
                #expect(!String(buffer: asCoordinator.body).contains("sunflower"))
                var rewrite = HTTPFields(coordinator)
                rewrite[.ifMatch] = asCoordinator.headers[.eTag]
                let rewritten = try await client.execute(
                    uri: "/v1/families/\(reachableID)", method: .put, headers: rewrite,
                    body: Self.body(
                        #"{"reference": "DEMO-REACH", "home_zip": "60614", "situations": ["child-recovered"]}"#))
                expectProblem(rewritten, .forbidden)
                let sealed = try await database.withClient { client in
                    let rows = try await client.query(
                        "SELECT count(*) FROM families WHERE position(convert_to('RIVERA', 'UTF8') IN reference) > 0",
                        logger: database.logger)
                    var count = -1
                    for try await value in rows.decode(Int.self) { count = value }
                    return count
                }
                #expect(sealed == 0, "the reference is stored encrypted")

                let best = try await Self.volunteer(
                    client, coordinator,
                    #"{"name": "Demo Mentor Best", "home_zip": "60614", "languages": ["es", "en"], "lived_experience": ["family-abduction"], "age_bands": ["12-14"], "gender": "woman", "status": "active", "capacity": 2}"#
                )
                // Another organization's coordinator naming this family gets exactly the answer a
                // made-up id gets, and the attempt is recorded.
                let outsider: HTTPFields = [
                    .authorization: "Bearer \(try #require(fixture.outsiders[.coordinator]).token)",
                    .contentType: "application/json",
                ]
                func propose(_ familyID: String) async throws -> TestResponse {
                    try await client.execute(
                        uri: "/v1/mentor-matches", method: .post, headers: outsider,
                        body: Self.body(#"{"family_id": "\#(familyID)", "volunteer_id": "\#(best)"}"#))
                }
                let probe = try await propose(family)
                let madeUp = try await propose(UUID().uuidString.lowercased())
                expectProblem(probe, .unprocessableContent, type: "urn:haven:problem:validation")
                #expect(probe.json["errors"] as? [[String: String]] == madeUp.json["errors"] as? [[String: String]])
                let probes = try await database.withClient { client in
                    let rows = try await client.query(
                        """
                        SELECT count(*)::int FROM audit_log
                        WHERE action = 'createMentorMatch' AND outcome = 'denied' AND record_id = \(family)
                        """, logger: database.logger)
                    var count = -1
                    for try await value in rows.decode(Int.self) { count = value }
                    return count
                }
                #expect(probes == 1, "the probe for another organization's family is recorded")

                let second = try await Self.volunteer(
                    client, coordinator,
                    #"{"name": "Demo Mentor Second", "home_zip": "60614", "languages": ["es"], "lived_experience": ["sextortion"], "gender": "woman", "status": "active"}"#
                )
                _ = try await Self.volunteer(
                    client, coordinator,
                    #"{"name": "Demo Mentor English", "home_zip": "60614", "languages": ["en"], "lived_experience": ["family-abduction"], "gender": "woman", "status": "active"}"#
                )
                _ = try await Self.volunteer(
                    client, coordinator,
                    #"{"name": "Demo Mentor Man", "home_zip": "60614", "languages": ["es"], "gender": "man", "status": "active"}"#
                )
                _ = try await Self.volunteer(
                    client, coordinator,
                    #"{"name": "Demo Mentor Lapsed", "home_zip": "60614", "languages": ["es"], "gender": "woman", "status": "active"}"#,
                    checkExpires: "2025-06-01")

                let suggested = try await client.execute(
                    uri: "/v1/families/\(family)/mentor-suggestions", method: .post, headers: coordinator)
                #expect(suggested.status == .ok)
                let data = try #require(suggested.json["data"] as? [[String: Any]])
                #expect(data.compactMap { $0["volunteer_id"] as? String } == [best, second])
                #expect(data.first?["volunteer_name"] as? String == "Demo Mentor Best")
                #expect((data.first?["reasons"] as? [String])?.contains("lived through family abduction too") == true)
                let excluded = (suggested.json["excluded"] as? [[String: Any]] ?? []).reduce(into: [String: Int]()) {
                    $0[$1["constraint"] as? String ?? ""] = $1["volunteers"] as? Int
                }
                #expect(excluded == ["background-check": 1, "language": 1, "gender": 1])

                let advocateAsks = try await client.execute(
                    uri: "/v1/families/\(family)/mentor-suggestions", method: .post, headers: advocate)
                expectProblem(advocateAsks, .forbidden)
            }
        }
    }

    @Test("a batch plan is a dry run until committed; matches move through their lifecycle")
    func planAndLifecycle() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await Self.fixture(database)
            let coordinator = try Self.headers(fixture, .coordinator)
            try await ServerHarness.withServer(database: database) { client in
                let mentor = try await Self.volunteer(
                    client, coordinator,
                    #"{"name": "Demo Mentor Solo", "home_zip": "60614", "languages": ["en"], "lived_experience": ["ran-away"], "status": "active", "capacity": 1}"#
                )
                let older = try await Self.waitingFamily(
                    client, coordinator,
                    #"{"reference": "DEMO-OLDER", "home_zip": "60614", "languages": ["en"], "situations": ["ran-away"]}"#
                )
                let newer = try await Self.waitingFamily(
                    client, coordinator,
                    #"{"reference": "DEMO-NEWER", "home_zip": "60614", "languages": ["en"], "situations": ["ran-away"]}"#
                )

                let dry = try await client.execute(
                    uri: "/v1/mentor-matching/plan", method: .post, headers: coordinator, body: Self.body("{}"))
                #expect(dry.status == .ok)
                #expect(dry.json["committed"] as? Bool == false)
                #expect(dry.json["waiting"] as? Int == 2)
                let planned = try #require(dry.json["matches"] as? [[String: Any]])
                #expect(
                    planned.compactMap { $0["family_id"] as? String } == [older], "the longest-waiting family first")
                #expect(planned.first?["volunteer_id"] as? String == mentor)
                #expect(planned.first?["match_id"] == nil, "a dry run proposes nothing")
                let left = try #require(dry.json["unmatched"] as? [[String: Any]])
                #expect(left.compactMap { $0["family_reference"] as? String } == ["DEMO-NEWER"])
                let none = try await client.execute(uri: "/v1/mentor-matches", method: .get, headers: coordinator)
                #expect((none.json["data"] as? [Any])?.isEmpty == true, "a dry run proposes nothing")

                let committed = try await client.execute(
                    uri: "/v1/mentor-matching/plan", method: .post, headers: coordinator,
                    body: Self.body(#"{"commit": true}"#))
                let match = try #require((committed.json["matches"] as? [[String: Any]])?.first?["match_id"] as? String)
                let volunteer = try await client.execute(
                    uri: "/v1/volunteers/\(mentor)", method: .get, headers: coordinator)
                #expect(volunteer.json["active_families"] as? Int == 1)
                #expect((volunteer.json["eligibility"] as? [String: Any])?["constraint"] as? String == "capacity")

                func move(_ json: String) async throws -> TestResponse {
                    try await client.execute(
                        uri: "/v1/mentor-matches/\(match)/status", method: .post, headers: coordinator,
                        body: Self.body(json))
                }
                expectProblem(
                    try await move(#"{"status": "closed", "outcome": "x"}"#), .unprocessableContent,
                    type: "urn:haven:problem:validation")
                expectProblem(
                    try await move(#"{"status": "declined"}"#), .unprocessableContent,
                    type: "urn:haven:problem:validation")
                #expect(try await move(#"{"status": "accepted"}"#).json["status"] as? String == "accepted")
                // The background check lapses after the match was accepted: the mentoring cannot
                // start until a current one is recorded.
                try await database.withClient { client in
                    try await client.query(
                        """
                        UPDATE volunteer_credentials SET issued_on = DATE '2020-01-01', expires_on = DATE '2021-01-01'
                        WHERE volunteer_id = \(UUID(uuidString: mentor)!) AND kind = 'background-check'
                        """, logger: database.logger)
                }
                let lapsed = try await move(#"{"status": "active"}"#)
                expectProblem(lapsed, .conflict, type: "urn:haven:problem:conflict")
                #expect((lapsed.json["detail"] as? String)?.contains("background check expired on 2021-01-01") == true)
                _ = try await client.execute(
                    uri: "/v1/volunteers/\(mentor)/credentials", method: .post, headers: coordinator,
                    body: Self.body(
                        #"{"kind": "background-check", "name": "Background check", "issued_on": "2026-01-10", "expires_on": "2099-01-01"}"#
                    ))
                #expect(try await move(#"{"status": "active"}"#).json["status"] as? String == "active")
                let closed = try await move(
                    #"{"status": "closed", "outcome": "Family connected with their mentor for six months."}"#)
                #expect(closed.json["status"] as? String == "closed")
                #expect(closed.json["outcome"] as? String == "Family connected with their mentor for six months.")
                expectProblem(
                    try await move(#"{"status": "active"}"#), .unprocessableContent,
                    type: "urn:haven:problem:validation")

                // The place is free again: the newer family is matched next, then declined and
                // back on the waiting list.
                let next = try await client.execute(
                    uri: "/v1/mentor-matches", method: .post, headers: coordinator,
                    body: Self.body(#"{"family_id": "\#(newer)", "volunteer_id": "\#(mentor)"}"#))
                #expect(next.status == .created)
                let declined = try await client.execute(
                    uri: "/v1/mentor-matches/\(try #require(next.json["id"] as? String))/status", method: .post,
                    headers: coordinator,
                    body: Self.body(#"{"status": "declined", "reason": "Mentor is unavailable this month."}"#))
                #expect(declined.json["decline_reason"] as? String == "Mentor is unavailable this month.")
                let readable = try await database.withClient { client in
                    let rows = try await client.query(
                        """
                        SELECT count(*)::int FROM mentor_matches
                        WHERE position(convert_to('unavailable', 'UTF8') IN decline_reason) > 0
                           OR position(convert_to('six months', 'UTF8') IN outcome) > 0
                        """, logger: database.logger)
                    var count = -1
                    for try await value in rows.decode(Int.self) { count = value }
                    return count
                }
                #expect(readable == 0, "decline reasons and outcomes are stored sealed")
                let family = try await client.execute(uri: "/v1/families/\(newer)", method: .get, headers: coordinator)
                #expect(family.json["waiting_since"] as? String != nil, "back on the waiting list")

                let audited = try await database.withClient { client in
                    let rows = try await client.query(
                        "SELECT action FROM audit_log WHERE record_id = \(match) ORDER BY seq", logger: database.logger)
                    var actions: [String] = []
                    for try await action in rows.decode(String.self) { actions.append(action) }
                    return actions
                }
                #expect(
                    audited == ["proposeMentorMatch", "updateMentorMatch", "updateMentorMatch", "updateMentorMatch"])
            }
        }
    }

    @Test("parallel proposals and parallel committed plans never push a volunteer past capacity")
    func capacityUnderConcurrency() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await Self.fixture(database)
            let coordinator = try Self.headers(fixture, .coordinator)
            let colleague: HTTPFields = [
                .authorization: "Bearer \(try #require(fixture.colleagues[.coordinator]).token)",
                .contentType: "application/json",
            ]
            // AsyncHTTPClient opens a connection per parallel request, so the requests really
            // reach the server at the same time (the live client sends one at a time).
            try await ServerHarness.withServer(database: database, testing: .ahc(.http)) { client in
                let mentor = try await Self.volunteer(
                    client, coordinator,
                    #"{"name": "Demo Mentor One Place", "home_zip": "60614", "languages": ["en"], "status": "active", "capacity": 1}"#
                )
                var families: [String] = []
                for number in 0..<6 {
                    families.append(
                        try await Self.waitingFamily(
                            client, coordinator,
                            #"{"reference": "DEMO-PAR-\#(number)", "home_zip": "60614", "languages": ["en"]}"#))
                }
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for (index, family) in families.enumerated() {
                        let headers = index.isMultiple(of: 2) ? coordinator : colleague
                        group.addTask {
                            try await client.execute(
                                uri: "/v1/mentor-matches", method: .post, headers: headers,
                                body: Self.body(#"{"family_id": "\#(family)", "volunteer_id": "\#(mentor)"}"#)
                            ).status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == .created }.count == 1)
                #expect(statuses.filter { $0 == .conflict }.count == 5)

                // Free the place, then two coordinators commit plans at the same moment.
                let open = try await client.execute(
                    uri: "/v1/mentor-matches?status=proposed", method: .get, headers: coordinator)
                let id = try #require((open.json["data"] as? [[String: Any]])?.first?["id"] as? String)
                _ = try await client.execute(
                    uri: "/v1/mentor-matches/\(id)/status", method: .post, headers: coordinator,
                    body: Self.body(#"{"status": "declined", "reason": "Trying the batch instead."}"#))
                let proposed = try await withThrowingTaskGroup(of: Int.self) { group in
                    for headers in [coordinator, colleague] {
                        group.addTask {
                            let plan = try await client.execute(
                                uri: "/v1/mentor-matching/plan", method: .post, headers: headers,
                                body: Self.body(#"{"commit": true}"#))
                            return (plan.json["matches"] as? [Any])?.count ?? -1
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(proposed.sorted() == [0, 1], "one plan proposes the free place; the other finds none")
                let volunteer = try await client.execute(
                    uri: "/v1/volunteers/\(mentor)", method: .get, headers: coordinator)
                #expect(volunteer.json["active_families"] as? Int == 1)
            }
        }
    }

    @Test("a batch of proposals and a single proposal for the same family queue instead of deadlocking")
    func batchAndSingleProposalQueue() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await Self.fixture(database)
            let advocate = try Self.headers(fixture, .advocate)
            let coordinator = try Self.headers(fixture, .coordinator)
            try await ServerHarness.withServer(database: database) { client in
                let family = try await Self.waitingFamily(
                    client, advocate,
                    #"{"reference": "DEMO-QUEUE", "home_zip": "60614", "languages": ["en"], "situations": ["child-recovered"]}"#
                )
                let mentor = try await Self.volunteer(
                    client, coordinator,
                    #"{"name": "Demo Mentor Queue", "home_zip": "60614", "languages": ["en"], "lived_experience": ["child-recovered"], "status": "active"}"#
                )
                let logger = database.logger
                try await database.withClient { postgres in
                    try await postgres.withConnection { held in
                        // A single proposal holds the family, as it does before it takes the
                        // volunteer.
                        try await held.query("BEGIN", logger: logger)
                        try await held.query(
                            "SELECT 1 FROM families WHERE id = \(UUID(uuidString: family)!) FOR UPDATE", logger: logger)
                        let batch = Task {
                            try await client.execute(
                                uri: "/v1/mentor-matching/plan", method: .post, headers: coordinator,
                                body: Self.body(#"{"commit": true}"#))
                        }
                        // Until the batch waits for a lock held here.
                        try await waitForLockWaiter(postgres, logger: logger)
                        // The proposal now takes the volunteer: the batch must not be holding it.
                        try await held.query(
                            "SELECT 1 FROM volunteers WHERE id = \(UUID(uuidString: mentor)!) FOR UPDATE",
                            logger: logger)
                        try await held.query("COMMIT", logger: logger)
                        let committed = try await batch.value
                        #expect(committed.status == .ok, "\(String(buffer: committed.body))")
                        #expect((committed.json["matches"] as? [[String: Any]])?.count == 1)
                    }
                }
            }
        }
    }
}
