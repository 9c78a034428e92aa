import Foundation
import HavenCore
import Logging
import PostgresNIO
import ZIPFoundation

/// `haven export hsds`: the directory as an HSDS 3.0 tabular data package, with Haven's
/// extension files beside the official ones, from one consistent snapshot.
///
/// What is exported: live (not retired) organizations that are part of the directory (they have
/// a description, or services, locations or programs; organizations that only hold user accounts
/// are left out), their live services and locations, and everything that hangs off those.
/// A public package (`publicOnly`) shows confidential locations as `/hsds` does: no address,
/// point, directions, contacts, accessibility notes or hours, only the intake line.
public struct HSDSExporter: Sendable {
    public struct Report: Sendable {
        public var files: [(name: String, rows: Int)] = []
        public var rows: Int { files.reduce(0) { $0 + $1.rows } }
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Writes the package into `destination`: a zip file when the name ends in `.zip`, else a
    /// folder (created if needed; files of the same names are replaced).
    public func export(
        to destination: URL, rules: HSDSPackageRules, publicOnly: Bool,
        progress: @Sendable (_ file: String, _ step: Int, _ of: Int) -> Void = { _, _, _ in }
    ) async throws -> Report {
        let resources = rules.all.resources
        var files: [(path: String, data: Data)] = []
        var report = Report()
        try await client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ", logger: logger)
            do {
                for statement in HSDSExportPlan.scope {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                for (index, resource) in resources.enumerated() {
                    progress(resource.path, index, resources.count)
                    var writer = CSVWriter(header: resource.schema.fields.map(\.name))
                    var rows = 0
                    // Resources Haven keeps nothing of are written with their header only, so the
                    // package has every file its descriptor lists.
                    let select = HSDSExportPlan.select(resource.name, publicOnly: publicOnly) ?? "SELECT WHERE false"
                    for try await row in try await connection.query(PostgresQuery(unsafeSQL: select), logger: logger) {
                        var fields: [String?] = []
                        fields.reserveCapacity(resource.schema.fields.count)
                        for cell in row { fields.append(try cell.decode(String?.self)) }
                        writer.appendRow(fields)
                        rows += 1
                    }
                    files.append((resource.path, Data(writer.bytes)))
                    report.files.append((resource.path, rows))
                }
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
        progress("datapackage.json", resources.count, resources.count)
        files.insert(("datapackage.json", try descriptor(rules: rules, publicOnly: publicOnly)), at: 0)
        try write(files, to: destination, readableByOwnerOnly: !publicOnly)
        return report
    }

    /// The official descriptor as published, with Haven's extension resources added: tools that
    /// know only HSDS read the official files and ignore the rest.
    private func descriptor(rules: HSDSPackageRules, publicOnly: Bool) throws -> Data {
        guard var object = try JSONSerialization.jsonObject(with: rules.officialJSON) as? [String: Any],
            var resources = object["resources"] as? [Any]
        else { throw HSDSPackageError("the HSDS descriptor in Seeds/hsds is not a data package") }
        let encoder = JSONEncoder()
        for resource in HavenPackageExtension.resources {
            resources.append(try JSONSerialization.jsonObject(with: try encoder.encode(resource)))
        }
        object["resources"] = resources
        object["description"] =
            "An export of a Haven directory\(publicOnly ? " (public: confidential addresses left out)" : ""). "
            + "The haven_* files carry Haven's HSDS profile extensions (docs/hsds-profile.md)."
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    /// A full export holds shelters' addresses: it is kept like a database backup, readable by
    /// its owner only (the zip, or the folder Haven creates and each file in it).
    private func write(_ files: [(path: String, data: Data)], to destination: URL, readableByOwnerOnly: Bool) throws {
        let manager = FileManager.default
        let ownerOnly: [FileAttributeKey: Any] = [.posixPermissions: 0o600]
        if destination.pathExtension.lowercased() == "zip" {
            if manager.fileExists(atPath: destination.path) { try manager.removeItem(at: destination) }
            let archive = try Archive(url: destination, accessMode: .create)
            // Before a byte of the directory is in it.
            if readableByOwnerOnly { try manager.setAttributes(ownerOnly, ofItemAtPath: destination.path) }
            for file in files {
                try archive.addEntry(
                    with: file.path, type: .file, uncompressedSize: Int64(file.data.count),
                    compressionMethod: .deflate
                ) { position, size in
                    file.data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
        } else {
            if !manager.fileExists(atPath: destination.path) {
                try manager.createDirectory(
                    at: destination, withIntermediateDirectories: true,
                    attributes: readableByOwnerOnly ? [.posixPermissions: 0o700] : nil)
            }
            for file in files {
                let path = destination.appendingPathComponent(file.path)
                try file.data.write(to: path, options: .atomic)
                if readableByOwnerOnly { try manager.setAttributes(ownerOnly, ofItemAtPath: path.path) }
            }
        }
    }
}

/// The SQL of `haven export hsds`, in one place: which records are in the package, and one
/// SELECT per resource giving text in the descriptor's field order (RFC 3339 instants,
/// `HH:MM:SS` times, semicolon-separated lists).
enum HSDSExportPlan {
    static let scope = [
        """
        CREATE TEMP TABLE export_organizations ON COMMIT DROP AS
        SELECT o.id FROM organizations o WHERE o.retired_at IS NULL AND \(HSDSRepository.organizationInDirectory)
        """,
        "ALTER TABLE export_organizations ADD PRIMARY KEY (id)",
        """
        CREATE TEMP TABLE export_services ON COMMIT DROP AS
        SELECT s.id FROM services s WHERE s.retired_at IS NULL AND s.organization_id IN (SELECT id FROM export_organizations)
        """,
        "ALTER TABLE export_services ADD PRIMARY KEY (id)",
        """
        CREATE TEMP TABLE export_locations ON COMMIT DROP AS
        SELECT l.id, l.confidential FROM locations l
        WHERE l.retired_at IS NULL
          AND (l.organization_id IS NULL OR l.organization_id IN (SELECT id FROM export_organizations))
        """,
        "ALTER TABLE export_locations ADD PRIMARY KEY (id)",
        """
        CREATE TEMP TABLE export_service_at_locations ON COMMIT DROP AS
        SELECT sal.id FROM service_at_locations sal
        WHERE sal.service_id IN (SELECT id FROM export_services) AND sal.location_id IN (SELECT id FROM export_locations)
        """,
        "ALTER TABLE export_service_at_locations ADD PRIMARY KEY (id)",
    ]

    private static let timestamp = "haven_timestamp"

    /// Rows of confidential locations a public package leaves out.
    private static func open(_ column: String, publicOnly: Bool) -> String {
        publicOnly
            ? "AND (\(column) IS NULL OR \(column) NOT IN (SELECT id FROM export_locations WHERE confidential))" : ""
    }

    /// Rows of a service at a confidential location a public package leaves out: its
    /// description, contacts and phones may say where it is ("use the back door at …").
    private static func openLink(_ column: String, publicOnly: Bool) -> String {
        publicOnly
            ? """
            AND (\(column) IS NULL OR \(column) NOT IN (
                SELECT sal.id FROM service_at_locations sal JOIN export_locations e ON e.id = sal.location_id
                WHERE e.confidential))
            """ : ""
    }

    private static func owned(_ column: String, by scope: String) -> String {
        "\(column) IN (SELECT id FROM \(scope))"
    }

    static func select(_ resource: String, publicOnly: Bool) -> String? {
        let hidden = "l.confidential AND \(publicOnly)"
        switch resource {
        case "organization":
            return """
                SELECT o.id::text, o.name, o.alternate_name, CASE WHEN o.description = '' THEN o.name ELSE o.description END,
                       o.email, o.website, o.tax_status, o.tax_id, o.year_incorporated::text, o.legal_status, o.logo, o.uri,
                       CASE WHEN o.parent_organization_id IN (SELECT id FROM export_organizations)
                            THEN o.parent_organization_id::text END
                FROM organizations o WHERE \(owned("o.id", by: "export_organizations")) ORDER BY o.id
                """
        case "program":
            return """
                SELECT p.id::text, p.organization_id::text, p.name, p.alternate_name, p.description
                FROM programs p WHERE \(owned("p.organization_id", by: "export_organizations")) ORDER BY p.id
                """
        case "service":
            return """
                SELECT s.id::text, s.organization_id::text, s.program_id::text, s.name, s.alternate_name, s.description,
                       s.url, s.email, s.status::text, s.interpretation_services, s.application_process,
                       s.fees_description, s.wait_time, s.fees, s.accreditations, s.eligibility_description,
                       s.minimum_age::text, s.maximum_age::text, s.assured_date::text, s.assurer_email, s.licenses, s.alert,
                       \(timestamp)(s.last_modified)
                FROM services s WHERE \(owned("s.id", by: "export_services")) ORDER BY s.id
                """
        case "attribute":
            return """
                SELECT a.id::text, a.link_id::text, a.taxonomy_term_id::text, a.link_type, a.link_entity, a.value
                FROM attributes a
                WHERE (a.link_entity = 'service' AND \(owned("a.link_id", by: "export_services")))
                   OR (a.link_entity = 'organization' AND \(owned("a.link_id", by: "export_organizations")))
                   OR (a.link_entity = 'location' AND \(owned("a.link_id", by: "export_locations")))
                   OR (a.link_entity = 'service_at_location' AND \(owned("a.link_id", by: "export_service_at_locations")))
                ORDER BY a.id
                """
        case "service_at_location":
            return """
                SELECT sal.id::text, sal.service_id::text, sal.location_id::text,
                       CASE WHEN \(publicOnly) AND e.confidential THEN NULL ELSE sal.description END
                FROM service_at_locations sal JOIN export_locations e ON e.id = sal.location_id
                WHERE \(owned("sal.id", by: "export_service_at_locations")) ORDER BY sal.id
                """
        case "location":
            return """
                SELECT l.id::text, l.location_type::text, CASE WHEN \(hidden) THEN NULL ELSE l.url END, l.organization_id::text,
                       l.name, l.alternate_name, CASE WHEN \(hidden) THEN NULL ELSE l.description END,
                       CASE WHEN \(hidden) THEN NULL ELSE l.transportation END,
                       CASE WHEN \(hidden) THEN NULL ELSE ST_Y(l.point::geometry)::text END,
                       CASE WHEN \(hidden) THEN NULL ELSE ST_X(l.point::geometry)::text END,
                       CASE WHEN \(hidden) THEN NULL ELSE l.external_identifier END,
                       CASE WHEN \(hidden) THEN NULL ELSE l.external_identifier_type END
                FROM locations l JOIN export_locations e ON e.id = l.id ORDER BY l.id
                """
        case "phone":
            let intake =
                publicOnly
                ? """
                UNION ALL
                SELECT hsds_intake_phone_id(l.id)::text, l.id::text, NULL, NULL, NULL, NULL, l.intake_phone, NULL, 'voice',
                       'Intake line: call to be connected; the address is shared only by the service.'
                FROM locations l JOIN export_locations e ON e.id = l.id WHERE l.confidential
                """ : ""
            return """
                SELECT * FROM (
                    SELECT p.id::text, p.location_id::text, p.service_id::text, p.organization_id::text,
                           p.contact_id::text, p.service_at_location_id::text, p.number, p.extension::text, p.type, p.description
                    FROM phones p
                    WHERE \(phoneOwned("p"))
                      \(open("p.location_id", publicOnly: publicOnly))
                      \(openLink("p.service_at_location_id", publicOnly: publicOnly))
                      AND (p.contact_id IS NULL OR p.contact_id IN (\(contactIDs(publicOnly: publicOnly))))
                    \(intake)) phones
                ORDER BY 1
                """
        case "contact":
            return """
                SELECT c.id::text, c.organization_id::text, c.service_id::text, c.service_at_location_id::text,
                       c.location_id::text, c.name, c.title, c.department, c.email
                FROM contacts c WHERE c.id IN (\(contactIDs(publicOnly: publicOnly))) ORDER BY c.id
                """
        case "address":
            return """
                SELECT a.id::text, a.location_id::text, a.attention, a.address_1, a.address_2, a.city, a.region,
                       a.state_province, a.postal_code, a.country::text, a.address_type::text
                FROM addresses a WHERE \(owned("a.location_id", by: "export_locations")) \(open("a.location_id", publicOnly: publicOnly))
                ORDER BY a.id
                """
        case "schedule":
            return """
                SELECT sc.id::text, sc.service_id::text, sc.location_id::text, sc.service_at_location_id::text,
                       sc.valid_from::text, sc.valid_to::text, sc.dtstart::text, sc.timezone::text, sc.until::text,
                       sc.count::text, sc.wkst, sc.freq, sc.interval::text, sc.byday, sc.byweekno, sc.bymonthday,
                       sc.byyearday, sc.description, to_char(sc.opens_at, 'HH24:MI:SS'), to_char(sc.closes_at, 'HH24:MI:SS'),
                       sc.schedule_link, sc.attending_type, sc.notes
                FROM schedules sc WHERE \(scheduleOwned("sc", publicOnly: publicOnly)) ORDER BY sc.id
                """
        case "funding":
            return """
                SELECT f.id::text, f.organization_id::text, f.service_id::text, f.source FROM funding f
                WHERE (f.organization_id IS NOT NULL OR f.service_id IS NOT NULL)
                  AND (f.organization_id IS NULL OR \(owned("f.organization_id", by: "export_organizations")))
                  AND (f.service_id IS NULL OR \(owned("f.service_id", by: "export_services")))
                ORDER BY f.id
                """
        case "service_area":
            return """
                SELECT sa.id::text, sa.service_id::text, sa.name, sa.description,
                       COALESCE(sa.extent, CASE WHEN sa.kind = 'polygon' THEN ST_AsGeoJSON(sa.area) END),
                       COALESCE(sa.extent_type, CASE WHEN sa.kind = 'polygon' THEN 'geojson' END), sa.uri
                FROM service_areas sa WHERE \(owned("sa.service_id", by: "export_services")) ORDER BY sa.id
                """
        case "required_document":
            return """
                SELECT d.id::text, d.service_id::text, d.document, d.uri FROM required_documents d
                WHERE \(owned("d.service_id", by: "export_services")) ORDER BY d.id
                """
        case "language":
            return """
                SELECT g.id::text, g.service_id::text, g.location_id::text, g.phone_id::text, g.name, g.code, g.note
                FROM languages g
                WHERE (g.service_id IS NOT NULL AND \(owned("g.service_id", by: "export_services")))
                   OR (g.location_id IS NOT NULL AND \(owned("g.location_id", by: "export_locations")))
                   OR (g.phone_id IS NOT NULL AND g.phone_id IN (
                        SELECT p.id FROM phones p WHERE \(phoneOwned("p")) \(open("p.location_id", publicOnly: publicOnly))
                          \(openLink("p.service_at_location_id", publicOnly: publicOnly))
                          AND (p.contact_id IS NULL OR p.contact_id IN (\(contactIDs(publicOnly: publicOnly))))))
                ORDER BY g.id
                """
        case "accessibility":
            return """
                SELECT x.id::text, x.location_id::text, x.description, x.details, x.url FROM accessibility x
                WHERE \(owned("x.location_id", by: "export_locations")) \(open("x.location_id", publicOnly: publicOnly))
                ORDER BY x.id
                """
        case "taxonomy_term":
            return """
                SELECT t.id::text, t.code, t.name, t.description, t.parent_id::text, x.name, t.language,
                       t.taxonomy_id::text, t.term_uri
                FROM taxonomy_terms t JOIN taxonomies x ON x.id = t.taxonomy_id ORDER BY t.id
                """
        case "cost_option":
            return """
                SELECT c.id::text, c.service_id::text, c.valid_from::text, c.valid_to::text, c.option, c.currency::text,
                       c.amount::text, c.amount_description
                FROM cost_options c WHERE \(owned("c.service_id", by: "export_services")) ORDER BY c.id
                """
        case "organization_identifier":
            return """
                SELECT i.id::text, i.organization_id::text, i.identifier_scheme, i.identifier_type, i.identifier
                FROM organization_identifiers i WHERE \(owned("i.organization_id", by: "export_organizations")) ORDER BY i.id
                """
        case "taxonomy":
            return "SELECT x.id::text, x.name, x.description, x.uri, x.version FROM taxonomies x ORDER BY x.id"
        case HavenPackageExtension.organizations:
            return """
                SELECT o.id::text, o.demo::text, \(timestamp)(o.last_verified_at), o.verified_by
                FROM organizations o WHERE \(owned("o.id", by: "export_organizations")) ORDER BY o.id
                """
        case HavenPackageExtension.services:
            return """
                SELECT s.id::text, s.demo::text, \(timestamp)(s.last_verified_at), s.verified_by
                FROM services s WHERE \(owned("s.id", by: "export_services")) ORDER BY s.id
                """
        case HavenPackageExtension.locations:
            return """
                SELECT l.id::text, l.demo::text, \(timestamp)(l.last_verified_at), l.verified_by, l.confidential::text,
                       CASE WHEN \(publicOnly) THEN NULL ELSE ST_Y(l.approximate_point::geometry)::text END,
                       CASE WHEN \(publicOnly) THEN NULL ELSE ST_X(l.approximate_point::geometry)::text END,
                       l.intake_phone, l.time_zone
                FROM locations l JOIN export_locations e ON e.id = l.id ORDER BY l.id
                """
        case HavenPackageExtension.schedules:
            return """
                SELECT sc.id::text, sc.time_zone, sc.open_24_7::text
                FROM schedules sc WHERE \(scheduleOwned("sc", publicOnly: publicOnly)) ORDER BY sc.id
                """
        case HavenPackageExtension.scheduleExceptions:
            return """
                SELECT e.id::text, e.service_id::text, e.location_id::text, e.starts_on::text, e.ends_on::text,
                       e.closed::text, to_char(e.opens_at, 'HH24:MI:SS'), to_char(e.closes_at, 'HH24:MI:SS'), e.reason
                FROM schedule_exceptions e
                WHERE (e.service_id IS NOT NULL AND \(owned("e.service_id", by: "export_services")))
                   OR (e.location_id IS NOT NULL AND \(owned("e.location_id", by: "export_locations"))
                       \(open("e.location_id", publicOnly: publicOnly)))
                ORDER BY e.id
                """
        case HavenPackageExtension.serviceAreas:
            return """
                SELECT sa.id::text, sa.kind::text, array_to_string(sa.states, ';'), array_to_string(sa.counties, ';'),
                       array_to_string(sa.zip_codes, ';'), sa.radius_km::text
                FROM service_areas sa WHERE \(owned("sa.service_id", by: "export_services")) ORDER BY sa.id
                """
        case HavenPackageExtension.taxonomyTerms:
            return """
                SELECT t.id::text, t.name_es, t.description_es, t.position::text FROM taxonomy_terms t ORDER BY t.id
                """
        default:
            // metadata and meta_table_description: Haven keeps its own history instead.
            return nil
        }
    }

    private static func phoneOwned(_ p: String) -> String {
        """
        ((\(p).location_id IS NOT NULL AND \(p).location_id IN (SELECT id FROM export_locations))
         OR (\(p).service_id IS NOT NULL AND \(p).service_id IN (SELECT id FROM export_services))
         OR (\(p).organization_id IS NOT NULL AND \(p).organization_id IN (SELECT id FROM export_organizations))
         OR (\(p).service_at_location_id IS NOT NULL AND \(p).service_at_location_id IN (SELECT id FROM export_service_at_locations)))
        AND (\(p).location_id IS NULL OR \(p).location_id IN (SELECT id FROM export_locations))
        AND (\(p).service_id IS NULL OR \(p).service_id IN (SELECT id FROM export_services))
        AND (\(p).organization_id IS NULL OR \(p).organization_id IN (SELECT id FROM export_organizations))
        AND (\(p).service_at_location_id IS NULL OR \(p).service_at_location_id IN (SELECT id FROM export_service_at_locations))
        """
    }

    private static func contactIDs(publicOnly: Bool) -> String {
        """
        SELECT c.id FROM contacts c
        WHERE (c.organization_id IS NULL OR c.organization_id IN (SELECT id FROM export_organizations))
          AND (c.service_id IS NULL OR c.service_id IN (SELECT id FROM export_services))
          AND (c.service_at_location_id IS NULL OR c.service_at_location_id IN (SELECT id FROM export_service_at_locations))
          AND (c.location_id IS NULL OR c.location_id IN (SELECT id FROM export_locations))
          \(open("c.location_id", publicOnly: publicOnly))
          \(openLink("c.service_at_location_id", publicOnly: publicOnly))
        """
    }

    private static func scheduleOwned(_ sc: String, publicOnly: Bool) -> String {
        """
        ((\(sc).service_id IS NOT NULL AND \(sc).service_id IN (SELECT id FROM export_services))
         OR (\(sc).location_id IS NOT NULL AND \(sc).location_id IN (SELECT id FROM export_locations)
             \(open("\(sc).location_id", publicOnly: publicOnly)))
         OR (\(sc).service_at_location_id IS NOT NULL AND \(sc).service_at_location_id IN (SELECT id FROM export_service_at_locations)
             \(openLink("\(sc).service_at_location_id", publicOnly: publicOnly))))
        """
    }
}
