import Crypto
import Foundation
import HavenCore
import Logging
import PostgresNIO
import SwiftCSV

/// The real-world data every Haven needs: the ZIP table, the needs and audience taxonomies and
/// the national crisis contacts, read from `Seeds/reference/`. Loading is an upsert keyed by
/// stable ids, so it runs on every `haven seed` and changes nothing the second time.
public struct ReferenceData: Sendable {
    public struct Counts: Sendable, Equatable {
        public var zipCodes = 0
        public var needs = 0
        public var audiences = 0
        public var crisisContacts = 0
        public var crisisChannels = 0
        /// Contacts with a Spanish "what to expect".
        public var spanishDescriptions = 0
        /// Contacts whose Spanish translation was made from an earlier English text, so left out.
        public var staleTranslations: [String] = []
        /// Contacts a curator changed since the seed wrote them, left as they are (by slug).
        public var keptCrisisContacts: [String] = []
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Fixed ids: partners and later migrations refer to these taxonomies.
    public static let needsTaxonomyID = UUID(uuidString: "6b1d8c7e-5f0a-4f57-9a57-2f6d3c1e0001")!
    public static let audienceTaxonomyID = UUID(uuidString: "6b1d8c7e-5f0a-4f57-9a57-2f6d3c1e0002")!

    let client: PostgresClient
    let directory: URL
    let logger: Logger

    public init(client: PostgresClient, directory: URL, logger: Logger) {
        self.client = client
        self.directory = directory
        self.logger = logger
    }

    public func load(progress: @Sendable (String) -> Void = { _ in }) async throws -> Counts {
        var counts = Counts()
        progress("ZIP codes")
        counts.zipCodes = try await loadZIPCodes()
        progress("needs taxonomy")
        counts.needs = try await loadTaxonomy(
            id: Self.needsTaxonomyID, name: "Haven needs",
            description: "Needs of families of missing and exploited children, coded and hierarchical.",
            file: "needs-taxonomy.csv")
        progress("audience taxonomy")
        counts.audiences = try await loadTaxonomy(
            id: Self.audienceTaxonomyID, name: "Haven audiences",
            description: "Who a service is for: ages, caregivers, communities.",
            file: "audience-taxonomy.csv")
        progress("national crisis contacts")
        let loaded = try await loadCrisisContacts()
        (counts.crisisContacts, counts.crisisChannels) = (loaded.contacts, loaded.channels)
        (counts.spanishDescriptions, counts.staleTranslations) = (loaded.spanish, loaded.staleTranslations)
        counts.keptCrisisContacts = loaded.kept
        return counts
    }

    // MARK: ZIP codes

    func loadZIPCodes() async throws -> Int {
        let path = directory.appendingPathComponent("us-zip-codes.csv.gz").path
        let text: String
        do {
            text = try await ProcessRunner(account: nil).run("/bin/gzip", ["-dc", path])
        } catch {
            throw Failure(description: "cannot read \(path): \(error)")
        }
        let rows = try Self.rows(text, file: "us-zip-codes.csv.gz")
        var total = 0
        for start in stride(from: 0, to: rows.count, by: 5000) {
            let batch = rows[start..<min(start + 5000, rows.count)]
            var columns = ZIPColumns()
            for (offset, row) in batch.enumerated() {
                // Military APO/FPO codes have no place on the map (no time zone, a 0,0 point):
                // a distance from them would be nonsense, so they are left out, as are the few
                // other codes the source also puts at 0,0 (overseas post offices numbered 099xx).
                if row["timezone"]?.isEmpty ?? true, row["kind"] == "military" { continue }
                if row["latitude"].flatMap(Double.init) == 0, row["longitude"].flatMap(Double.init) == 0 { continue }
                guard let zip = row["zip"].flatMap(ZIPCode.init), let latitude = row["latitude"].flatMap(Double.init),
                    let longitude = row["longitude"].flatMap(Double.init), let state = row["state"], state.count == 2,
                    let timeZone = row["timezone"], !timeZone.isEmpty
                else { throw Failure(description: "us-zip-codes.csv.gz line \(start + offset + 2) is incomplete") }
                // Opening hours are read in this zone: a name that is no zone would make every
                // "open now" there wrong.
                guard TimeZone(identifier: timeZone) != nil else {
                    throw Failure(
                        description: "us-zip-codes.csv.gz line \(start + offset + 2): '\(timeZone)' is not a time zone")
                }
                columns.append(
                    zip: zip.digits, kind: row["kind"] ?? "standard", city: row["city"] ?? "", state: state,
                    county: row["county"] ?? "", timeZone: timeZone,
                    latitude: latitude, longitude: longitude, active: row["active"] == "true")
            }
            try await client.query(
                """
                INSERT INTO zip_codes (zip, kind, city, state, county, time_zone, point, active)
                SELECT z, k, c, s, NULLIF(co, ''), tz, ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography, a
                FROM unnest(\(columns.zip)::text[], \(columns.kind)::text[], \(columns.city)::text[],
                            \(columns.state)::text[], \(columns.county)::text[], \(columns.timeZone)::text[],
                            \(columns.latitude)::float8[], \(columns.longitude)::float8[], \(columns.active)::bool[])
                     AS t (z, k, c, s, co, tz, lat, lon, a)
                ON CONFLICT (zip) DO UPDATE SET
                    kind = EXCLUDED.kind, city = EXCLUDED.city, state = EXCLUDED.state, county = EXCLUDED.county,
                    time_zone = EXCLUDED.time_zone, point = EXCLUDED.point, active = EXCLUDED.active
                WHERE (zip_codes.kind, zip_codes.city, zip_codes.state, zip_codes.county, zip_codes.time_zone,
                       zip_codes.active, ST_AsBinary(zip_codes.point::geometry))
                      IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.city, EXCLUDED.state, EXCLUDED.county,
                       EXCLUDED.time_zone, EXCLUDED.active, ST_AsBinary(EXCLUDED.point::geometry))
                """,
                logger: logger
            )
            total += columns.zip.count
        }
        // Databases seeded before those 0,0 codes were left out lose them now.
        try await client.query(
            "DELETE FROM zip_codes WHERE ST_X(point::geometry) = 0 AND ST_Y(point::geometry) = 0", logger: logger)
        return total
    }

