import Foundation
import HavenStorage
import HavenTestSupport
import PostgresNIO
import Testing

@Suite("Reference data")
struct ReferenceDataTests {
    static let directory = TestDatabaseCluster.repositoryRoot.appendingPathComponent("Seeds/reference")

    static let tables = [
        "zip_codes", "taxonomies", "taxonomy_terms", "crisis_contacts", "crisis_channels", "schedules",
    ]

    @Test("the ZIP table, taxonomies and crisis contacts load, and a second load leaves every table as it was")
    func loadsIdempotently() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                let data = ReferenceData(client: client, directory: Self.directory, logger: logger)
                let first = try await data.load()
                #expect(first.zipCodes > 40_000)
                #expect(first.needs >= 60)
                #expect(first.audiences >= 10)
                #expect(first.crisisContacts >= 15)
                let countsAfterFirst = try await rowCounts(client, logger)
                let snapshot = try await contentDigest(client, logger)

                let second = try await data.load()
                #expect(second == first)
                #expect(try await rowCounts(client, logger) == countsAfterFirst)
                #expect(try await contentDigest(client, logger) == snapshot)
                #expect(countsAfterFirst["zip_codes"] == first.zipCodes)
                #expect(countsAfterFirst["taxonomy_terms"] == first.needs + first.audiences)
            }
        }
    }

    @Test(
        "every national crisis line says what to expect in Spanish; a translation of an older English text is left out")
    func spanishDescriptions() async throws {
        // The reference data with one line's English description changed after its translation.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "haven-reference-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
        where name != "national-crisis-contacts.csv" {
            try FileManager.default.createSymbolicLink(
                at: folder.appendingPathComponent(name), withDestinationURL: Self.directory.appendingPathComponent(name)
            )
        }
        let list = try String(
            contentsOf: Self.directory.appendingPathComponent("national-crisis-contacts.csv"), encoding: .utf8)
        let changed = list.replacingOccurrences(
            of: "Trained young peer advocates, supervised by adult staff",
            with: "Trained peer advocates, supervised by staff")
        #expect(changed != list)
        try Data(changed.utf8).write(to: folder.appendingPathComponent("national-crisis-contacts.csv"))

        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                let current = try await ReferenceData(client: client, directory: Self.directory, logger: logger).load()
                #expect(current.staleTranslations.isEmpty)
                #expect(current.spanishDescriptions == current.crisisContacts)
                let lifeline = try await client.query(
                    "SELECT what_to_expect_es FROM crisis_contacts WHERE slug = '988-lifeline'", logger: logger
                ).collect().first?.decode(String.self)
                #expect(lifeline?.hasPrefix("Gratis y confidencial.") == true)

                let edited = try await ReferenceData(client: client, directory: folder, logger: logger).load()
                #expect(edited.staleTranslations == ["love-is-respect"])
                #expect(edited.spanishDescriptions == current.crisisContacts - 1)
                let stale = try await client.query(
                    "SELECT what_to_expect, what_to_expect_es FROM crisis_contacts WHERE slug = 'love-is-respect'",
                    logger: logger
                ).collect().first?.decode((String, String?).self)
                #expect(stale?.0.hasPrefix("Trained peer advocates, supervised by staff") == true)
                #expect(stale?.1 == nil)
            }
        }
    }

    @Test("60614 is Chicago, IL in America/Chicago; taxonomy parents resolve; only confirmed 24/7 lines get hours")
    func content() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                _ = try await ReferenceData(client: client, directory: Self.directory, logger: logger).load()

                // Every ZIP code's hours are read in a zone PostgreSQL knows (99634 once said "Napakiak").
                let unknownZones = try await client.query(
                    """
                    SELECT count(*)::int, (SELECT time_zone FROM zip_codes WHERE zip = '99634') FROM zip_codes
                    WHERE time_zone NOT IN (SELECT name FROM pg_timezone_names)
                    """, logger: logger)
                for try await (count, napakiak) in unknownZones.decode((Int, String).self) {
                    #expect(count == 0)
                    #expect(napakiak == "America/Nome")
                }

                let place = try await client.query(
                    "SELECT city, state, county, time_zone, ST_Y(point::geometry), ST_X(point::geometry) FROM zip_codes WHERE zip = '60614'",
                    logger: logger)
                var found = false
                for try await (city, state, county, zone, latitude, longitude) in place.decode(
                    (String, String, String, String, Double, Double).self)
                {
                    found = true
                    #expect(city == "Chicago")
                    #expect(state == "IL")
                    #expect(county == "Cook County")
                    #expect(zone == "America/Chicago")
                    #expect(abs(latitude - 41.92) < 0.05 && abs(longitude + 87.65) < 0.05)
                }
                #expect(found)

                let child = try await client.query(
                    """
                    SELECT parent.code, child.name_es FROM taxonomy_terms child
                    JOIN taxonomy_terms parent ON parent.id = child.parent_id
                    WHERE child.code = 'mental-health.trauma-therapy'
                    """,
                    logger: logger)
                var terms = 0
                for try await (parent, spanish) in child.decode((String, String).self) {
                    terms += 1
                    #expect(parent == "mental-health")
                    #expect(spanish == "Terapia centrada en el trauma")
                }
                #expect(terms == 1, "the child term exists and has its parent")

                let hours = try await client.query(
                    """
                    SELECT c.slug, ch.channel::text, ch.hours_note, s.open_24_7 FROM crisis_channels ch
                    JOIN crisis_contacts c ON c.id = ch.crisis_contact_id
                    LEFT JOIN schedules s ON s.crisis_channel_id = ch.id
                    WHERE c.slug IN ('ncmec-the-lost', 'trans-lifeline')
                    """,
                    logger: logger)
                var seen: [String: Bool?] = [:]
                for try await (slug, _, _, open) in hours.decode((String, String, String?, Bool?).self) {
                    seen[slug] = open
                }
                #expect(seen["ncmec-the-lost"] == .some(true))
                #expect(seen["trans-lifeline"] == .some(nil), "hours the list could not confirm are not made up")
            }
        }
    }

    private func rowCounts(_ client: PostgresClient, _ logger: Logger) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in Self.tables {
            let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), logger: logger)
            for try await count in rows.decode(Int.self) { counts[table] = count }
        }
        return counts
    }

    /// One digest over every row of every table: a reload that rewrote any value would change it.
    private func contentDigest(_ client: PostgresClient, _ logger: Logger) async throws -> [String: String] {
        var digests: [String: String] = [:]
        for table in Self.tables {
            let rows = try await client.query(
                PostgresQuery(unsafeSQL: "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM \(table) t"),
                logger: logger)
            for try await digest in rows.decode(String.self) { digests[table] = digest }
        }
        return digests
    }
}
