import Foundation
import HavenCore
import HavenStorage
import HavenTestSupport
import PostgresNIO
import Testing

@Suite("Demo directory")
struct DemoDirectoryTests {
    static let seeds = TestDatabaseCluster.repositoryRoot.appendingPathComponent("Seeds")
    static let tables = [
        "organizations", "services", "locations", "addresses", "phones", "languages", "schedules",
        "schedule_exceptions", "service_areas", "service_at_locations", "attributes", "cost_options",
    ]

    @Test("the peer-support demo loads twice without changing a row, and removal takes exactly it")
    func peerSupportDemo() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                let demo = DemoPeerSupport(
                    client: client, file: Self.seeds.appendingPathComponent("demo/peer-support.json"),
                    cipher: database.cipher, logger: logger)
                func count(_ sql: String) async throws -> Int {
                    var value = -1
                    for try await found in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                        .decode(Int.self)
                    {
                        value = found
                    }
                    return value
                }
                func fingerprint() async throws -> [Int] {
                    [
                        try await count("SELECT count(*) FROM volunteers WHERE demo"),
                        try await count("SELECT count(*) FROM volunteer_credentials"),
                        try await count("SELECT count(*) FROM families WHERE demo"),
                        try await count("SELECT count(*) FROM mentor_requests WHERE status = 'waiting'"),
                        try await count("SELECT sum(hashtext(name::text || contacts::text)) % 1000000 FROM volunteers"),
                    ]
                }
                let loaded = try await demo.load()
                #expect(loaded == .init(volunteers: 28, families: 36))
                let first = try await fingerprint()
                #expect(Array(first.prefix(4)) == [28, 56, 36, 36])
                _ = try await demo.load()
                #expect(try await fingerprint() == first, "a second load changes no row, not even a ciphertext")
                // Every demo volunteer opens with the test keys, and some credentials lapse soon.
                let roster = try await client.withConnection { connection in
                    try await VolunteerRepository(logger: logger, cipher: database.cipher).roster(
                        organization: try demo.organizationID(), on: connection)
                }
                #expect(roster.count == 28)
                #expect(roster.allSatisfy { $0.draft.name.hasPrefix("Demo Mentor ") })
                let today = CalendarDate(Date(), timeZone: "UTC")
                #expect(roster.filter { $0.ineligibility(on: today) == nil }.count >= 20)
                #expect(
                    roster.contains {
                        if case .backgroundCheckExpired = $0.ineligibility(on: today) { true } else { false }
                    })

                let removed = try await demo.remove()
                #expect(removed == .init(volunteers: 28, families: 36))
                #expect(try await count("SELECT count(*) FROM volunteers") == 0)
                #expect(try await count("SELECT count(*) FROM mentor_requests") == 0)
            }
        }
    }

    @Test("the demo directory loads twice with identical rows, holds what a demo needs, and removal takes exactly it")
    func loadTwiceAndRemove() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                // A real (non-demo) organization with a service, which removal must leave alone.
                let keptOrganization = UUID()
                let keptService = UUID()
                try await client.transaction(logger: logger) { connection in
                    try await OrganizationRepository(logger: logger).save(
                        id: keptOrganization, OrganizationDraft(name: "Kept organization"), on: connection)
                    var service = ServiceDraft(organizationID: keptOrganization, name: "Kept service")
                    service.needs = ["safety.crisis-line"]
                    try await ServiceRepository(logger: logger).save(id: keptService, service, on: connection)
                }

                let demo = DemoDirectory(
                    client: client, file: Self.seeds.appendingPathComponent("demo/directory.json"), logger: logger)
                let first = try await demo.load()
                #expect(first.organizations >= 120)
                #expect(first.services >= 300)
                let rows = try await snapshot(client, logger)
                let second = try await demo.load()
                #expect(second == first)
                #expect(try await snapshot(client, logger) == rows, "a second load changes no row")

                let facts = try await client.query(
                    """
                    SELECT
                      (SELECT count(DISTINCT a.state_province) FROM addresses a JOIN locations l ON l.id = a.location_id WHERE l.demo),
                      (SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM languages g WHERE g.service_id = s.id AND g.code = 'es'))::float8
                              / count(*) FROM services s WHERE s.demo),
                      (SELECT count(DISTINCT kind) FROM service_areas sa JOIN services s ON s.id = sa.service_id WHERE s.demo),
                      (SELECT count(*) FROM locations WHERE demo AND confidential),
                      (SELECT count(*) FROM services WHERE demo AND status = 'temporarily closed'),
                      (SELECT count(*) FROM services WHERE demo AND last_verified_at < now() - interval '12 months'),
                      (SELECT count(*) FROM services WHERE demo AND minimum_age IS NOT NULL),
                      (SELECT count(*) FROM schedules sc JOIN services s ON s.id = sc.service_id WHERE s.demo AND sc.open_24_7),
                      (SELECT count(*) FROM schedule_exceptions)
                    """,
                    logger: logger)
                for try await (states, spanish, areaKinds, confidential, closed, stale, aged, allDay, exceptions)
                    in facts.decode(
                        (Int, Double, Int, Int, Int, Int, Int, Int, Int).self)
                {
                    #expect(states >= 10, "metro areas in at least 10 states")
                    #expect(spanish >= 0.25)
                    #expect(areaKinds == 6, "service areas of every kind")
                    #expect(confidential >= 3)
                    #expect(closed > 0)
                    #expect(stale > 0)
                    #expect(aged > 0)
                    #expect(allDay > 0)
                    #expect(exceptions > 0)
                }

                let removed = try await demo.remove()
                #expect(removed.organizations == first.organizations)
                let left = try await client.query(
                    """
                    SELECT (SELECT count(*) FROM organizations), (SELECT count(*) FROM services),
                           (SELECT count(*) FROM attributes), (SELECT count(*) FROM services WHERE id = \(keptService)),
                           (SELECT count(*) FROM zip_codes), (SELECT count(*) FROM crisis_contacts)
                    """,
                    logger: logger)
                for try await (organizations, services, attributes, kept, zips, contacts) in left.decode(
                    (Int, Int, Int, Int, Int, Int).self)
                {
                    #expect(organizations == 1)
                    #expect(services == 1)
                    #expect(kept == 1)
                    #expect(attributes == 1, "the kept service's need stays; no demo attribute is left behind")
                    #expect(zips > 40_000)
                    #expect(contacts >= 15)
                }
            }
        }
    }

    @Test("a reseed keeps what a curator changed since the seed wrote it, and names it; the rest is rewritten")
    func reseedKeepsCuratorsChanges() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                let demo = DemoDirectory(
                    client: client, file: Self.seeds.appendingPathComponent("demo/directory.json"), logger: logger)
                _ = try await demo.load()
                func text(_ sql: String) async throws -> String {
                    var value = ""
                    for try await found in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                        .decode(String.self)
                    { value = found }
                    return value
                }
                let edited = try await text("SELECT id::text FROM services WHERE demo ORDER BY id LIMIT 1")
                let untouched = try await text("SELECT id::text FROM services WHERE demo ORDER BY id OFFSET 1 LIMIT 1")
                let untouchedName = try await text("SELECT name FROM services WHERE id = '\(untouched)'")
                // A curator's correction (any writer moves the version), and a stray edit the
                // seed owns: a demo service renamed without a new version.
                _ = try await client.query(
                    PostgresQuery(
                        unsafeSQL: """
                            UPDATE services SET name = 'Renamed by a curator', version = version + 1 WHERE id = '\(edited)';
                            """), logger: logger)
                _ = try await client.query(
                    PostgresQuery(unsafeSQL: "UPDATE services SET name = 'Scribbled' WHERE id = '\(untouched)'"),
                    logger: logger)
                let slug = try await text("SELECT slug FROM crisis_contacts ORDER BY slug LIMIT 1")
                _ = try await client.query(
                    PostgresQuery(
                        unsafeSQL:
                            "UPDATE crisis_contacts SET name = 'Corrected name', version = version + 1 WHERE slug = '\(slug)'"
                    ), logger: logger)

                let again = try await demo.load()
                #expect(again.kept == ["service \(edited)"])
                #expect(try await text("SELECT name FROM services WHERE id = '\(edited)'") == "Renamed by a curator")
                #expect(try await text("SELECT name FROM services WHERE id = '\(untouched)'") == untouchedName)

                let reference = try await ReferenceData(
                    client: client, directory: Self.seeds.appendingPathComponent("reference"), logger: logger
                ).load()
                #expect(reference.keptCrisisContacts == [slug])
                #expect(try await text("SELECT name FROM crisis_contacts WHERE slug = '\(slug)'") == "Corrected name")
            }
        }
    }

    private func snapshot(_ client: PostgresClient, _ logger: Logger) async throws -> [String: String] {
        var result: [String: String] = [:]
        for table in Self.tables {
            let rows = try await client.query(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM \(table) t"
                ),
                logger: logger)
            for try await value in rows.decode(String.self) { result[table] = value }
        }
        return result
    }
}
