import Foundation
import HTTPTypes
import HavenCore
import HavenStorage
import HavenTestSupport
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@Suite("Referral plans over HTTP")
struct ReferralPlanTests {
    static func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    static func headers(_ member: AccessFixture.Member?, ifMatch: String? = nil) throws -> HTTPFields {
        var fields: HTTPFields = [
            .authorization: "Bearer \(try #require(member).token)", .contentType: "application/json",
        ]
        if let ifMatch { fields[.ifMatch] = ifMatch }
        return fields
    }

    static let familyJSON = #"""
        {"reference": "DEMO-LUNA", "home_zip": "60614", "languages": ["es"],
         "needs": ["mental-health.trauma-therapy", "legal.family-law"], "situations": ["ran-away"],
         "children": [{"age": 14}], "wants_mentor": true,
         "safe_contact": {"channels": ["phone", "email"], "no_texts": true, "shared_device": true,
                          "phone": "+13125550199", "email": "demo-luna@example.invalid", "safe_word": "marigold",
                          "callback_note": "Say it is the school calling",
                          "safe_times": [{"byday": "MO,TU,WE,TH,FR", "opens_at": "17:00", "closes_at": "20:00"}]}}
        """#

    /// Counts rows where the sealed column still holds `text` in the clear (it never should).
    static func plaintextRows(_ database: TestDatabase, table: String, column: String, text: String) async throws
        -> Int
    {
        try await database.withClient { client in
            let rows = try await client.query(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT count(*) FROM \(table) WHERE position(convert_to('\(text)', 'UTF8') IN \(column)) > 0"),
                logger: database.logger)
            var count = -1
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }

    static func auditCount(_ database: TestDatabase, action: String, record: String, outcome: String? = nil)
        async throws -> Int
    {
        try await database.withClient { client in
            let rows = try await client.query(
                """
                SELECT count(*) FROM audit_log WHERE action = \(action) AND record_id = \(record)
                  AND (\(outcome)::text IS NULL OR outcome::text = \(outcome))
                """,
                logger: database.logger)
            var count = -1
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }

    /// The demo family recorded by `headers`' advocate, with an empty first plan (no suggested
    /// services): the ids of both.
    static func familyWithEmptyPlan(_ client: some TestClientProtocol, _ headers: HTTPFields) async throws -> (
        family: String, plan: String
    ) {
        let created = try await client.execute(
            uri: "/v1/families", method: .post, headers: headers, body: body(familyJSON))
        let family = try #require(created.json["id"] as? String, "\(created.json)")
        let drafted = try await client.execute(
            uri: "/v1/families/\(family)/plans", method: .post, headers: headers,
            body: body(#"{"services_per_need": 0}"#))
        return (family, try #require(drafted.json["id"] as? String, "\(drafted.json)"))
    }

    static let chicago: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/Chicago")!
        return calendar
    }()

    /// The next Monday in Chicago after today: check-ins in the future, whatever day tests run.
    static let monday: DateComponents = {
        let tomorrow = chicago.startOfDay(for: Date().addingTimeInterval(86_400))
        let next = chicago.nextDate(after: tomorrow, matching: DateComponents(weekday: 2), matchingPolicy: .nextTime)!
        return chicago.dateComponents([.year, .month, .day], from: next)
    }()

    /// That Monday at `hour`:00 in Chicago, as ISO 8601 with the offset.
    static func chicagoMonday(_ hour: Int, plusDays: Int = 0) -> String {
        let date = chicago.date(
            from: DateComponents(year: monday.year, month: monday.month, day: monday.day! + plusDays, hour: hour))!
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = chicago.timeZone
        return formatter.string(from: date)
    }

    static var mondayInSpanish: String {
        let months = [
            "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
            "noviembre", "diciembre",
        ]
        return "el lunes \(monday.day!) de \(months[monday.month! - 1]) de \(monday.year!)"
    }

    @Test(
        "a specialist records a family, drafts a plan from search with crisis lines and a mentor offer, edits it in versions"
    )
    func planWorkflow() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await SearchTests.world(database)
            let advocate = try Self.headers(world.fixture.members[.advocate])
            try await ServerHarness.withServer(database: database) { client in
                let unsafe = try await client.execute(
                    uri: "/v1/families", method: .post, headers: advocate,
                    body: Self.body(
                        #"{"reference": "DEMO-X", "home_zip": "60614", "children": [{"age": 40}], "safe_contact": {"channels": ["sms", "carrier-pigeon"], "no_texts": true}}"#
                    ))
                expectProblem(unsafe, .unprocessableContent, type: "urn:haven:problem:validation")
                let pointers = Set(
                    (unsafe.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? [])
                #expect(
                    pointers == [
                        "/children/0/age", "/safe_contact/channels/1", "/safe_contact/channels", "/safe_contact/phone",
                    ])

                let created = try await client.execute(
                    uri: "/v1/families", method: .post, headers: advocate, body: Self.body(Self.familyJSON))
                #expect(created.status == .created, "\(created.json)")
                let family = try #require(created.json["id"] as? String)
                let contact = try #require(created.json["safe_contact"] as? [String: Any])
                #expect(contact["safe_word"] as? String == "marigold")
                #expect((created.json["children"] as? [[String: Any]])?.first?["age"] as? Int == 14)
                #expect(
                    try await Self.plaintextRows(database, table: "families", column: "details", text: "marigold") == 0)

                // The draft: search's best services per need, crisis lines, the mentor offer.
                let drafted = try await client.execute(
                    uri: "/v1/families/\(family)/plans", method: .post, headers: advocate,
                    body: Self.body(#"{"goals": ["Que mi hija vuelva a la escuela"]}"#))
                #expect(drafted.status == .created, "\(drafted.json)")
                #expect(drafted.headers[.eTag] == #""v1""#)
                let plan = try #require(drafted.json["id"] as? String)
                let referrals = try #require(drafted.json["referrals"] as? [[String: Any]])
                #expect(
                    referrals.compactMap { $0["service_name"] as? String } == [
                        "Near counseling", "Far counseling", "Spanish legal help",
                    ])
                #expect(referrals.allSatisfy { $0["status"] as? String == "draft" })
                #expect(referrals.allSatisfy { $0["handoff"] as? String == "self-referral" })
                #expect(
                    (referrals.first?["search_reasons"] as? [String])?.contains("5.0 km away") == true, "\(referrals)")
                #expect(referrals.first?["reason"] == nil, "why, for the family, is the specialist's to write")
                let crisis = try #require(drafted.json["crisis_contacts"] as? [[String: Any]])
                let lineNames = crisis.compactMap { $0["name"] as? String }
                #expect(
                    lineNames.prefix(2) == [
                        "NCMEC 1-800-THE-LOST missing child hotline", "988 Suicide & Crisis Lifeline",
                    ],
                    "a short national core, most relevant first: \(lineNames)")
                #expect(crisis.count == CrisisLineChoice.nationalCore.count)
                #expect((drafted.json["mentor"] as? [String: Any])?["offered"] as? Bool == true)
                #expect(drafted.json["goals"] as? [String] == ["Que mi hija vuelva a la escuela"])

                let referralIDs = referrals.compactMap { $0["id"] as? String }
                let serviceIDs = referrals.compactMap { $0["service_id"] as? String }
                // The edit: the legal help first, as a warm handoff; the far counseling gone; a
                // check-in at a safe time; notes, one with a word the language guide flags.
                let edit = #"""
                    {"goals": ["Que mi hija vuelva a la escuela", "Dormir tranquila"],
                     "referrals": [
                       {"id": "\#(referralIDs[2])", "service_id": "\#(serviceIDs[2])", "handoff": "warm",
                        "reason": "Helps with custody papers in Spanish", "what_to_expect": "A first call of 20 minutes"},
                       {"id": "\#(referralIDs[0])", "service_id": "\#(serviceIDs[0])",
                        "follow_up": {"due_at": "\#(Self.chicagoMonday(18))", "channel": "phone", "note": "Ask how the first session went"}}
                     ],
                     "internal_notes": "The pimp has been seen near the school",
                     "follow_ups": [{"due_at": "\#(Self.chicagoMonday(19))", "channel": "email"}]}
                    """#
                let unconditional = try await client.execute(
                    uri: "/v1/plans/\(plan)", method: .put, headers: advocate, body: Self.body(edit))
                #expect(unconditional.status == .preconditionRequired)
                let saved = try await client.execute(
                    uri: "/v1/plans/\(plan)", method: .put,
                    headers: try Self.headers(
                        world.fixture.members[.advocate], ifMatch: #""v1""#), body: Self.body(edit))
                #expect(saved.status == .ok, "\(saved.json)")
                #expect(saved.headers[.eTag] == #""v2""#)
                let edited = try #require(saved.json["referrals"] as? [[String: Any]])
                #expect(
                    edited.compactMap { $0["service_name"] as? String } == ["Spanish legal help", "Near counseling"])
                #expect(edited.first?["handoff"] as? String == "warm")
                #expect(edited.first?["share"] as? [String] == ["contact", "needs"])
                #expect((edited.first?["consent_problems"] as? [String])?.isEmpty == false)
                #expect((saved.json["crisis_contacts"] as? [[String: Any]])?.count == crisis.count)
                let warnings = try #require(saved.json["language_warnings"] as? [[String: Any]])
                #expect(warnings.count == 1)
                #expect(warnings.first?["pointer"] as? String == "/internal_notes")
                #expect(warnings.first?["prefer"] as? String == "trafficker")
                #expect(
                    try await Self.plaintextRows(
                        database, table: "plan_versions", column: "content", text: "custody papers") == 0)

                // The specialist may narrow the crisis lines, never to none, and only to lines
                // that cover the family's ZIP.
                _ = try #require(crisis.dropFirst().first?["id"] as? String)
                for (lines, pointer) in [("[]", "/crisis_contact_ids"), (#"["\#(UUID())"]"#, "/crisis_contact_ids/0")] {
                    let refused = try await client.execute(
                        uri: "/v1/plans/\(plan)", method: .put,
                        headers: try Self.headers(world.fixture.members[.advocate], ifMatch: #""v2""#),
                        body: Self.body(
                            #"{"referrals": [{"id": "\#(referralIDs[2])", "service_id": "\#(serviceIDs[2])", "handoff": "warm"}, {"id": "\#(referralIDs[0])", "service_id": "\#(serviceIDs[0])"}], "crisis_contact_ids": \#(lines)}"#
                        ))
                    #expect(
                        (refused.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == pointer,
                        "\(refused.json)")
                }

                // Someone else saved first: 412, and nothing changes.
                let stale = try await client.execute(
                    uri: "/v1/plans/\(plan)", method: .put,
                    headers: try Self.headers(world.fixture.members[.advocate], ifMatch: #""v1""#),
                    body: Self.body(#"{"goals": ["Lost update"]}"#))
                #expect(stale.status == .preconditionFailed)
                let current = try await client.execute(uri: "/v1/plans/\(plan)", method: .get, headers: advocate)
                #expect(current.json["version"] as? Int == 2)
                #expect((current.json["goals"] as? [String])?.count == 2)
                let first = try await client.execute(
                    uri: "/v1/plans/\(plan)/versions/1", method: .get, headers: advocate)
                #expect(first.json["version"] as? Int == 1)
                #expect(first.json["current_version"] as? Int == 2)
                #expect((first.json["referrals"] as? [[String: Any]])?.count == 3)
                let missing = try await client.execute(
                    uri: "/v1/plans/\(plan)/versions/9", method: .get, headers: advocate)
                #expect(missing.status == .notFound)

                // Safety rules: Saturday is not a safe time; texts are refused; neither saves.
                for (followUp, pointer) in [
                    (#"{"due_at": "2026-11-28T10:00:00-06:00", "channel": "phone"}"#, "/follow_ups/0/due_at"),
                    (#"{"due_at": "\#(Self.chicagoMonday(18))", "channel": "sms"}"#, "/follow_ups/0/channel"),
                    (#"{"due_at": "\#(Self.chicagoMonday(18))", "channel": "video"}"#, "/follow_ups/0/channel"),
                ] {
                    let refused = try await client.execute(
                        uri: "/v1/plans/\(plan)", method: .put,
                        headers: try Self.headers(world.fixture.members[.advocate], ifMatch: #""v2""#),
                        body: Self.body(
                            #"{"referrals": [{"id": "\#(referralIDs[2])", "service_id": "\#(serviceIDs[2])", "handoff": "warm"}, {"id": "\#(referralIDs[0])", "service_id": "\#(serviceIDs[0])"}], "follow_ups": [\#(followUp)]}"#
                        ))
                    expectProblem(refused, .unprocessableContent, type: "urn:haven:problem:validation")
                    let found = (refused.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String
                    #expect(found == pointer, "\(refused.json)")
                }
                let unchanged = try await client.execute(uri: "/v1/plans/\(plan)", method: .get, headers: advocate)
                #expect(unchanged.json["version"] as? Int == 2)

                // What is due: both check-ins, soonest first, with the family's safe times.
                let due = try await client.execute(
                    uri:
                        "/v1/follow-ups?due_before=\(Self.chicagoMonday(0, plusDays: 2).replacingOccurrences(of: "+", with: "%2B"))",
                    method: .get, headers: advocate)
                #expect(due.status == .ok)
                let items = try #require(due.json["data"] as? [[String: Any]])
                #expect(items.compactMap { $0["channel"] as? String } == ["phone", "email"])
                #expect(items.first?["service_name"] as? String == "Near counseling")
                #expect(items.first?["note"] as? String == "Ask how the first session went")
                #expect(items.first?["family_reference"] as? String == "DEMO-LUNA")
                #expect(items.first?["safe_times"] as? String == "MO,TU,WE,TH,FR 17:00–20:00")
                #expect(items.first?["warning"] == nil)
                let none = try await client.execute(
                    uri:
                        "/v1/follow-ups?due_before=\(Self.chicagoMonday(0).replacingOccurrences(of: "+", with: "%2B"))",
                    method: .get, headers: advocate)
                #expect((none.json["data"] as? [[String: Any]])?.isEmpty == true)

                // The family's document: Spanish, self-contained, nothing internal; on a shared
                // device, sensitive services go unnamed unless the advocate chooses otherwise.
                let spanish = try await client.execute(
                    uri: "/v1/plans/\(plan)/document?format=html&lang=es", method: .get, headers: advocate)
                #expect(spanish.status == .ok)
                #expect(spanish.headers[.contentType]?.hasPrefix("text/html") == true)
                let html = String(buffer: spanish.body)
                #expect(html.contains(#"<html lang="es">"#))
                #expect(html.contains("<h1>Tu plan</h1>"))
                #expect(html.contains("Dormir tranquila"))
                #expect(html.contains("Spanish legal help"))
                #expect(html.contains("Helps with custody papers in Spanish"))
                #expect(!html.contains("Near counseling"), "a sensitive service on a shared device goes unnamed")
                #expect(html.contains("sin nombre, para proteger tu privacidad"))
                #expect(!html.contains("Terapia centrada en el trauma"), "nor is a sensitive need named")
                #expect(html.contains("Custodia y derecho familiar"))
                #expect(html.contains("988"), "the crisis lines are in the document")
                // What to expect from a line, in Spanish; and a way answered only in English says so.
                #expect(html.contains("Primero, un consejero te pregunta si estás a salvo"), "\(html)")
                #expect(!html.contains("A counselor first asks whether you are safe"))
                #expect(html.contains("Envía un mensaje de texto al 988 (en inglés)"))
                #expect(html.contains("Envía AYUDA por mensaje de texto al 988"))
                #expect(!html.contains("Envía AYUDA por mensaje de texto al 988 (en inglés)"))
                #expect(html.contains("\(Self.mondayInSpanish) a las 18:00, por teléfono"), "the next check-in")
                for secret in [
                    "pimp", "DEMO-LUNA", "marigold", "school calling", "<script", "<link", "src=", "@import",
                ] {
                    #expect(!html.contains(secret), "the document must not contain \(secret)")
                }
                let named = try await client.execute(
                    uri: "/v1/plans/\(plan)/document?lang=en&show_sensitive_names=true", method: .get,
                    headers: advocate)
                #expect(String(buffer: named.body).contains("Near counseling"))
                #expect(String(buffer: named.body).contains("Trauma-focused therapy"))
                let markdown = try await client.execute(
                    uri: "/v1/plans/\(plan)/document?format=md", method: .get, headers: advocate)
                #expect(markdown.headers[.contentType]?.hasPrefix("text/markdown") == true)
                #expect(String(buffer: markdown.body).hasPrefix("# Your plan\n"))
                #expect(
                    String(buffer: markdown.body).contains("(24 hours, every day): "),
                    "a line open around the clock says so in Markdown too")
                let badFormat = try await client.execute(
                    uri: "/v1/plans/\(plan)/document?format=pdf&lang=fr", method: .get, headers: advocate)
                expectProblem(badFormat, .unprocessableContent, type: "urn:haven:problem:validation")

                // Another organization's advocate: 404, like a plan that does not exist.
                let outsider = try await client.execute(
                    uri: "/v1/plans/\(plan)", method: .get,
                    headers: try Self.headers(world.fixture.outsiders[.advocate]))
                #expect(outsider.status == .notFound)
                // A plan that does not exist is recorded the same way, so the two answers take
                // as long as each other: how fast a 404 comes back says nothing.
                let absent = UUID().uuidString.lowercased()
                let absentPlan = try await client.execute(
                    uri: "/v1/plans/\(absent)", method: .get,
                    headers: try Self.headers(world.fixture.outsiders[.advocate]))
                #expect(absentPlan.status == .notFound)
                #expect(
                    try await Self.auditCount(database, action: "getPlan", record: absent, outcome: "denied") == 1)

                #expect(try await Self.auditCount(database, action: "createPlan", record: plan) == 1)
                #expect(try await Self.auditCount(database, action: "replacePlan", record: plan) == 1)
                #expect(try await Self.auditCount(database, action: "getPlan", record: plan, outcome: "allowed") == 2)
                #expect(
                    try await Self.auditCount(database, action: "getPlan", record: plan, outcome: "denied") == 1,
                    "the other organization's attempt")
                #expect(try await Self.auditCount(database, action: "getPlanVersion", record: plan) == 1)
                #expect(try await Self.auditCount(database, action: "createFamily", record: family) == 1)
            }
        }
    }

    @Test(
        "sending a referral waits for an edit of its plan to commit, then sees it: a referral the edit dropped is not sent"
    )
    func sendWaitsForThePlanEdit() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await SearchTests.world(database)
            let advocate = try Self.headers(world.fixture.members[.advocate])
            try await ServerHarness.withServer(database: database) { client in
                let (_, plan) = try await Self.familyWithEmptyPlan(client, advocate)
                let nearby = try #require(world.ids["Near counseling"])
                let saved = try await client.execute(
                    uri: "/v1/plans/\(plan)", method: .put,
                    headers: try Self.headers(world.fixture.members[.advocate], ifMatch: #""v1""#),
                    body: Self.body(#"{"referrals": [{"service_id": "\#(nearby)"}]}"#))
                let referral = try #require(
                    (saved.json["referrals"] as? [[String: Any]])?.first?["id"] as? String, "\(saved.json)")
                let logger = database.logger
                try await database.withClient { postgres in
                    try await postgres.withConnection { held in
                        // An edit of the plan is under way: it holds the plan, and drops the
                        // referral before it commits.
                        try await held.query("BEGIN", logger: logger)
                        try await held.query(
                            "SELECT 1 FROM plans WHERE id = \(UUID(uuidString: plan)!) FOR UPDATE", logger: logger)
                        let send = Task {
                            try await client.execute(
                                uri: "/v1/referrals/\(referral)/status", method: .post, headers: advocate,
                                body: Self.body(#"{"status": "sent"}"#))
                        }
                        try await waitForLockWaiter(postgres, logger: logger)
                        try await held.query(
                            "UPDATE referrals SET in_plan = false WHERE id = \(UUID(uuidString: referral)!)",
                            logger: logger)
                        try await held.query("COMMIT", logger: logger)
                        let sent = try await send.value
                        expectProblem(sent, .conflict, type: "urn:haven:problem:conflict")
                        #expect((sent.json["detail"] as? String)?.contains("no longer in the plan") == true)
                    }
                }
            }
        }
    }

    @Test(
        "a warm handoff goes out only under a consent covering recipient, purpose and categories; partners see only that"
    )
    func consentGate() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await SearchTests.world(database)
            let fixture = world.fixture
            // A counseling service the partner organization B runs.
            let partnerService = UUID()
            try await database.withClient { client in
                try await client.transaction(logger: database.logger) { connection in
                    var draft = ServiceDraft(organizationID: fixture.organizationB, name: "Partner counseling")
                    draft.needs = ["mental-health.trauma-therapy"]
                    try await ServiceRepository(logger: database.logger).save(
                        id: partnerService, draft, on: connection)
                }
            }
            let advocate = try Self.headers(fixture.members[.advocate])
            let partner = try Self.headers(fixture.outsiders[.partner])
            let otherPartner = try Self.headers(fixture.members[.partner])
            try await ServerHarness.withServer(database: database) { client in
                let (family, plan) = try await Self.familyWithEmptyPlan(client, advocate)
                let nearby = try #require(world.ids["Near counseling"])
                let saved = try await client.execute(
                    uri: "/v1/plans/\(plan)", method: .put,
                    headers: try Self.headers(fixture.members[.advocate], ifMatch: #""v1""#),
                    body: Self.body(
                        #"{"referrals": [{"service_id": "\#(partnerService.uuidString)", "handoff": "warm", "share": ["contact", "needs"]}, {"service_id": "\#(nearby)"}]}"#
                    ))
                let referrals = try #require(saved.json["referrals"] as? [[String: Any]], "\(saved.json)")
                let warm = try #require(referrals.first?["id"] as? String)
                let selfReferral = try #require(referrals.last?["id"] as? String)

                func send() async throws -> TestResponse {
                    try await client.execute(
                        uri: "/v1/referrals/\(warm)/status", method: .post, headers: advocate,
                        body: Self.body(#"{"status": "sent"}"#))
                }
                func consent(
                    recipient: UUID, purposes: String = #"["service-referral"]"#,
                    categories: String = #"["contact", "needs"]"#
                ) async throws -> String {
                    let expires = CalendarDate(Date(), timeZone: "America/Chicago").adding(days: 90)
                    let response = try await client.execute(
                        uri: "/v1/families/\(family)/consents", method: .post, headers: advocate,
                        body: Self.body(
                            #"{"given_by": "Demo parent", "relationship": "parent", "recipient_organization_id": "\#(recipient.uuidString)", "purposes": \#(purposes), "categories": \#(categories), "expires_on": "\#(expires)"}"#
                        ))
                    #expect(response.status == .created, "\(response.json)")
                    return try #require(response.json["id"] as? String)
                }
                func refusedBecause(_ words: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                    let refused = try await send()
                    expectProblem(
                        refused, .conflict, type: "urn:haven:problem:conflict", sourceLocation: sourceLocation)
                    let detail = refused.json["detail"] as? String ?? ""
                    #expect(detail.contains(words), "\(detail)", sourceLocation: sourceLocation)
                }

                try await refusedBecause("no consent to share with this organization")
                _ = try await consent(recipient: fixture.organizationA)
                try await refusedBecause("no consent to share with this organization")
                // An expired one (stored directly: the API refuses a past expiry date).
                try await database.withClient { client in
                    try await client.withConnection { connection in
                        try await ConsentRepository(logger: database.logger, cipher: database.cipher).insert(
                            id: UUID(), familyID: UUID(uuidString: family)!,
                            ConsentDraft(
                                givenBy: "Demo parent", relationship: .parent,
                                recipientOrganizationID: fixture.organizationB, purposes: [.serviceReferral],
                                categories: [.contact, .needs], givenAt: Date().addingTimeInterval(-90 * 86_400),
                                expiresOn: CalendarDate(Date(), timeZone: "UTC").adding(days: -3)),
                            recordedBy: nil, on: connection)
                    }
                }
                try await refusedBecause("expired")
                let revokedFirst = try await consent(recipient: fixture.organizationB)
                let revoked = try await client.execute(
                    uri: "/v1/consents/\(revokedFirst)/revoke", method: .post, headers: advocate)
                #expect(revoked.status == .ok)
                #expect(revoked.json["active"] as? Bool == false)
                let twice = try await client.execute(
                    uri: "/v1/consents/\(revokedFirst)/revoke", method: .post, headers: advocate)
                #expect(twice.status == .conflict)
                try await refusedBecause("revoked")
                // The closest consent explains: the newest, when several miss by as much.
                _ = try await consent(recipient: fixture.organizationB, purposes: #"["peer-support"]"#)
                try await refusedBecause("does not cover the purpose service-referral")
                _ = try await consent(recipient: fixture.organizationB, categories: #"["contact"]"#)
                try await refusedBecause("does not cover: needs")
                let unseen = try await client.execute(
                    uri: "/v1/referrals/\(warm)", method: .get, headers: partner)
                #expect(unseen.status == .notFound, "a draft is not the partner's yet")
                #expect(
                    try await Self.auditCount(database, action: "getReferral", record: warm, outcome: "denied") == 1,
                    "the partner's attempt is recorded as denied")

                let covering = try await consent(recipient: fixture.organizationB)
                let sent = try await send()
                #expect(sent.status == .ok, "\(sent.json)")
                #expect(sent.json["status"] as? String == "sent")
                let selfSent = try await client.execute(
                    uri: "/v1/referrals/\(selfReferral)/status", method: .post, headers: advocate,
                    body: Self.body(#"{"status": "sent"}"#))
                #expect(selfSent.status == .ok, "a self-referral shares nothing and needs no consent")

                // The partner: only its referral, only the consented categories.
                let listed = try await client.execute(uri: "/v1/referrals", method: .get, headers: partner)
                let data = try #require(listed.json["data"] as? [[String: Any]])
                #expect(data.compactMap { $0["id"] as? String } == [warm])
                let shared = try #require(data.first?["family"] as? [String: Any])
                #expect(shared["categories"] as? [String] == ["contact", "needs"])
                #expect(shared["needs"] as? [String] == ["mental-health.trauma-therapy", "legal.family-law"])
                #expect((shared["contact"] as? [String: Any])?["phone"] as? String == "+13125550199")
                #expect((shared["contact"] as? [String: Any])?["safe_word"] == nil)
                #expect(shared["situations"] == nil)
                #expect(shared["children"] == nil)
                #expect(data.first?["plan_id"] == nil)
                let elsewhere = try await client.execute(uri: "/v1/referrals", method: .get, headers: otherPartner)
                #expect((elsewhere.json["data"] as? [[String: Any]])?.isEmpty == true)
                let hidden = try await client.execute(
                    uri: "/v1/referrals/\(warm)", method: .get, headers: otherPartner)
                #expect(hidden.status == .notFound)
                let selfHidden = try await client.execute(
                    uri: "/v1/referrals/\(selfReferral)", method: .get, headers: partner)
                #expect(selfHidden.status == .notFound)
                let notTheirs = try await client.execute(
                    uri: "/v1/families/\(family)", method: .get, headers: partner)
                #expect(notTheirs.status == .forbidden)

                // Closing the loop.
                let unexplained = try await client.execute(
                    uri: "/v1/referrals/\(warm)/status", method: .post, headers: partner,
                    body: Self.body(#"{"status": "declined"}"#))
                expectProblem(unexplained, .unprocessableContent, type: "urn:haven:problem:validation")
                let withdrawn = try await client.execute(
                    uri: "/v1/referrals/\(warm)/status", method: .post, headers: partner,
                    body: Self.body(#"{"status": "withdrawn", "outcome": "no"}"#))
                #expect(withdrawn.status == .unprocessableContent, "only the family's side withdraws")
                let accepted = try await client.execute(
                    uri: "/v1/referrals/\(warm)/status", method: .post, headers: partner,
                    body: Self.body(#"{"status": "accepted"}"#))
                #expect(accepted.json["status"] as? String == "accepted")

                // Revocation takes effect at once: the partner keeps the referral and what the
                // remaining contact-only consent covers, not the family's needs.
                _ = try await client.execute(uri: "/v1/consents/\(covering)/revoke", method: .post, headers: advocate)
                let after = try await client.execute(uri: "/v1/referrals/\(warm)", method: .get, headers: partner)
                #expect(after.status == .ok)
                let less = try #require(after.json["family"] as? [String: Any])
                #expect(less["categories"] as? [String] == ["contact"])
                #expect(less["needs"] == nil)
                #expect((less["contact"] as? [String: Any])?["phone"] as? String == "+13125550199")

                // A referral that went out stays in the plan until it is finished.
                let dropped = try await client.execute(
                    uri: "/v1/plans/\(plan)", method: .put,
                    headers: try Self.headers(fixture.members[.advocate], ifMatch: #""v2""#), body: Self.body("{}"))
                expectProblem(dropped, .unprocessableContent, type: "urn:haven:problem:validation")

                // The advocate pages through the organization's referrals, each exactly once.
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let page = try await client.execute(
                        uri: "/v1/referrals?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""), method: .get,
                        headers: advocate)
                    seen += (page.json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                    cursor = page.json["next_cursor"] as? String
                } while cursor != nil && seen.count < 5
                #expect(seen.sorted() == [warm, selfReferral].sorted())

                let consents = try await client.execute(
                    uri: "/v1/families/\(family)/consents", method: .get, headers: advocate)
                let rows = try #require(consents.json["data"] as? [[String: Any]])
                #expect(rows.count == 6)
                #expect(rows.filter { $0["active"] as? Bool == true }.count == 3)
                #expect(
                    try await Self.plaintextRows(database, table: "consents", column: "given_by", text: "Demo parent")
                        == 0)
                #expect(
                    try await Self.auditCount(database, action: "getReferral", record: warm, outcome: "allowed") == 1)
                #expect(try await Self.auditCount(database, action: "updateReferral", record: warm) == 2)

                // The family's side takes the referral back, with a note for its own records:
                // the partner sees that it was withdrawn, not the note about the family.
                let takenBack = try await client.execute(
                    uri: "/v1/referrals/\(warm)/status", method: .post, headers: advocate,
                    body: Self.body(#"{"status": "withdrawn", "outcome": "The family chose a clinic nearer school"}"#))
                #expect(takenBack.json["outcome"] as? String == "The family chose a clinic nearer school")
                let partnerView = try await client.execute(uri: "/v1/referrals/\(warm)", method: .get, headers: partner)
                #expect(partnerView.json["status"] as? String == "withdrawn")
                #expect(partnerView.json["outcome"] == nil || partnerView.json["outcome"] is NSNull)
                #expect(!String(buffer: partnerView.body).contains("nearer school"))
            }
        }
    }

    @Test("the draft prefers services open during the family's safe times, and falls back to the others")
    func draftRespectsSafeTimes() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await SearchTests.world(database)
            try await database.withClient { client in
                try await client.transaction(logger: database.logger) { connection in
                    let organization = UUID()
                    try await OrganizationRepository(logger: database.logger).save(
                        id: organization, OrganizationDraft(name: "Demo Pantry Network"), on: connection)
                    for (name, northKm, opens, closes) in [
                        ("Evening pantry", 2.0, "18:00", "21:00"), ("Morning pantry", 10.0, "09:00", "12:00"),
                    ] {
                        let location = UUID()
                        var office = LocationDraft(locationType: "physical")
                        office.organizationID = organization
                        (office.latitude, office.longitude) = (41.9229 + northKm / 111.0, -87.6483)
                        try await LocationRepository(logger: database.logger).save(
                            id: location, office, on: connection)
                        var draft = ServiceDraft(organizationID: organization, name: name)
                        draft.needs = ["basic-needs.food"]
                        draft.locationIDs = [location]
                        draft.schedule = WeeklySchedule(
                            timeZone: "America/Chicago", alwaysOpen: false,
                            hours: [
                                OpeningHours(
                                    days: [.monday, .tuesday, .wednesday, .thursday, .friday],
                                    opens: LocalTime(opens)!, closes: LocalTime(closes)!)
                            ])
                        try await ServiceRepository(logger: database.logger).save(id: UUID(), draft, on: connection)
                    }
                }
            }
            let advocate = try Self.headers(world.fixture.members[.advocate])
            try await ServerHarness.withServer(database: database) { client in
                func firstSuggestion(_ safeTimes: String) async throws -> String? {
                    let family = try await client.execute(
                        uri: "/v1/families", method: .post, headers: advocate,
                        body: Self.body(
                            #"{"reference": "DEMO-PANTRY", "home_zip": "60614", "needs": ["basic-needs.food"], "safe_contact": {"safe_times": \#(safeTimes)}}"#
                        ))
                    let id = try #require(family.json["id"] as? String, "\(family.json)")
                    let plan = try await client.execute(
                        uri: "/v1/families/\(id)/plans", method: .post, headers: advocate,
                        body: Self.body(#"{"services_per_need": 1}"#))
                    return (plan.json["referrals"] as? [[String: Any]])?.first?["service_name"] as? String
                }
                let anyTime = try await firstSuggestion("[]")
                #expect(anyTime == "Evening pantry", "nearest first when any time is safe")
                let mornings = try await firstSuggestion(
                    #"[{"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "13:00"}]"#)
                #expect(mornings == "Morning pantry")
            }
        }
    }

    @Test("parallel edits of one version: exactly one is saved, the others get 412, and no version is lost")
    func concurrentEdits() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let advocate = try Self.headers(fixture.members[.advocate])
            let stale = try Self.headers(fixture.members[.advocate], ifMatch: #""v1""#)
            // AsyncHTTPClient sends the edits really at once (the live client sends one at a time).
            try await ServerHarness.withServer(database: database, testing: .ahc(.http)) { client in
                let family = try await client.execute(
                    uri: "/v1/families", method: .post, headers: advocate,
                    body: Self.body(#"{"reference": "DEMO-RACE", "home_zip": "60614"}"#))
                let id = try #require(family.json["id"] as? String)
                let plan = try await client.execute(
                    uri: "/v1/families/\(id)/plans", method: .post, headers: advocate, body: Self.body("{}"))
                let planID = try #require(plan.json["id"] as? String)
                let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for number in 0..<6 {
                        group.addTask {
                            try await client.execute(
                                uri: "/v1/plans/\(planID)", method: .put, headers: stale,
                                body: Self.body(#"{"goals": ["Edit \#(number)"]}"#)
                            ).status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
                #expect(statuses.filter { $0 == .preconditionFailed }.count == 5)
                let current = try await client.execute(uri: "/v1/plans/\(planID)", method: .get, headers: advocate)
                #expect(current.json["version"] as? Int == 2)
            }
        }
    }

    @Test("a referral that went out keeps a service the directory retired; a draft to it must be replaced")
    func retiredServiceInPlan() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await SearchTests.world(database)
            let advocate = try Self.headers(world.fixture.members[.advocate])
            let curator = try Self.headers(world.fixture.members[.curator])
            let (near, far) = (try #require(world.ids["Near counseling"]), try #require(world.ids["Far counseling"]))
            try await ServerHarness.withServer(database: database) { client in
                let plan = try await Self.familyWithEmptyPlan(client, advocate).plan
                let saved = try await client.execute(
                    uri: "/v1/plans/\(plan)", method: .put,
                    headers: try Self.headers(world.fixture.members[.advocate], ifMatch: #""v1""#),
                    body: Self.body(#"{"referrals": [{"service_id": "\#(near)"}, {"service_id": "\#(far)"}]}"#))
                let referrals = try #require(saved.json["referrals"] as? [[String: Any]], "\(saved.json)")
                let (sent, draft) = (
                    try #require(referrals.first?["id"] as? String), try #require(referrals.last?["id"] as? String)
                )
                let moved = try await client.execute(
                    uri: "/v1/referrals/\(sent)/status", method: .post, headers: advocate,
                    body: Self.body(#"{"status": "sent"}"#))
                #expect(moved.status == .ok, "\(moved.json)")
                for service in [near, far] {
                    let retired = try await client.execute(
                        uri: "/v1/services/\(service)", method: .delete, headers: curator)
                    #expect(retired.status == .noContent)
                }

                let unsendable = try await client.execute(
                    uri: "/v1/referrals/\(draft)/status", method: .post, headers: advocate,
                    body: Self.body(#"{"status": "sent"}"#))
                let problem = expectProblem(unsendable, .conflict, type: "urn:haven:problem:conflict")
                #expect((problem["detail"] as? String)?.contains("Far counseling no longer takes referrals") == true)

                let both =
                    #"{"goals": ["Una rutina"], "referrals": [{"id": "\#(sent)", "service_id": "\#(near)"}, {"id": "\#(draft)", "service_id": "\#(far)"}]}"#
                let refused = try await client.execute(
                    uri: "/v1/plans/\(plan)", method: .put,
                    headers: try Self.headers(world.fixture.members[.advocate], ifMatch: #""v2""#),
                    body: Self.body(both))
                expectProblem(refused, .unprocessableContent, type: "urn:haven:problem:validation")
                let pointers = (refused.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String }
                #expect(pointers == ["/referrals/1/service_id"], "only the draft must change: \(refused.json)")

                let kept = try await client.execute(
                    uri: "/v1/plans/\(plan)", method: .put,
                    headers: try Self.headers(world.fixture.members[.advocate], ifMatch: #""v2""#),
                    body: Self.body(
                        #"{"goals": ["Una rutina"], "referrals": [{"id": "\#(sent)", "service_id": "\#(near)"}]}"#))
                #expect(kept.status == .ok, "\(kept.json)")
                #expect(kept.headers[.eTag] == #""v3""#)
                let remaining = try #require(kept.json["referrals"] as? [[String: Any]])
                #expect(remaining.compactMap { $0["id"] as? String } == [sent])
                #expect(remaining.first?["status"] as? String == "sent")
                #expect(kept.json["goals"] as? [String] == ["Una rutina"])
            }
        }
    }

    @Test("a check-in marked done stays in the plan and leaves what is due and the family's document")
    func doneCheckIns() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let world = try await SearchTests.world(database)
            let advocate = try Self.headers(world.fixture.members[.advocate])
            try await ServerHarness.withServer(database: database) { client in
                let plan = try await Self.familyWithEmptyPlan(client, advocate).plan
                func save(version: Int, doneAt: String?) async throws -> TestResponse {
                    let done = doneAt.map { #", "done_at": "\#($0)""# } ?? ""
                    return try await client.execute(
                        uri: "/v1/plans/\(plan)", method: .put,
                        headers: try Self.headers(world.fixture.members[.advocate], ifMatch: "\"v\(version)\""),
                        body: Self.body(
                            #"{"follow_ups": [{"due_at": "\#(Self.chicagoMonday(18))", "channel": "phone", "note": "First call"\#(done)}, {"due_at": "\#(Self.chicagoMonday(19))", "channel": "email"}]}"#
                        ))
                }
                func due() async throws -> [String] {
                    let listed = try await client.execute(
                        uri:
                            "/v1/follow-ups?due_before=\(Self.chicagoMonday(0, plusDays: 2).replacingOccurrences(of: "+", with: "%2B"))",
                        method: .get, headers: advocate)
                    return (listed.json["data"] as? [[String: Any]])?.compactMap { $0["channel"] as? String } ?? []
                }
                func nextCheckIn() async throws -> String {
                    let document = try await client.execute(
                        uri: "/v1/plans/\(plan)/document?format=md&lang=es", method: .get, headers: advocate)
                    return String(buffer: document.body)
                }

                #expect(try await save(version: 1, doneAt: nil).status == .ok)
                #expect(try await due() == ["phone", "email"])
                #expect(try await nextCheckIn().contains("\(Self.mondayInSpanish) a las 18:00, por teléfono"))

                let future = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
                let early = try await save(version: 2, doneAt: future)
                expectProblem(early, .unprocessableContent, type: "urn:haven:problem:validation")
                #expect(
                    (early.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String == "/follow_ups/0/done_at")

                let happened = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-600))
                let marked = try await save(version: 2, doneAt: happened)
                #expect(marked.status == .ok, "\(marked.json)")
                let kept = try #require(marked.json["follow_ups"] as? [[String: Any]])
                #expect(kept.count == 2, "a done check-in stays in the plan")
                #expect(kept.first?["done_at"] as? String != nil)
                #expect(kept.last?["done_at"] == nil)
                #expect(try await due() == ["email"])
                let document = try await nextCheckIn()
                #expect(document.contains("\(Self.mondayInSpanish) a las 19:00, por correo electrónico"), "\(document)")
                #expect(!document.contains("por teléfono"))
            }
        }
    }

    @Test("another organization's family and plan answer 404 like absent ones, and each attempt is audited as denied")
    func outOfScopeAttemptsAreAudited() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let advocate = try Self.headers(fixture.members[.advocate])
            let outsider = try Self.headers(fixture.outsiders[.advocate])
            try await ServerHarness.withServer(database: database) { client in
                let (family, plan) = try await Self.familyWithEmptyPlan(client, advocate)
                let absent = try await client.execute(
                    uri: "/v1/families/\(UUID().uuidString.lowercased())", method: .get, headers: outsider)
                let probed = try await client.execute(uri: "/v1/families/\(family)", method: .get, headers: outsider)
                let absentProblem = expectProblem(absent, .notFound)
                let probedProblem = expectProblem(probed, .notFound)
                #expect(probedProblem["detail"] as? String == absentProblem["detail"] as? String)
                #expect(probed.body.readableBytes == absent.body.readableBytes)
                let edit = try await client.execute(
                    uri: "/v1/plans/\(plan)", method: .put,
                    headers: try Self.headers(fixture.outsiders[.advocate], ifMatch: #""v1""#),
                    body: Self.body(#"{"goals": ["x"]}"#))
                expectProblem(edit, .notFound)

                let outsiderID = try #require(fixture.outsiders[.advocate]).user.id.uuidString.lowercased()
                func denied(_ action: String, _ type: String, _ id: String) async throws -> Int {
                    try await database.withClient { client in
                        let rows = try await client.query(
                            """
                            SELECT count(*) FROM audit_log WHERE action = \(action) AND record_type = \(type)
                              AND record_id = \(id) AND outcome = 'denied' AND user_id = \(outsiderID)::uuid
                            """, logger: database.logger)
                        var count = -1
                        for try await value in rows.decode(Int.self) { count = value }
                        return count
                    }
                }
                #expect(try await denied("getFamily", "family", family) == 1)
                #expect(try await denied("replacePlan", "plan", plan) == 1)
                #expect(try await Self.auditCount(database, action: "replacePlan", record: plan) == 1, "nothing else")
            }
        }
    }
}
