import Foundation
import HavenCore
import HavenStorage
import HavenTestSupport
import Logging
import PostgresNIO
import Testing

@Suite("HSDS import and export")
struct HSDSPackageImportTests {
    static let rules = try! HSDSPackageRules(
        seedsDirectory: TestDatabaseCluster.repositoryRoot.appendingPathComponent("Seeds"))

    static func scratch(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("haven-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func files(in folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return files
    }

    static func scalar(_ sql: String, on client: PostgresClient, logger: Logger) async throws -> String {
        var value = ""
        for try await found in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(String.self)
        {
            value = found
        }
        return value
    }

    /// Every HSDS document Haven serves for the directory, folded into one digest: what partners see.
    static let directoryDigest = """
        SELECT md5(concat(
            (SELECT string_agg(hsds_organization(o, true, 90)::text, '|' ORDER BY o.id) FROM organizations o
             WHERE o.retired_at IS NULL AND EXISTS (SELECT 1 FROM services s WHERE s.organization_id = o.id)),
            (SELECT string_agg(hsds_service(s, 90)::text, '|' ORDER BY s.id) FROM services s WHERE s.retired_at IS NULL),
            (SELECT count(*) FROM search_services)::text))
        """

    @Test("round trip: export the demo directory, import it into an empty database, export again: the same files")
    func roundTrip() async throws {
        let first = try Self.scratch("export-a")
        let zip = try Self.scratch("export-b").appendingPathComponent("directory.zip")
        let second = try Self.scratch("export-c")
        defer {
            for url in [first, zip.deletingLastPathComponent(), second] { try? FileManager.default.removeItem(at: url) }
        }

        let (original, services) = try await TestDatabaseCluster.shared.withDemoDatabase { database in
            try await database.withClient { client in
                let report = try await HSDSExporter(client: client, logger: database.logger).export(
                    to: first, rules: Self.rules, publicOnly: false)
                #expect(report.files.first { $0.name == "services.csv" }?.rows == 347)
                return (
                    try await Self.scalar(Self.directoryDigest, on: client, logger: database.logger),
                    try await Self.scalar(
                        "SELECT count(*)::text FROM services WHERE retired_at IS NULL", on: client,
                        logger: database.logger)
                )
            }
        }
        #expect(services == "347")

        // The export meets the official HSDS field rules and Haven's own, with nothing left out.
        let exported = try HSDSPackageReader.read(from: first, rules: Self.rules)
        #expect(exported.problems.isEmpty)
        let check = HSDSPackageCheck.run(exported.tables, files: exported.files, rules: Self.rules.all)
        #expect(check.problems.map(\.description) == [])
        let official = PackageValidator(rules: Self.rules.official).validate(exported.tables, files: exported.files)
        #expect(official.isEmpty)
        #expect(exported.tables["location"]?.count == 180)
        let reference = try Self.frictionless(first)
        #expect(reference.valid, "the Frictionless validator refused the export: \(reference.report)")
        #expect(reference.resources == 28)

        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                let importer = HSDSImporter(client: client, logger: logger)
                let report = try await importer.run(exported, rules: Self.rules.all, dryRun: false)
                #expect(report.problems.isEmpty)
                #expect(report.written)
                #expect(report.counts.first { $0.table == "services" }?.added == 347)
                #expect(report.servicesReindexed == 347)

                // The same package again changes nothing: no row, no version, no search row.
                let again = try await importer.run(exported, rules: Self.rules.all, dryRun: false)
                #expect(again.changedRows == 0)
                #expect(again.servicesReindexed == 0)
                #expect(
                    try await Self.scalar("SELECT max(version)::text FROM services", on: client, logger: logger) == "1")

                #expect(try await Self.scalar(Self.directoryDigest, on: client, logger: logger) == original)
                _ = try await HSDSExporter(client: client, logger: logger).export(
                    to: zip, rules: Self.rules, publicOnly: false)
            }
        }
        // A full export holds shelters' addresses: only its owner may read it.
        for file in [first.appendingPathComponent("services.csv"), first.appendingPathComponent("addresses.csv"), zip] {
            let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file.lastPathComponent) is \(String(mode ?? 0, radix: 8))")
        }
        // Byte for byte, through a zip this time.
        let zipped = try HSDSPackageReader.read(from: zip, rules: Self.rules)
        #expect(zipped.tables.count == exported.tables.count)
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            try await database.withClient { client in
                let report = try await HSDSImporter(client: client, logger: database.logger).run(
                    zipped, rules: Self.rules.all, dryRun: false)
                #expect(report.written && report.errors.isEmpty)
                _ = try await HSDSExporter(client: client, logger: database.logger).export(
                    to: second, rules: Self.rules, publicOnly: false)
            }
        }
        let before = try Self.files(in: first)
        let after = try Self.files(in: second)
        #expect(before.keys.sorted() == after.keys.sorted())
        for (name, data) in before where after[name] != data {
            Issue.record("\(name) differs after the round trip")
        }
    }

    /// The Frictionless reference validator (Python's `frictionless`, installed by `make deps`)
    /// on a package folder: whether it is valid, how many resources it checked, and its report.
    static func frictionless(_ folder: URL) throws -> (valid: Bool, resources: Int, report: String) {
        let output = folder.appendingPathComponent("frictionless-report.json")
        let errors = folder.appendingPathComponent("frictionless-errors.txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: errors)
        }
        // Files, not pipes: a pipe end inherited by some other child could keep a read waiting.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "frictionless", "validate", "--json", "datapackage.json"]
        process.currentDirectoryURL = folder
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        process.waitUntilExit()
        let data = try Data(contentsOf: output)
        guard let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            let said = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            return (
                false, 0, "no report (is Python's frictionless installed? make deps installs it): \(said.prefix(500))"
            )
        }
        let tasks = report["tasks"] as? [[String: Any]] ?? []
        let text = String(decoding: data, as: UTF8.self)
        return (report["valid"] as? Bool ?? false, tasks.count, String(text.prefix(2000)))
    }

    /// A small package written by hand, as another system might send it.
    static func package(services: String, schedules: String, locations: String? = nil) -> [String: String] {
        [
            "datapackage.json": """
            {"name": "example", "resources": [
              {"name": "organization", "path": "organizations.csv"},
              {"name": "service", "path": "services.csv"},
              {"name": "location", "path": "locations.csv"},
              {"name": "address", "path": "addresses.csv"},
              {"name": "service_at_location", "path": "service_at_location.csv"},
              {"name": "schedule", "path": "schedules.csv"}]}
            """,
            "organizations.csv": """
            id,name,description
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a01,Example Family Resource Center,Court accompaniment and family support (fictional)

            """,
            "services.csv": services,
            "locations.csv": locations
                ?? """
                id,location_type,organization_id,name,latitude,longitude
                0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1c01,physical,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a01,Main office,41.8781,-87.6298

                """,
            "addresses.csv": """
            id,location_id,address_1,city,state_province,postal_code,country,address_type
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1d01,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1c01,100 Example Plaza,Chicago,IL,60601,US,physical

            """,
            "service_at_location.csv": """
            id,service_id,location_id
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1e01,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1c01

            """,
            "schedules.csv": schedules,
        ]
    }

    static let goodServices = """
        id,organization_id,name,status,email
        0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a01,Court accompaniment,active,help@example.org
        0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b02,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a01,Family support group,active,

        """

    static let goodSchedules = """
        id,service_id,location_id,byday,opens_at,closes_at,description
        0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1f01,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01,,"MO,TU,WE",09:00:00,17:00:00,
        0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1f02,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b02,,,,,Second Tuesday evenings

        """

    static func write(_ files: [String: String]) throws -> URL {
        let folder = try scratch("package")
        for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
        return folder
    }

    static let directoryCounts = """
        SELECT concat_ws(' ', (SELECT count(*) FROM organizations), (SELECT count(*) FROM services),
                              (SELECT count(*) FROM locations), (SELECT count(*) FROM schedules),
                              (SELECT count(*) FROM search_services))
        """

    @Test("a package with errors reports each one by file, line and column, and writes nothing")
    func errorsWriteNothing() async throws {
        let badServices = """
            id,organization_id,name,status,email
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a01,Court accompaniment,open,help@example.org
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b02,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a09,,active,help-at-example.org

            """
        let unplacedLocation = """
            id,location_type,organization_id,name,latitude,longitude
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1c01,physical,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a01,Main office,,

            """
        let bad = try Self.write(
            Self.package(services: badServices, schedules: Self.goodSchedules, locations: unplacedLocation))
        let good = try Self.write(Self.package(services: Self.goodServices, schedules: Self.goodSchedules))
        defer {
            try? FileManager.default.removeItem(at: bad)
            try? FileManager.default.removeItem(at: good)
        }

        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                let importer = HSDSImporter(client: client, logger: logger)
                let empty = try await Self.scalar(Self.directoryCounts, on: client, logger: logger)

                let report = try await importer.run(
                    try HSDSPackageReader.read(from: bad, rules: Self.rules), rules: Self.rules.all, dryRun: false)
                #expect(!report.written)
                #expect(
                    report.errors.map(\.description) == [
                        "error: locations.csv:2 latitude: a physical location needs latitude and longitude: Haven finds services by distance",
                        "error: services.csv:2 status: must be one of active, inactive, defunct, temporarily closed (found 'open')",
                        "error: services.csv:3 email: must be an email address (found 'help-at-example.org')",
                        "error: services.csv:3 name: is required",
                        "error: services.csv:3 organization_id: refers to organization 0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a09, which is not in organizations.csv",
                    ])
                #expect(try await Self.scalar(Self.directoryCounts, on: client, logger: logger) == empty)

                // A dry run of the good package counts what it would write, and writes nothing.
                let package = try HSDSPackageReader.read(from: good, rules: Self.rules)
                let dry = try await importer.run(package, rules: Self.rules.all, dryRun: true)
                #expect(dry.errors.isEmpty && !dry.written)
                #expect(dry.counts.first { $0.table == "services" }?.added == 2)
                #expect(try await Self.scalar(Self.directoryCounts, on: client, logger: logger) == empty)

                // The hours given only as prose are left out, named; the rest imports, time zone
                // taken from the location's ZIP code, and search finds the services.
                let imported = try await importer.run(package, rules: Self.rules.all, dryRun: false)
                #expect(imported.written)
                #expect(
                    imported.warnings.map(\.description) == [
                        "warning: schedules.csv:3 byday: Haven keeps hours it can evaluate (days as MO,TU,…, opens_at and closes_at); these hours are left out"
                    ])
                #expect(
                    try await Self.scalar(
                        "SELECT time_zone FROM schedules WHERE id = '0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1f01'", on: client,
                        logger: logger) == "America/Chicago")
                #expect(
                    try await Self.scalar(
                        "SELECT string_agg(name, ', ' ORDER BY name) FROM search_services", on: client, logger: logger)
                        == "Court accompaniment, Family support group")
            }
        }
    }

    @Test("a schedule Haven cannot place in a time zone is an error found in the database, and nothing is written")
    func databaseChecks() async throws {
        let noAddress = Self.package(services: Self.goodServices, schedules: Self.goodSchedules)
            .filter { $0.key != "addresses.csv" }
            .mapValues {
                $0.replacingOccurrences(of: "{\"name\": \"address\", \"path\": \"addresses.csv\"},", with: "")
            }
        #expect(
            try await Self.refusedImport(noAddress) == [
                "error: schedules.csv:2 location_id: Haven needs the time zone of these hours: give it in haven_schedules.csv, or keep the hours at a location with a time zone or a known ZIP code"
            ])
    }

    /// Imports `files` into a database with only the reference data, checks that nothing was
    /// written, and returns the errors it gave.
    static func refusedImport(_ files: [String: String]) async throws -> [String] {
        let folder = try write(files)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                let report = try await HSDSImporter(client: client, logger: logger).run(
                    try HSDSPackageReader.read(from: folder, rules: rules), rules: rules.all, dryRun: false)
                #expect(!report.written)
                #expect(try await scalar("SELECT count(*)::text FROM services", on: client, logger: logger) == "0")
                return report.errors.map(\.description)
            }
        }
    }

    @Test("a service area naming a county or ZIP code Haven does not know is an error, and nothing is written")
    func unknownAreaPlaces() async throws {
        var files = Self.package(services: Self.goodServices, schedules: Self.goodSchedules)
        files["datapackage.json"] = files["datapackage.json"]!.replacingOccurrences(
            of: "{\"name\": \"schedule\", \"path\": \"schedules.csv\"}",
            with: """
                {"name": "schedule", "path": "schedules.csv"},
                  {"name": "service_area", "path": "service_areas.csv"},
                  {"name": "haven_service_area", "path": "haven_service_areas.csv"}
                """)
        files["service_areas.csv"] = """
            id,service_id,name
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a61,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01,Cook County
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a62,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01,Downtown
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a63,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b02,Lake County

            """
        files["haven_service_areas.csv"] = """
            id,kind,states,counties,zip_codes,radius_km
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a61,county,,IL:Cook County;IL:Cook Cnty;IL:Dupage,,
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a62,zip,,,60601;00000,
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a63,county,,IL:Lake County,,

            """
        #expect(
            try await Self.refusedImport(files) == [
                "error: haven_service_areas.csv:2 counties: names 'IL:Cook Cnty', 'IL:Dupage', not counties Haven knows (STATE:County name, e.g. IL:Cook County)",
                "error: haven_service_areas.csv:3 zip_codes: names '00000', not a ZIP code Haven knows",
            ])
    }

    @Test("a public export shows confidential locations only by name and intake line")
    func publicExport() async throws {
        let folder = try Self.scratch("public")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await TestDatabaseCluster.shared.withDemoDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                var secrets = try await ConfidentialLinkSecrets.plant(on: client, logger: logger)
                _ = try await HSDSExporter(client: client, logger: logger).export(
                    to: folder, rules: Self.rules, publicOnly: true)
                var intakeLines: [String] = []
                for try await (street, latitude, longitude, intake) in try await client.query(
                    """
                    SELECT a.address_1, ST_Y(l.point::geometry)::text, ST_X(l.point::geometry)::text, l.intake_phone
                    FROM locations l JOIN addresses a ON a.location_id = l.id WHERE l.confidential
                    """, logger: logger
                ).decode((String, String, String, String).self) {
                    secrets += [street, latitude, longitude]
                    intakeLines.append(intake)
                }
                #expect(intakeLines.count == 7)
                let files = try Self.files(in: folder)
                for (name, data) in files {
                    let text = String(decoding: data, as: UTF8.self)
                    for secret in secrets where text.contains(secret) {
                        Issue.record("\(name) holds a confidential location's \(secret)")
                    }
                }
                let phones = String(decoding: files["phones.csv"] ?? Data(), as: UTF8.self)
                for line in intakeLines { #expect(phones.contains(line)) }
                let package = try HSDSPackageReader.read(from: folder, rules: Self.rules)
                #expect(
                    PackageValidator(rules: Self.rules.official).validate(package.tables, files: package.files).isEmpty)
                let reference = try Self.frictionless(folder)
                #expect(reference.valid, "the Frictionless validator refused the public export: \(reference.report)")
            }
        }
    }

    @Test("--retire-missing retires what a source's package no longer lists, for its own organizations only")
    func retireMissing() async throws {
        let twoLocations = """
            id,location_type,organization_id,name,latitude,longitude
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1c01,physical,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a01,Main office,41.8781,-87.6298
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1c02,physical,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a01,North office,42.0451,-87.6877

            """
        let full = try Self.write(
            Self.package(services: Self.goodServices, schedules: Self.goodSchedules, locations: twoLocations))
        // The source's next package: the support group and the north office are gone.
        let shorter = try Self.write(
            Self.package(
                services: """
                    id,organization_id,name,status,email
                    0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1a01,Court accompaniment,active,help@example.org

                    """,
                schedules: """
                    id,service_id,location_id,byday,opens_at,closes_at,description
                    0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1f01,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01,,"MO,TU,WE",09:00:00,17:00:00,

                    """))
        // Another organization, from another source, which that package does not mention.
        var neighbour = Self.package(
            services: """
                id,organization_id,name,status,email
                0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c2b01,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c2a01,Parent support line,active,

                """,
            schedules: "id,service_id,location_id,byday,opens_at,closes_at,description\n",
            locations: """
                id,location_type,organization_id,name,latitude,longitude
                0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c2c01,physical,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c2a01,Office,41.88,-87.63

                """)
        neighbour["organizations.csv"] = """
            id,name,description
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c2a01,Example Parent Network,Peer support for parents (fictional)

            """
        neighbour["addresses.csv"] = "id,location_id,address_1,city,state_province,postal_code,country,address_type\n"
        neighbour["service_at_location.csv"] = """
            id,service_id,location_id
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c2e01,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c2b01,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c2c01

            """
        let other = try Self.write(neighbour)
        defer { for folder in [full, shorter, other] { try? FileManager.default.removeItem(at: folder) } }

        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                let importer = HSDSImporter(client: client, logger: logger)
                func read(_ folder: URL) throws -> HSDSPackage {
                    try HSDSPackageReader.read(from: folder, rules: Self.rules)
                }
                let live = """
                    SELECT concat_ws(' | ',
                        (SELECT string_agg(name, ', ' ORDER BY name) FROM services WHERE retired_at IS NULL),
                        (SELECT string_agg(name, ', ' ORDER BY name) FROM locations WHERE retired_at IS NULL),
                        (SELECT string_agg(name, ', ' ORDER BY name) FROM search_services))
                    """
                #expect(try await importer.run(read(other), rules: Self.rules.all, dryRun: false).written)
                #expect(try await importer.run(read(full), rules: Self.rules.all, dryRun: false).written)
                let before = try await Self.scalar(live, on: client, logger: logger)
                #expect(
                    before == "Court accompaniment, Family support group, Parent support line"
                        + " | Main office, North office, Office"
                        + " | Court accompaniment, Family support group, Parent support line")

                // Without the flag, nothing is retired.
                let plain = try await importer.run(read(shorter), rules: Self.rules.all, dryRun: false)
                #expect(plain.written && plain.retirements.isEmpty && plain.changedRows == 0)
                #expect(try await Self.scalar(live, on: client, logger: logger) == before)

                // A dry run names what would go, and changes nothing.
                let dry = try await importer.run(
                    read(shorter), rules: Self.rules.all, dryRun: true, retireMissing: true)
                #expect(!dry.written)
                #expect(
                    dry.retirements.map { "\($0.table) \($0.name)" } == [
                        "services Family support group", "locations North office",
                    ])
                #expect(try await Self.scalar(live, on: client, logger: logger) == before)

                let retired = try await importer.run(
                    read(shorter), rules: Self.rules.all, dryRun: false, retireMissing: true)
                #expect(retired.written)
                #expect(retired.counts.first { $0.table == "services" }?.retired == 1)
                #expect(retired.counts.first { $0.table == "locations" }?.retired == 1)
                #expect(retired.servicesReindexed == 1)
                #expect(
                    try await Self.scalar(live, on: client, logger: logger)
                        == "Court accompaniment, Parent support line | Main office, Office"
                        + " | Court accompaniment, Parent support line")
                // Kept for history, with a new version.
                #expect(
                    try await Self.scalar(
                        "SELECT version::text FROM services WHERE id = '0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b02'",
                        on: client, logger: logger) == "2")
                // Audited like a curator's change: each written import (not the dry run), and
                // each record it retired.
                #expect(
                    try await Self.scalar(
                        """
                        SELECT count(*) FILTER (WHERE action = 'importHSDS')::text || ' '
                               || string_agg(record_type || ':' || record_id, ',' ORDER BY record_type)
                                  FILTER (WHERE action = 'importHSDS.retire')
                        FROM audit_log WHERE client_address = 'local'
                        """, on: client, logger: logger)
                        == "4 location:\(retired.retirements[1].id.uuidString.lowercased()),service:0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b02"
                )

                // The same package again retires nothing more.
                let again = try await importer.run(
                    read(shorter), rules: Self.rules.all, dryRun: false, retireMissing: true)
                #expect(again.changedRows == 0 && again.retirements.isEmpty)

                // A package without services.csv retires no service.
                let locationsOnly = try Self.write(
                    Self.package(services: "", schedules: "").filter {
                        ["organizations.csv", "locations.csv", "addresses.csv"].contains($0.key)
                    }.merging(
                        [
                            "datapackage.json": """
                            {"name": "example", "resources": [
                              {"name": "organization", "path": "organizations.csv"},
                              {"name": "location", "path": "locations.csv"},
                              {"name": "address", "path": "addresses.csv"}]}
                            """
                        ], uniquingKeysWith: { $1 }))
                defer { try? FileManager.default.removeItem(at: locationsOnly) }
                let partial = try await importer.run(
                    read(locationsOnly), rules: Self.rules.all, dryRun: false, retireMissing: true)
                #expect(partial.written && partial.retirements.isEmpty, "\(partial.retirements)")

                // A package that lists a retired record again updates it, and it stays retired.
                let relisted = try await importer.run(read(full), rules: Self.rules.all, dryRun: false)
                #expect(relisted.counts.first { $0.table == "services" }?.stillRetired == 1)
                #expect(relisted.counts.first { $0.table == "locations" }?.stillRetired == 1)
                #expect(
                    try await Self.scalar(live, on: client, logger: logger)
                        == "Court accompaniment, Parent support line | Main office, Office"
                        + " | Court accompaniment, Parent support line")
            }
        }
    }

    @Test("a location whose hours alone change moves to a new version, as an edit through the API would")
    func locationChildChanges() async throws {
        func hours(closing: String?) -> String {
            """
            id,service_id,location_id,byday,opens_at,closes_at,description
            0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1f01,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01,,"MO,TU,WE",09:00:00,17:00:00,

            """
                + (closing.map {
                    """
                    0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1f03,,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1c01,"MO,FR",08:00:00,\($0),

                    """
                } ?? "")
        }
        let first = try Self.write(Self.package(services: Self.goodServices, schedules: hours(closing: "17:00:00")))
        let later = try Self.write(Self.package(services: Self.goodServices, schedules: hours(closing: "19:30:00")))
        let without = try Self.write(Self.package(services: Self.goodServices, schedules: hours(closing: nil)))
        defer { for folder in [first, later, without] { try? FileManager.default.removeItem(at: folder) } }

        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                let importer = HSDSImporter(client: client, logger: logger)
                func run(_ folder: URL, retireMissing: Bool = false) async throws -> HSDSImporter.Report {
                    try await importer.run(
                        HSDSPackageReader.read(from: folder, rules: Self.rules), rules: Self.rules.all, dryRun: false,
                        retireMissing: retireMissing)
                }
                let location = """
                    SELECT concat_ws(' ', version, (SELECT closes_at::text FROM schedules
                                                   WHERE location_id = l.id ORDER BY id LIMIT 1))
                    FROM locations l WHERE id = '0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1c01'
                    """
                let stamp = "SELECT updated_at::text FROM locations WHERE id = '0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1c01'"
                #expect(try await run(first).written)
                #expect(try await Self.scalar(location, on: client, logger: logger) == "1 17:00:00")
                let stampedBefore = try await Self.scalar(stamp, on: client, logger: logger)

                // The location's own row is as it was; its hours are not.
                #expect(try await run(later).changedRows == 1)
                #expect(try await Self.scalar(location, on: client, logger: logger) == "2 19:30:00")
                #expect(try await Self.scalar(stamp, on: client, logger: logger) > stampedBefore)
                // The same package again changes nothing, so the version stays.
                #expect(try await run(later).changedRows == 0)
                #expect(try await Self.scalar(location, on: client, logger: logger) == "2 19:30:00")
                // Hours removed by a whole list are a change too.
                #expect(try await run(without, retireMissing: true).written)
                #expect(try await Self.scalar(location, on: client, logger: logger) == "3")
            }
        }
    }

    @Test("--retire-missing removes the hours and links the package no longer has, of the records it lists only")
    func fullListsOfChildRows() async throws {
        let first = try Self.write(
            Self.package(
                services: Self.goodServices,
                schedules: """
                    id,service_id,location_id,byday,opens_at,closes_at,description
                    0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1f01,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01,,"MO,TU,WE",09:00:00,17:00:00,
                    0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1f02,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01,,TH,18:00:00,20:00:00,

                    """))
        // The next package: the weekday hours and the office link are gone, and the Thursday
        // evening is given only as prose, which Haven leaves out with a warning.
        var nextFiles = Self.package(
            services: Self.goodServices,
            schedules: """
                id,service_id,location_id,byday,opens_at,closes_at,description
                0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1f02,0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01,,,,,Thursday evenings

                """)
        nextFiles["service_at_location.csv"] = "id,service_id,location_id\n"
        let next = try Self.write(nextFiles)
        defer { for folder in [first, next] { try? FileManager.default.removeItem(at: folder) } }

        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                let importer = HSDSImporter(client: client, logger: logger)
                func read(_ folder: URL) throws -> HSDSPackage {
                    try HSDSPackageReader.read(from: folder, rules: Self.rules)
                }
                let state = """
                    SELECT concat_ws(' | ',
                        (SELECT string_agg(right(id::text, 4), ',' ORDER BY id) FROM schedules
                         WHERE service_id = '0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01'),
                        (SELECT count(*) FROM service_at_locations
                         WHERE service_id = '0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01')::text,
                        (SELECT string_agg(right(id::text, 4) || ' v' || version, ',' ORDER BY id) FROM services))
                    """
                #expect(try await importer.run(read(first), rules: Self.rules.all, dryRun: false).written)
                let before = try await Self.scalar(state, on: client, logger: logger)
                #expect(before == "1f01,1f02 | 1 | 1b01 v1,1b02 v1")
                let stampedBefore = try await Self.scalar(
                    "SELECT changed_at::text FROM services WHERE id = '0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01'",
                    on: client, logger: logger)

                // Without the flag a package adds and updates only.
                let plain = try await importer.run(read(next), rules: Self.rules.all, dryRun: false)
                #expect(plain.written && plain.changedRows == 0)
                #expect(try await Self.scalar(state, on: client, logger: logger) == before)

                let full = try await importer.run(read(next), rules: Self.rules.all, dryRun: false, retireMissing: true)
                #expect(full.written)
                #expect(full.counts.first { $0.table == "schedules" }?.removed == 1)
                #expect(full.counts.first { $0.table == "service_at_locations" }?.removed == 1)
                #expect(full.retirements.isEmpty)
                // The service's document changed: a new version; the other service's did not. The
                // prose-only row was skipped, not dropped: the Thursday evening stays.
                #expect(try await Self.scalar(state, on: client, logger: logger) == "1f02 | 0 | 1b01 v2,1b02 v1")
                let stampedAfter = try await Self.scalar(
                    "SELECT (changed_at > '\(stampedBefore)'::timestamptz)::text FROM services WHERE id = '0b5d7a52-9a1c-4d7e-9d55-0e6a7f4c1b01'",
                    on: client, logger: logger)
                #expect(stampedAfter == "true")

                let again = try await importer.run(
                    read(next), rules: Self.rules.all, dryRun: false, retireMissing: true)
                #expect(again.changedRows == 0)
            }
        }
    }
}