    private struct ZIPColumns {
        var zip: [String] = []
        var kind: [String] = []
        var city: [String] = []
        var state: [String] = []
        var county: [String] = []
        var timeZone: [String] = []
        var latitude: [Double] = []
        var longitude: [Double] = []
        var active: [Bool] = []

        mutating func append(
            zip: String, kind: String, city: String, state: String, county: String, timeZone: String,
            latitude: Double, longitude: Double, active: Bool
        ) {
            self.zip.append(zip)
            self.kind.append(kind)
            self.city.append(city)
            self.state.append(state)
            self.county.append(county)
            self.timeZone.append(timeZone)
            self.latitude.append(latitude)
            self.longitude.append(longitude)
            self.active.append(active)
        }
    }

    // MARK: Taxonomies

    /// Term ids derive from the taxonomy and code, so every Haven gives a term the same id.
    func loadTaxonomy(id: UUID, name: String, description: String, file: String) async throws -> Int {
        let rows = try Self.rows(try read(file), file: file)
        let codes = Set(rows.compactMap { $0["code"] })
        for (index, row) in rows.enumerated() {
            let code = row["code"] ?? ""
            guard TaxonomyCode.isValid(code), let label = row["name"], !label.isEmpty,
                let labelES = row["name_es"], !labelES.isEmpty
            else { throw Failure(description: "\(file) line \(index + 2): a term needs a valid code and both names") }
            if let parent = row["parent_code"], !parent.isEmpty, !codes.contains(parent) {
                throw Failure(description: "\(file) line \(index + 2): parent '\(parent)' is not in the file")
            }
        }
        try await client.transaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO taxonomies (id, name, description, version) VALUES (\(id), \(name), \(description), '1')
                ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description
                """,
                logger: logger
            )
            // Parents before children: rows are in file order, and the file lists parents first.
            for (position, row) in rows.enumerated() {
                let code = row["code"]!
                let parentID = row["parent_code"].flatMap { $0.isEmpty ? nil : Self.termID(taxonomy: id, code: $0) }
                try await connection.query(
                    """
                    INSERT INTO taxonomy_terms (id, taxonomy_id, code, name, description, name_es, description_es,
                                                parent_id, position)
                    VALUES (\(Self.termID(taxonomy: id, code: code)), \(id), \(code), \(row["name"]!),
                            \(row["description"] ?? ""), \(row["name_es"]!), \(row["description_es"] ?? ""),
                            \(parentID)::uuid, \(position))
                    ON CONFLICT (taxonomy_id, code) DO UPDATE SET
                        name = EXCLUDED.name, description = EXCLUDED.description, name_es = EXCLUDED.name_es,
                        description_es = EXCLUDED.description_es, parent_id = EXCLUDED.parent_id,
                        position = EXCLUDED.position
                    WHERE (taxonomy_terms.name, taxonomy_terms.description, taxonomy_terms.name_es,
                           taxonomy_terms.description_es, taxonomy_terms.parent_id, taxonomy_terms.position)
                          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.description, EXCLUDED.name_es,
                           EXCLUDED.description_es, EXCLUDED.parent_id, EXCLUDED.position)
                    """,
                    logger: logger
                )
            }
        }
        return rows.count
    }

    // MARK: Crisis contacts

    /// Each contact is validated and saved exactly as a curator's would be; rows of the list
    /// that share an id are the channels of one contact.
    func loadCrisisContacts() async throws -> (
        contacts: Int, channels: Int, spanish: Int, staleTranslations: [String], kept: [String]
    ) {
        let file = "national-crisis-contacts.csv"
        let rows = try Self.rows(try read(file), file: file)
        let translations = try spanishTranslations()
        var spanish = 0
        var stale: [String] = []
        var order: [String] = []
        var channels: [String: [[String: String]]] = [:]
        for row in rows {
            guard let slug = row["id"], !slug.isEmpty else { throw Failure(description: "\(file): a row has no id") }
            if channels[slug] == nil { order.append(slug) }
            channels[slug, default: []].append(row)
        }
        let repository = CrisisContactRepository(logger: logger)
        let records = DirectoryRecords(logger: logger)
        let kept = try await client.transaction(logger: logger) { connection in
            var kept: [String] = []
            for slug in order {
                let rows = channels[slug]!
                let first = rows[0]
                var input = CrisisContactInput(
                    slug: slug, name: first["name"] ?? slug, channels: rows.map(Self.channel))
                input.operatorName = first["operator"]
                input.url = first["url"]
                input.audience = first["audience"]
                input.whatToExpect = first["what_to_expect"]
                if let translation = translations[slug], let english = input.whatToExpect {
                    if translation.english == Self.sha256(english) {
                        input.whatToExpectEs = translation.spanish
                        spanish += 1
                    } else {
                        stale.append(slug)
                    }
                }
                input.sourceURL = first["source_url"]
                input.verifiedOn = first["verified_on"]
                input.coverage = .init(kind: "national")
                let draft: CrisisContactDraft
                switch input.validate() {
                case .success(let valid): draft = valid
                case .failure(let failure):
                    let fields = failure.errors.map { "\($0.pointer) \($0.detail)" }.joined(separator: "; ")
                    throw Failure(description: "\(file): \(slug) is invalid: \(fields)")
                }
                let id = Self.stableID("crisis-contact", slug)
                // A line a curator corrected since the seed wrote it keeps the correction.
                guard try await records.seedMayWrite(.crisisContact, id: id, on: connection) else {
                    kept.append(slug)
                    continue
                }
                try await repository.save(id: id, draft, on: connection)
                if let verifiedOn = first["verified_on"].flatMap(Self.date) {
                    try await records.markVerified(
                        .crisisContact, id: id, at: verifiedOn, by: "national crisis-contacts list", on: connection)
                }
                try await records.noteSeedWrite(.crisisContact, id: id, on: connection)
            }
            return kept
        }
        if !stale.isEmpty {
            logger.warning(
                "Spanish crisis-line descriptions left out: the English text changed since they were translated",
                metadata: ["contacts": "\(stale.joined(separator: ", "))"])
        }
        return (order.count, rows.count, spanish, stale, kept)
    }

    /// Haven's Spanish "what to expect" by contact id, with the SHA-256 of the English text each
    /// was translated from (see `national-crisis-contacts.es.SOURCE.md`). A missing file is no
    /// translations.
    func spanishTranslations() throws -> [String: (english: String, spanish: String)] {
        let file = "national-crisis-contacts.es.csv"
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path) else { return [:] }
        var translations: [String: (english: String, spanish: String)] = [:]
        for row in try Self.rows(try read(file), file: file) {
            guard let slug = row["id"], let english = row["english_sha256"], let spanish = row["what_to_expect_es"],
                !slug.isEmpty, !spanish.isEmpty
            else { throw Failure(description: "\(file): a row lacks its id, english_sha256 or what_to_expect_es") }
            translations[slug] = (english.lowercased(), spanish)
        }
        return translations
    }

    static func sha256(_ text: String) -> String {
        Hex.string(SHA256.hash(data: Data(text.utf8)))
    }

    /// A row of the list as a channel. 24/7 channels get an evaluable schedule; the others keep
    /// the source's note and no hours, so nothing claims a line is open when the list could not
    /// confirm it.
    static func channel(_ row: [String: String]) -> CrisisContactInput.Channel {
        let languages = CrisisChannelSource.languages(row["languages"] ?? "")
        let hours = row["hours"] ?? ""
        var channel = CrisisContactInput.Channel(channel: row["channel"] ?? "", value: row["value"] ?? "")
        channel.keyword = row["keyword"]
        channel.label = row["name"]
        channel.hoursNote = hours
        channel.languages = languages.codes
        channel.interpretation = languages.interpretation
        channel.languageNote = languages.note
        channel.whatToExpect = row["what_to_expect"]
        if CrisisChannelSource.isAlwaysOpen(hours) {
            channel.schedule = .init(timeZone: "America/New_York", open247: true)
        }
        return channel
    }

    // MARK: Helpers

    private func read(_ file: String) throws -> String {
        let url = directory.appendingPathComponent(file)
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw Failure(description: "cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    static func rows(_ text: String, file: String) throws -> [[String: String]] {
        do {
            return try CSV<Named>(string: text, delimiter: .comma, loadColumns: false).rows
        } catch {
            throw Failure(description: "\(file) is not valid CSV: \(error)")
        }
    }

    /// A name-based id (MD5 of a Haven namespace and the key, shaped as a UUID), the same on
    /// every machine, so seeds upsert instead of duplicating.
    static func stableID(_ kind: String, _ key: String) -> UUID {
        let digest = Insecure.MD5.hash(data: Data("haven:\(kind):\(key)".utf8))
        let bytes = Array(digest)
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    public static func termID(taxonomy: UUID, code: String) -> UUID {
        stableID("taxonomy-term", "\(taxonomy.uuidString.lowercased()):\(code)")
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)
    }
}
