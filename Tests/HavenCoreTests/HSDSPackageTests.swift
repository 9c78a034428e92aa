import HavenCore
import Testing

@Suite("HSDS data packages")
struct HSDSPackageTests {
    // MARK: CSV

    @Test("CSV: quoted fields, doubled quotes, line breaks inside quotes, CRLF and a byte-order mark")
    func csvParsing() throws {
        let text =
            "\u{FEFF}id,name,description\r\n1,\"Smith, Jones\",\"said \"\"hi\"\"\"\r\n\r\n2,Plain,\"two\nlines\"\n3,,\n"
        let table = try CSVTable.parse(Array(text.utf8))
        #expect(table.header == ["id", "name", "description"])
        #expect(table.rows == [["1", "Smith, Jones", "said \"hi\""], ["2", "Plain", "two\nlines"], ["3", "", ""]])
        // Line numbers count physical lines: the blank line and the line break inside quotes.
        #expect(table.lines == [2, 4, 6])
        #expect(table.value(2, "name") == nil)
        #expect(table.value(0, "missing") == nil)
    }

    @Test("CSV: an unclosed quote is an error on the line where it opens")
    func csvUnclosedQuote() {
        #expect(throws: CSVSyntaxError(line: 3, message: "a quoted value is never closed")) {
            try CSVTable.parse(Array("a,b\n1,2\n3,\"open\n4,5\n".utf8))
        }
    }

    @Test("CSV: a file in another encoding than UTF-8 is an error on its line, not garbled text")
    func csvNotUTF8() {
        // "niños" saved as Latin-1: ñ is the single byte 0xF1.
        let latin1: [UInt8] = Array("id,name\n1,ni".utf8) + [0xF1] + Array("os\n".utf8)
        #expect(
            throws: CSVSyntaxError(
                line: 2, message: "is not UTF-8 text: save the file as UTF-8 (CSV UTF-8) and try again")
        ) {
            try CSVTable.parse(latin1)
        }
    }

    @Test("field values: no control characters, no text past 10,000 characters, no numbers past PostgreSQL's integer")
    func fieldValueLimits() {
        let description = TableField("description", .string)
        #expect(FieldValueRules.problem(with: "a\u{0}b", for: description) == "must not contain control characters")
        #expect(FieldValueRules.problem(with: "line one\nline two\ttabbed", for: description) == nil)
        #expect(
            FieldValueRules.problem(with: String(repeating: "word ", count: 2_001), for: description)
                == "must be at most 10000 characters (found 10005)")
        #expect(
            FieldValueRules.problem(with: String(repeating: "1 1,", count: 5_000), for: TableField("extent", .string))
                == nil)
        #expect(FieldValueRules.problem(with: "99999999999", for: TableField("count", .integer)) != nil)
        #expect(FieldValueRules.problem(with: "2147483647", for: TableField("count", .integer)) == nil)
        #expect(
            FieldValueRules.problem(with: "1e30", for: TableField("interval", .number)) == "is too large (found '1e30')"
        )
    }

    @Test("problems read in the order they are fixed: a file that cannot be read first, warnings last")
    func problemOrder() {
        let problems: [PackageProblem] = [
            .init(.warning, file: "attributes.csv", line: 2, column: "value", message: "is not an ISO 639 code"),
            .init(.error, file: "attributes.csv", line: 3, column: "link_id", message: "names no service"),
            .init(.error, file: "services.csv", line: 349, message: "a quoted value is never closed"),
        ]
        #expect(
            PackageProblem.readingOrder(problems).map(\.line) == [349, 3, 2],
            "the unclosed quote, then the rows pointing into it, then the warning")
    }

    @Test("CSV: what the writer writes, the parser reads back unchanged")
    func csvRoundTrip() throws {
        let rows: [[String?]] = [["a,b", "x\"y", "line\nbreak"], [nil, "", "plain"], ["ünïcødé", " spaced ", "\r"]]
        var writer = CSVWriter(header: ["one", "two", "three"])
        for row in rows { writer.appendRow(row) }
        let table = try CSVTable.parse(writer.bytes)
        #expect(table.header == ["one", "two", "three"])
        #expect(table.rows == rows.map { $0.map { $0 ?? "" } })
    }

    // MARK: Field values

    @Test("field values: formats and types as the Frictionless table schema defines them")
    func fieldValues() {
        #expect(FieldValueRules.isUUID("9f0a1c2e-3b4d-4e5f-8a6b-7c8d9e0f1a2b"))
        #expect(!FieldValueRules.isUUID("9f0a1c2e3b4d4e5f8a6b7c8d9e0f1a2b"))
        #expect(FieldValueRules.isEmail("intake@example.org"))
        #expect(!FieldValueRules.isEmail("intake at example.org"))
        #expect(!FieldValueRules.isEmail("intake@localhost"))
        #expect(FieldValueRules.isURI("https://example.org/help"))
        #expect(FieldValueRules.isURI("tel:+13125550100"))
        #expect(!FieldValueRules.isURI("example.org/help"))
        #expect(FieldValueRules.isDate("2028-02-29"))
        #expect(!FieldValueRules.isDate("2026-02-29"))
        #expect(!FieldValueRules.isDate("2026-13-01"))
        #expect(
            FieldValueRules.isTime("09:00:00") && FieldValueRules.isTime("17:30") && FieldValueRules.isTime("24:00"))
        #expect(!FieldValueRules.isTime("24:30") && !FieldValueRules.isTime("9am"))
        #expect(FieldValueRules.isDateTime("2026-11-21T15:00:00Z"))
        #expect(FieldValueRules.isDateTime("2026-11-21T15:00:00.25-06:00"))
        #expect(!FieldValueRules.isDateTime("2026-11-21"))
        let age = TableField("minimum_age", .number)
        #expect(FieldValueRules.problem(with: "12.5", for: age) == nil)
        #expect(FieldValueRules.problem(with: "twelve", for: age) == "must be a number (found 'twelve')")
        let status = TableField("status", required: true, enum: ["active", "inactive"])
        #expect(FieldValueRules.problem(with: "open", for: status) == "must be one of active, inactive (found 'open')")
    }

    // MARK: Field rules

    static let rules = DataPackageDescriptor(resources: [
        DataResource(
            name: "organization", path: "organizations.csv",
            schema: TableSchema(
                fields: [
                    TableField("id", format: "uuid", required: true, unique: true),
                    TableField("name", required: true),
                ], primaryKey: "id")),
        DataResource(
            name: "service", path: "services.csv",
            schema: TableSchema(
                fields: [
                    TableField("id", format: "uuid", required: true, unique: true),
                    TableField("organization_id", format: "uuid", required: true),
                    TableField("name", required: true),
                    TableField("status", required: true, enum: ["active", "inactive"]),
                    TableField("email", format: "email"),
                ], primaryKey: "id", foreignKeys: [ForeignKey(field: "organization_id", resource: "organization")])),
    ])

    static let organization = "11111111-1111-4111-8111-111111111111"
    static let otherOrganization = "22222222-2222-4222-8222-222222222222"
    static let service = "33333333-3333-4333-8333-333333333333"

    @Test("field rules: every problem named by file, line and column; a clean package has none")
    func fieldRules() throws {
        let organizations = try CSVTable.parse(Array("id,name\n\(Self.organization),Example Family Center\n".utf8))
        let services = try CSVTable.parse(
            Array(
                """
                id,organization_id,name,status,email,colour
                \(Self.service),\(Self.organization),Court support,active,help@example.org,blue
                \(Self.service),\(Self.otherOrganization),,open,not-an-email,red
                44444444-4444-4444-8444-44444444444,\(Self.organization),Short id,active,,green,extra
                """.utf8))
        let problems = PackageValidator(rules: Self.rules).validate(
            ["organization": organizations, "service": services], files: [:])
        #expect(
            problems.map(\.description).sorted() == [
                "error: services.csv:3 email: must be an email address (found 'not-an-email')",
                "error: services.csv:3 id: repeats \(Self.service) from line 2; it must be unique",
                "error: services.csv:3 name: is required",
                "error: services.csv:3 organization_id: refers to organization \(Self.otherOrganization), which is not in organizations.csv",
                "error: services.csv:3 status: must be one of active, inactive (found 'open')",
                "error: services.csv:4 id: must be a UUID (found '44444444-4444-4444-8444-44444444444')",
                "error: services.csv:4: has 7 values; the header has 6",
                "warning: services.csv:1 colour: is not a field of service; its values are ignored",
            ])

        let clean = try CSVTable.parse(
            Array("id,organization_id,name,status\n\(Self.service),\(Self.organization),Court support,active\n".utf8))
        #expect(
            PackageValidator(rules: Self.rules).validate(["organization": organizations, "service": clean], files: [:])
                .isEmpty)
    }

    @Test("field rules: a required column missing from the header, and a key into a file the package lacks")
    func missingColumnAndFile() throws {
        let services = try CSVTable.parse(
            Array("id,organization_id,name\n\(Self.service),\(Self.organization),Court support\n".utf8))
        let problems = PackageValidator(rules: Self.rules).validate(
            ["service": services], files: ["service": "svc.csv"])
        #expect(
            problems.map(\.description).sorted() == [
                "error: svc.csv:1 status: is required but missing from the header",
                "error: svc.csv:2 organization_id: refers to organization \(Self.organization), but the package has no organizations.csv",
            ])
    }

    // MARK: Haven's rules

    static func table(_ text: String) throws -> CSVTable { try CSVTable.parse(Array(text.utf8)) }

    @Test("Haven's rules: rows Haven cannot hold are left out with a warning; rows that would be wrong are errors")
    func havenRules() throws {
        let location = "55555555-5555-4555-8555-555555555555"
        let confidential = "66666666-6666-4666-8666-666666666666"
        let tables: [String: CSVTable] = [
            "organization": try Self.table("id,name,description\n\(Self.organization),Example,An example\n"),
            "service": try Self.table(
                "id,organization_id,name,status,minimum_age,maximum_age\n\(Self.service),\(Self.organization),Court support,active,18,12.0\n"
            ),
            "location": try Self.table(
                """
                id,location_type,latitude,longitude
                \(location),physical,,
                \(confidential),physical,41.88,-87.63
                """),
            HavenPackageExtension.locations: try Self.table(
                "id,confidential,time_zone\n\(confidential),true,Mars/Olympus\n"),
            "schedule": try Self.table(
                """
                id,service_id,location_id,byday,opens_at,closes_at,description
                a1111111-1111-4111-8111-111111111111,\(Self.service),,MO,09:00,17:00,
                a2222222-2222-4222-8222-222222222222,\(Self.service),,,,,Weekdays by appointment
                a3333333-3333-4333-8333-333333333333,\(Self.service),\(location),MO,09:00,17:00,
                """),
            "language": try Self.table(
                """
                id,service_id,name,code
                b1111111-1111-4111-8111-111111111111,\(Self.service),English,en-US
                b2222222-2222-4222-8222-222222222222,\(Self.service),Klingon,
                b3333333-3333-4333-8333-333333333333,\(Self.service),English,english
                """),
            "service_area": try Self.table(
                """
                id,service_id,name,extent,extent_type
                c1111111-1111-4111-8111-111111111111,\(Self.service),Metro,Chicago area,text
                c2222222-2222-4222-8222-222222222222,\(Self.service),Two states,,
                """),
            HavenPackageExtension.serviceAreas: try Self.table(
                "id,kind,states,counties,zip_codes,radius_km\nc2222222-2222-4222-8222-222222222222,state,IL;IX;QQ,,,\n"),
        ]
        let outcome = HavenImportRules.check(tables, files: [:])
        #expect(
            outcome.problems.map(\.description).sorted() == [
                "error: haven_locations.csv:2 approximate_latitude: a confidential location needs an intake phone and an approximate point",
                "error: haven_locations.csv:2 approximate_longitude: a confidential location needs an intake phone and an approximate point",
                "error: haven_locations.csv:2 intake_phone: a confidential location needs an intake phone and an approximate point",
                "error: haven_locations.csv:2 time_zone: 'Mars/Olympus' is not an IANA time zone (e.g. America/Chicago)",
                "error: haven_service_areas.csv:2 states: names 'IX', 'QQ', not state codes Haven knows (the states, DC and the territories, such as IL;IN)",
                "error: locations.csv:2 latitude: a physical location needs latitude and longitude: Haven finds services by distance",
                "error: schedules.csv:4 location_id: a schedule belongs to one service, location or service at a location",
                "error: services.csv:2 maximum_age: must not be below minimum_age",
                "warning: languages.csv:3 code: Haven matches languages by ISO 639 code, and this row has none",
                "warning: languages.csv:4 code: 'english' is not an ISO 639 language code",
                "warning: schedules.csv:3 byday: Haven keeps hours it can evaluate (days as MO,TU,…, opens_at and closes_at); these hours are left out",
                "warning: service_areas.csv:2 extent: Haven cannot tell what this area covers: give its kind in haven_service_areas.csv, or its extent as GeoJSON (extent_type geojson); the area is left out",
            ])
        #expect(outcome.skipped == ["language": [1, 2], "schedule": [1], "service_area": [0]])
        #expect(HavenImportRules.languageCode("en-US") == "en")
        #expect(HavenImportRules.languageCode("YUE") == "yue")
    }
}
