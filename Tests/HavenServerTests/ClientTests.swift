import Foundation
import HavenClient
import HavenCore
import HavenStorage
import HavenTestSupport
import HummingbirdTesting
import Testing

@Suite("CLI client")
struct ClientTests {
    let cluster = TestDatabaseCluster.shared

    @Test("whoami through the generated client names the user, role and organization; refusals are one clear line")
    func whoamiOverTheAPI() async throws {
        try await cluster.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let advocate = try #require(fixture.members[.advocate])
            try await ServerHarness.withServer(database: database) { client in
                let server = try ServerAddress(parsing: "http://127.0.0.1:\(try #require(client.port))")

                let caller = try await HavenAPIClient(login: ClientLogin(server: server, token: advocate.token))
                    .whoami()
                #expect(caller.user.id == advocate.user.id.uuidString.lowercased())
                #expect(caller.user.role == .advocate)
                #expect(caller.organization?.name == "Demo Advocacy Center A")
                #expect(caller.tokenId == advocate.tokenID.uuidString.lowercased())

                let stranger = HavenAPIClient(
                    login: try ClientLogin(server: server, token: "hvn_" + String(repeating: "x", count: 43)))
                let refused = await #expect(throws: ClientError.self) { try await stranger.whoami() }
                guard case .problem(let status, _, let detail) = refused else {
                    Issue.record("expected a problem, got \(String(describing: refused))")
                    return
                }
                #expect(status == 401)
                #expect(detail?.isEmpty == false)
                #expect(refused.map { "\($0)" }?.contains("\n") == false)
            }
        }
    }

    @Test("haven serve refuses settings out of range before it starts anything, naming the setting")
    func serveSettingsInRange() async throws {
        let haven = try Self.havenExecutable()
        for (variable, value) in [
            ("HAVEN_RATE_LIMIT_TOKEN", "0"), ("HAVEN_DB_POOL_SIZE", "0"), ("HAVEN_PORT", "70000"),
            ("HAVEN_MAX_BODY_BYTES", "-5"), ("HAVEN_EVENT_LOOPS", "0"), ("HAVEN_DATABASE_LOOPS", "0"),
        ] {
            let result = try await run(
                haven, ["serve"],
                [variable: value, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?sslmode=disable"])
            #expect(result.status != 0, "\(variable)=\(value)")
            #expect(result.stderr.contains("\(variable) (or its option) is \(value)"), "\(result.stderr)")
        }
    }

    @Test("a database that cannot be reached is named, with the reason, before anything else starts")
    func unreachableDatabase() async throws {
        let haven = try Self.havenExecutable()
        try await withRefusingLoopbackPort { port in
            let url = "postgres://haven@127.0.0.1:\(port)/families?sslmode=disable"
            for command in [["serve"], ["migrate"]] {
                let result = try await run(
                    haven, command,
                    ["DATABASE_URL": url, "HAVEN_ENCRYPTION_KEYS": "k1 " + Data(count: 32).base64EncodedString()])
                #expect(result.status != 0, "\(command)")
                #expect(
                    result.stderr.contains("cannot reach the database families at 127.0.0.1:\(port)"),
                    "\(result.stderr)")
                #expect(result.stderr.lowercased().contains("refused"), "\(result.stderr)")
            }
        }
    }

    @Test("haven keys, run from a folder without the key file, says where it looked and creates nothing")
    func keysCommandsNeverCreateKeys() async throws {
        let haven = try Self.havenExecutable()
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent("haven-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        for command in [["keys", "status"], ["keys", "rotate"], ["keys", "prune"]] {
            let result = try await run(haven, command, ["PATH": "/usr/bin:/bin"], in: elsewhere)
            #expect(result.status != 0, "\(command)")
            #expect(result.stderr.contains("no key file at .haven/encryption-keys"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent(".haven").path))
        }
    }

    @Test("a server that is not listening is reported as unreachable, naming the server")
    func unreachable() async throws {
        try await withRefusingLoopbackPort { port in
            let server = try ServerAddress(parsing: "http://127.0.0.1:\(port)")
            let client = HavenAPIClient(
                login: try ClientLogin(server: server, token: "hvn_" + String(repeating: "a", count: 43)))
            let error = await #expect(throws: ClientError.self) { try await client.whoami() }
            guard case .unreachable(let named, _) = error else {
                Issue.record("expected unreachable, got \(String(describing: error))")
                return
            }
            #expect(named == server.description)
        }
    }

    @Test("plain http is accepted only for this machine; a token must look like a Haven token")
    func addressesAndTokens() throws {
        #expect(try ServerAddress(parsing: "https://haven.example.org/").description == "https://haven.example.org")
        #expect(try ServerAddress(parsing: "http://localhost:8080").description == "http://localhost:8080")
        #expect(try ServerAddress(parsing: "http://[::1]:8080").description == "http://[::1]:8080")
        #expect(try ServerAddress(parsing: "http://127.0.0.2:8080").description == "http://127.0.0.2:8080")
        for refused in [
            "http://haven.example.org", "ftp://haven.example.org", "haven.example.org", "https://h/?a=1",
            "http://127.example.com", "http://127.0.0.1.example.com:8080",
        ] {
            #expect(throws: ClientError.self, "\(refused)") { try ServerAddress(parsing: refused) }
        }
        let server = try ServerAddress(parsing: "https://haven.example.org")
        #expect(throws: ClientError.invalidToken) { try ClientLogin(server: server, token: "Bearer hvn_abc") }
        #expect(throws: ClientError.invalidToken) { try ClientLogin(server: server, token: "sk_live_abc") }
        #expect(try ClientLogin(server: server, token: "  hvn_abc\n").token == "hvn_abc")
    }

    @Test("the stored login is private to its owner; HAVEN_SERVER and HAVEN_TOKEN override it one by one")
    func storedLogin() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("haven-client-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let file = ClientConfigFile.standard(environment: ["XDG_CONFIG_HOME": home.path])
        #expect(file.path == home.path + "/haven/config")
        #expect(throws: ClientError.notLoggedIn) { try ClientLogin.resolve(environment: [:], file: file) }

        let stored = try ClientLogin(server: ServerAddress(parsing: "https://haven.example.org"), token: "hvn_stored")
        try file.save(stored)
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let directory = try FileManager.default.attributesOfItem(atPath: home.path + "/haven")
        #expect(directory[.posixPermissions] as? Int == 0o700)
        #expect(try ClientLogin.resolve(environment: [:], file: file) == stored)

        let otherServer = try ClientLogin.resolve(environment: ["HAVEN_SERVER": "http://127.0.0.1:9"], file: file)
        #expect(otherServer.server.description == "http://127.0.0.1:9")
        #expect(otherServer.token == "hvn_stored")
        let otherToken = try ClientLogin.resolve(environment: ["HAVEN_TOKEN": "hvn_env"], file: file)
        #expect(otherToken.server == stored.server)
        #expect(otherToken.token == "hvn_env")

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        let exposed = #expect(throws: ClientError.self) { try file.load() }
        #expect(exposed.map { "\($0)" }?.contains("chmod 600") == true)

        #expect(try file.delete())
        #expect(try file.delete() == false)
        #expect(throws: ClientError.notLoggedIn) { try ClientLogin.resolve(environment: [:], file: file) }
    }

    @Test("haven login, whoami and logout work against a running server, and a refusal exits non-zero with one line")
    func commandLine() async throws {
        let haven = try Self.havenExecutable()
        try await cluster.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let coordinator = try #require(fixture.members[.coordinator])
            try await ServerHarness.withServer(database: database) { client in
                let server = "http://127.0.0.1:\(try #require(client.port))"
                let home = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "haven-cli-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: home) }
                let environment = ["XDG_CONFIG_HOME": home.path, "PATH": "/usr/bin:/bin"]

                let login = try await run(
                    haven, ["login", "--server", server], stdin: coordinator.token + "\n", environment)
                #expect(login.status == 0)
                #expect(login.stdout.contains("as \(coordinator.user.name) (coordinator, Demo Advocacy Center A)"))
                let config = try String(contentsOfFile: home.path + "/haven/config", encoding: .utf8)
                #expect(config.contains(coordinator.token))

                let whoami = try await run(haven, ["whoami", "--json"], environment)
                #expect(whoami.status == 0)
                let json = try JSONSerialization.jsonObject(with: Data(whoami.stdout.utf8)) as? [String: Any]
                #expect((json?["user"] as? [String: Any])?["role"] as? String == "coordinator")

                // Another token in the shell's environment is neither revoked nor kept alive in
                // place of the stored one.
                let advocate = try #require(fixture.members[.advocate])
                var otherToken = environment
                otherToken["HAVEN_TOKEN"] = advocate.token
                let logout = try await run(haven, ["logout", "--revoke"], otherToken)
                #expect(logout.status == 0)
                #expect(!FileManager.default.fileExists(atPath: home.path + "/haven/config"))
                let stillValid = try await run(haven, ["whoami"], otherToken.merging(["HAVEN_SERVER": server]) { $1 })
                #expect(stillValid.status == 0, "\(stillValid.stderr)")
                #expect(stillValid.stdout.contains(advocate.user.name))

                var revoked = environment
                revoked["HAVEN_SERVER"] = server
                revoked["HAVEN_TOKEN"] = coordinator.token
                let refused = try await run(haven, ["whoami"], revoked)
                #expect(refused.status == 1)
                #expect(
                    refused.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
                #expect(refused.stderr.contains("401"))
                #expect(!refused.stderr.contains(coordinator.token))
            }
        }
    }

    @Test(
        "an advocate records a family, consent and a plan, edits referrals, exports it in Spanish and lists follow-ups with haven alone; a partner accepts its referral"
    )
    func planCommands() async throws {
        let haven = try Self.havenExecutable()
        try await cluster.withReferenceDatabase { database in
            let world = try await SearchTests.world(database)
            let partnerService = UUID()
            try await database.withClient { client in
                try await client.transaction(logger: database.logger) { connection in
                    try await ServiceRepository(logger: database.logger).save(
                        id: partnerService,
                        ServiceDraft(organizationID: world.fixture.organizationB, name: "Partner family law clinic"),
                        on: connection)
                }
            }
            let advocate = try #require(world.fixture.members[.advocate])
            let partner = try #require(world.fixture.outsiders[.partner])
            try await ServerHarness.withServer(database: database) { client in
                let home = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "haven-cli-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: home) }
                let server = "http://127.0.0.1:\(try #require(client.port))"
                let asAdvocate = ["XDG_CONFIG_HOME": home.path, "HAVEN_SERVER": server, "HAVEN_TOKEN": advocate.token]
                let asPartner = ["XDG_CONFIG_HOME": home.path, "HAVEN_SERVER": server, "HAVEN_TOKEN": partner.token]

                let familyFile = home.appendingPathComponent("family.json")
                try Data(
                    #"""
                    {"reference": "DEMO-SOL", "home_zip": "60614", "languages": ["es"], "needs": ["legal.family-law"],
                     "children": [{"age": 9}],
                     "safe_contact": {"channels": ["phone"], "phone": "+13125550177",
                                      "safe_times": [{"byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "21:00"}]}}
                    """#.utf8
                ).write(to: familyFile)
                let added = try await run(haven, ["families", "add", "--file", familyFile.path], asAdvocate)
                #expect(added.status == 0, "\(added.stderr)")
                let family = try #require(
                    added.stdout.split(separator: "(").last?.split(separator: ")").first.map(String.init))

                let expires = CalendarDate(Date(), timeZone: "UTC").adding(days: 60).description
                let consent = try await run(
                    haven,
                    [
                        "consent", "add", "--family", family, "--given-by", "Demo mother", "--relationship", "parent",
                        "--recipient", world.fixture.organizationB.uuidString, "--purpose", "service-referral",
                        "--category", "contact", "--category", "needs", "--expires", expires,
                    ], asAdvocate)
                #expect(consent.status == 0, "\(consent.stderr)")

                let created = try await run(
                    haven, ["plan", "create", "--family", family, "--goal", "Resolver la custodia", "--json"],
                    asAdvocate)
                #expect(created.status == 0, "\(created.stderr)")
                let plan = try #require(
                    (try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["id"]
                        as? String)

                let referral = try await run(
                    haven,
                    [
                        "plan", "referral", "add", plan, "--service", partnerService.uuidString, "--handoff", "warm",
                        "--reason", "Abogadas que hablan español", "--position", "1",
                    ], asAdvocate)
                #expect(referral.status == 0, "\(referral.stderr)")
                #expect(referral.stdout.contains("Saved version 2."))
                #expect(referral.stdout.contains("Partner family law clinic"))
                let shown = try await run(haven, ["plan", "show", plan, "--json"], asAdvocate)
                let referrals =
                    (try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])?["referrals"]
                    as? [[String: Any]] ?? []
                #expect(referrals.first?["service_name"] as? String == "Partner family law clinic")
                let warm = try #require(referrals.first?["id"] as? String)
                let edited = try await run(
                    haven,
                    ["plan", "referral", "edit", plan, "--referral", warm, "--expect", "Una llamada de 20 minutos"],
                    asAdvocate)
                #expect(edited.status == 0, "\(edited.stderr)")
                let offered = try await run(haven, ["plan", "edit", plan, "--mentor-offer", "yes"], asAdvocate)
                #expect(offered.status == 0, "the help's own words work: \(offered.stderr)")
                let withMentor = try await run(haven, ["plan", "show", plan, "--json"], asAdvocate)
                let mentor =
                    (try JSONSerialization.jsonObject(with: Data(withMentor.stdout.utf8)) as? [String: Any])?["mentor"]
                    as? [String: Any]
                #expect(mentor?["offered"] as? Bool == true, "\(withMentor.stdout)")
                let unclear = try await run(haven, ["plan", "edit", plan, "--mentor-offer", "maybe"], asAdvocate)
                #expect(unclear.status != 0)
                #expect(unclear.stderr.contains("yes"), "\(unclear.stderr)")
                let unsafe = try await run(
                    haven,
                    ["plan", "followup", "add", plan, "--at", "2026-11-29T12:00:00-06:00", "--channel", "phone"],
                    asAdvocate)
                #expect(unsafe.status == 1, "Sunday is outside the family's safe times")
                #expect(unsafe.stderr.contains("safe times"))
                let followUp = try await run(
                    haven,
                    [
                        "plan", "followup", "add", plan, "--at", ReferralPlanTests.chicagoMonday(10), "--channel",
                        "phone",
                        "--note", "Preguntar por la cita",
                    ],
                    asAdvocate)
                #expect(followUp.status == 0, "\(followUp.stderr)")

                let sent = try await run(haven, ["referrals", "move", warm, "--to", "sent"], asAdvocate)
                #expect(sent.status == 0, "\(sent.stderr)")
                let document = home.appendingPathComponent("plan.html")
                let exported = try await run(
                    haven, ["plan", "export", plan, "--format", "html", "--lang", "es", "-o", document.path], asAdvocate
                )
                #expect(exported.status == 0, "\(exported.stderr)")
                let html = try String(contentsOf: document, encoding: .utf8)
                #expect(html.contains(#"<html lang="es">"#))
                #expect(html.contains("Resolver la custodia"))
                #expect(html.contains("Una llamada de 20 minutos"))
                let due = try await run(haven, ["followups", "--days", "10"], asAdvocate)
                #expect(due.status == 0)
                #expect(due.stdout.contains("DEMO-SOL"))
                #expect(due.stdout.contains("Preguntar por la cita"))
                let check = try await run(haven, ["plan", "check", plan], asAdvocate)
                #expect(check.stdout.contains("No language warnings"))

                // The check-in happened: marked done, it stays in the plan and leaves the list.
                let listed = try await run(haven, ["plan", "show", plan], asAdvocate)
                #expect(listed.stdout.contains("Check-in 1: "), "\(listed.stdout)")
                // Moved: refused outside the safe times, taken inside them.
                let sunday = try await run(
                    haven, ["plan", "followup", "move", plan, "1", "--at", "2026-11-29T12:00:00-06:00"], asAdvocate)
                #expect(sunday.status == 1)
                #expect(sunday.stderr.contains("safe times"), "\(sunday.stderr)")
                let later = ReferralPlanTests.chicagoMonday(11)
                let moved = try await run(haven, ["plan", "followup", "move", plan, "1", "--at", later], asAdvocate)
                #expect(moved.status == 0, "\(moved.stderr)")
                let afterMove = try await run(haven, ["plan", "show", plan, "--json"], asAdvocate)
                let movedTo =
                    ((try JSONSerialization.jsonObject(with: Data(afterMove.stdout.utf8)) as? [String: Any])?[
                        "follow_ups"] as? [[String: Any]])?.first?["due_at"] as? String
                #expect(
                    movedTo.flatMap { ISO8601DateFormatter().date(from: $0) }
                        == ISO8601DateFormatter().date(from: later),
                    "\(afterMove.stdout)")
                let missing = try await run(haven, ["plan", "followup", "done", plan, "2"], asAdvocate)
                #expect(missing.status != 0)
                #expect(missing.stderr.contains("numbers them 1 to 1"), "\(missing.stderr)")
                let done = try await run(haven, ["plan", "followup", "done", plan, "1"], asAdvocate)
                #expect(done.status == 0, "\(done.stderr)")
                #expect(done.stdout.contains("(done "), "\(done.stdout)")
                let again = try await run(haven, ["plan", "followup", "done", plan, "1"], asAdvocate)
                #expect(again.stderr.contains("already done"), "\(again.stderr)")
                let nothingDue = try await run(haven, ["followups", "--days", "10"], asAdvocate)
                #expect(nothingDue.stdout.contains("Nothing due."), "\(nothingDue.stdout)")

                let inbox = try await run(haven, ["referrals", "list"], asPartner)
                #expect(inbox.stdout.contains(warm))
                #expect(inbox.stdout.contains("contact,needs"))
                let accepted = try await run(haven, ["referrals", "move", warm, "--to", "accepted"], asPartner)
                #expect(accepted.status == 0, "\(accepted.stderr)")
                #expect(accepted.stdout.contains("is accepted"))
                let notTheirs = try await run(haven, ["plan", "show", plan], asPartner)
                #expect(notTheirs.status == 1)
                #expect(notTheirs.stderr.contains("403"))
                let noFamily = try await run(haven, ["families", "show", family], asPartner)
                #expect(noFamily.status == 1)
            }
        }
    }

    @Test(
        "haven search prints each result with its organization, distance, status and reasons; haven crisis lists the national lines"
    )
    func searchAndCrisisCommands() async throws {
        let haven = try Self.havenExecutable()
        try await cluster.withReferenceDatabase { database in
            let world = try await SearchTests.world(database)
            let advocate = try #require(world.fixture.members[.advocate])
            try await ServerHarness.withServer(database: database) { client in
                let home = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "haven-cli-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: home) }
                let environment = [
                    "XDG_CONFIG_HOME": home.path, "HAVEN_SERVER": "http://127.0.0.1:\(try #require(client.port))",
                    "HAVEN_TOKEN": advocate.token,
                ]
                let found = try await run(haven, ["search", "--zip", "60614", "--need", "mental-health"], environment)
                #expect(found.status == 0, "\(found.stderr)")
                let lines = found.stdout.split(separator: "\n").map(String.init)
                #expect(lines.first == "1. Near counseling — Demo Search Organization", "\(found.stdout)")
                #expect(lines.contains { $0.contains("5.0 km") && $0.contains("score") })
                #expect(lines.contains { $0.hasPrefix("   why: meets the need") && $0.contains("5.0 km away") })
                // Beyond 10 km a distance is shown in whole kilometres, as its reason says it.
                #expect(lines.contains { $0.hasPrefix("2. Far counseling") })
                #expect(lines.contains { $0.contains("  30 km  ·") }, "\(found.stdout)")
                #expect(lines.contains { $0.contains("30 km away") })

                // A service that reaches the place by its area says so in the reasons' words.
                let areas = try await run(
                    haven, ["search", "--zip", "60614", "--need", "safety", "--need", "victim-services"], environment)
                #expect(areas.stdout.contains("serves the whole country  ·"), "\(areas.stdout)")
                #expect(areas.stdout.contains("serves your county  ·"), "\(areas.stdout)")

                let json = try await run(
                    haven, ["search", "--zip", "60614", "--need", "mental-health", "--json"], environment)
                let page = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
                let names = (page?["data"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
                #expect(names == ["Near counseling", "Far counseling"])

                let none = try await run(haven, ["search", "--zip", "60614", "--need", "housing"], environment)
                #expect(none.status == 0)
                #expect(none.stdout.contains("No services match."), "\(none.stdout)")

                // Details verified long ago: shown by default, left out with --verified-only.
                try await database.withClient { client in
                    try await client.withConnection { connection in
                        let near = try #require(
                            try await connection.query(
                                """
                                UPDATE services SET last_verified_at = now() - interval '3 years'
                                WHERE name = 'Near counseling' RETURNING id
                                """, logger: database.logger
                            ).collect().first?.decode(UUID.self))
                        try await SearchIndex(logger: database.logger).refreshFacts(service: near, on: connection)
                    }
                }
                let everything = try await run(
                    haven, ["search", "--zip", "60614", "--need", "mental-health"], environment)
                #expect(everything.stdout.hasPrefix("1. Near counseling"), "\(everything.stdout)")
                #expect(everything.stdout.contains("details not verified in the last year"))
                let verified = try await run(
                    haven, ["search", "--zip", "60614", "--need", "mental-health", "--verified-only"], environment)
                #expect(verified.stdout.hasPrefix("1. Far counseling"), "\(verified.stdout)")
                #expect(!verified.stdout.contains("Near counseling"))

                let crisis = try await run(haven, ["crisis", "--zip", "60614"], environment)
                #expect(crisis.status == 0, "\(crisis.stderr)")
                #expect(crisis.stdout.contains("988 Suicide & Crisis Lifeline  (national)"), "\(crisis.stdout)")
                #expect(crisis.stdout.contains("call 988"))
                #expect(!crisis.stdout.contains("en español:"))
                let spanish = try await run(haven, ["crisis", "--zip", "60614", "--language", "es"], environment)
                #expect(spanish.stdout.contains("  en español: Gratis y confidencial."), "\(spanish.stdout)")
            }
        }
    }

    @Test("a curator adds a service with hours and a service area through haven directory, and reads it back")
    func directoryCommands() async throws {
        let haven = try Self.havenExecutable()
        try await cluster.withReferenceDatabase { database in
            let organization = UUID()
            let fixture = try await database.withClient { client in
                try await client.transaction(logger: database.logger) { connection in
                    try await OrganizationRepository(logger: database.logger).save(
                        id: organization, OrganizationDraft(name: "Demo Family Center"), on: connection)
                }
                return try await AccessFixture.make(on: client, logger: database.logger)
            }
            let curator = try #require(fixture.members[.curator])
            try await ServerHarness.withServer(database: database) { client in
                let home = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "haven-cli-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: home) }
                let environment = [
                    "XDG_CONFIG_HOME": home.path, "HAVEN_SERVER": "http://127.0.0.1:\(try #require(client.port))",
                    "HAVEN_TOKEN": curator.token,
                ]
                let file = home.appendingPathComponent("service.json")
                try Data(
                    """
                    {"organization_id": "\(organization.uuidString.lowercased())", "name": "Evening group for parents",
                     "needs": ["peer-support.support-group"], "languages": ["en", "es"],
                     "schedule": {"time_zone": "America/Chicago",
                                  "hours": [{"byday": "TU", "opens_at": "18:30", "closes_at": "20:00"}]},
                     "service_areas": [{"kind": "county", "counties": ["IL:Cook County"]}]}
                    """.utf8
                ).write(to: file)

                let added = try await run(
                    haven, ["directory", "add", "service", "--file", file.path, "--json"], environment)
                #expect(added.status == 0, "\(added.stderr)")
                let created = try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any]
                let id = try #require(created?["id"] as? String)

                let shown = try await run(haven, ["directory", "show", "service", id], environment)
                #expect(shown.status == 0)
                #expect(shown.stdout.contains("Evening group for parents"))
                #expect(shown.stdout.contains("TU 18:30–20:00 (America/Chicago)"))
                #expect(shown.stdout.contains("counties IL:Cook County"))

                // An edit made from `show --json` says which version it started from: when someone
                // saved in between, it is refused instead of undoing their change.
                let snapshot = try await run(haven, ["directory", "show", "service", id, "--json"], environment)
                var record = try #require(
                    try JSONSerialization.jsonObject(with: Data(snapshot.stdout.utf8)) as? [String: Any])
                #expect(record["version"] as? Int == 1)
                // Someone else saves first, from a hand-written file that names no version.
                var other: [String: Any] = ["name": "Evening group for families"]
                for key in ["organization_id", "needs", "languages", "schedule", "service_areas"] {
                    other[key] = record[key]
                }
                try JSONSerialization.data(withJSONObject: other).write(to: file)
                let first = try await run(
                    haven, ["directory", "edit", "service", id, "--file", file.path], environment)
                #expect(first.status == 0, "\(first.stderr)")
                #expect(first.stderr.contains("says no version, so it replaces the current one"), "\(first.stderr)")
                record["name"] = "Evening group, renamed from an old copy"
                try JSONSerialization.data(withJSONObject: record).write(to: file)
                let stale = try await run(
                    haven, ["directory", "edit", "service", id, "--file", file.path], environment)
                #expect(stale.status == 1)
                #expect(stale.stderr.contains("changed since you read it"), "\(stale.stderr)")
                let kept = try await run(haven, ["directory", "show", "service", id], environment)
                #expect(kept.stdout.contains("Evening group for families"))

                try Data(
                    #"{"organization_id": "\#(organization)", "name": "", "minimum_age": 9, "maximum_age": 3}"#.utf8
                )
                .write(to: file)
                let refused = try await run(haven, ["directory", "add", "service", "--file", file.path], environment)
                #expect(refused.status == 1)
                #expect(refused.stderr.contains("/name"))
                #expect(refused.stderr.contains("/maximum_age"))
            }
        }
    }

    /// Runs the `haven` binary to completion. Output goes to files and the exit arrives through
    /// the termination handler: nothing blocks a thread of Swift's small cooperative pool, which
    /// the in-process server needs to answer the child.
    /// The debug `haven` the CLI tests run; `swift build` builds it with the tests.
    static func havenExecutable() throws -> String {
        let haven = TestDatabaseCluster.repositoryRoot.appendingPathComponent(".build/debug/haven").path
        try #require(FileManager.default.isExecutableFile(atPath: haven), "build the haven product first")
        return haven
    }

    private func run(
        _ executable: String, _ arguments: [String], stdin: String = "", _ environment: [String: String],
        in workingDirectory: URL? = nil
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("haven-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (input, output, error) = ["stdin", "stdout", "stderr"].map { directory.appendingPathComponent($0) }
            .tuple3
        try Data(stdin.utf8).write(to: input)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: error.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        if let workingDirectory { process.currentDirectoryURL = workingDirectory }
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: error)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        return (
            status, try String(contentsOf: output, encoding: .utf8), try String(contentsOf: error, encoding: .utf8)
        )
    }
}

extension Array {
    fileprivate var tuple3: (Element, Element, Element) { (self[0], self[1], self[2]) }
}
