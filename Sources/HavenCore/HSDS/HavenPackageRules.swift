/// Haven's additions to an HSDS data package: extra CSV files, keyed by the id of the HSDS row
/// they extend, for what HSDS has no field for (see docs/hsds-profile.md). A package without them
/// imports as plain HSDS; `haven export hsds` writes them so a package carries a Haven directory
/// whole.
public enum HavenPackageExtension {
    public static let organizations = "haven_organization"
    public static let services = "haven_service"
    public static let locations = "haven_location"
    public static let schedules = "haven_schedule"
    public static let scheduleExceptions = "haven_schedule_exception"
    public static let serviceAreas = "haven_service_area"
    public static let taxonomyTerms = "haven_taxonomy_term"

    /// The file a resource is read from when a package does not say: HSDS 3.0's own names.
    public static func defaultPath(of resource: String) -> String {
        if let path = resources.first(where: { $0.name == resource })?.path { return path }
        let irregular = [
            "service_at_location": "service_at_location.csv", "funding": "funding.csv",
            "accessibility": "accessibility.csv", "taxonomy": "taxonomies.csv", "address": "addresses.csv",
        ]
        return irregular[resource] ?? "\(resource)s.csv"
    }

    /// Lists inside one CSV value (states, counties, ZIP codes) are separated by semicolons.
    public static let listSeparator: Character = ";"

    private static func freshness(_ extended: String) -> [TableField] {
        [
            TableField("id", format: "uuid", required: true, unique: true, description: "The \(extended)'s id."),
            TableField("demo", .boolean, description: "Fictional demo data, removed by `haven seed --remove-demo`."),
            TableField("last_verified_at", .datetime, description: "When a curator last confirmed the record."),
            TableField("verified_by", description: "Who confirmed it: a curator's name or a source."),
        ]
    }

    public static let resources: [DataResource] = [
        DataResource(
            name: organizations, path: "haven_organizations.csv",
            description: "Haven: freshness and demo marking of organizations.",
            schema: TableSchema(
                fields: freshness("organization"), primaryKey: "id",
                foreignKeys: [ForeignKey(field: "id", resource: "organization")])),
        DataResource(
            name: services, path: "haven_services.csv",
            description: "Haven: freshness and demo marking of services.",
            schema: TableSchema(
                fields: freshness("service"), primaryKey: "id",
                foreignKeys: [ForeignKey(field: "id", resource: "service")])),
        DataResource(
            name: locations, path: "haven_locations.csv",
            description:
                "Haven: confidential locations (shelters), their intake line and approximate point, time zones.",
            schema: TableSchema(
                fields: freshness("location") + [
                    TableField("confidential", .boolean, description: "The address is never shown outside Haven."),
                    TableField("approximate_latitude", .number, description: "A point a few kilometres off."),
                    TableField("approximate_longitude", .number),
                    TableField("intake_phone", description: "The line families call to be connected."),
                    TableField("time_zone", description: "IANA time zone of the place, for its hours."),
                ], primaryKey: "id", foreignKeys: [ForeignKey(field: "id", resource: "location")])),
        DataResource(
            name: schedules, path: "haven_schedules.csv",
            description: "Haven: the time zone of each schedule's hours and round-the-clock opening.",
            schema: TableSchema(
                fields: [
                    TableField("id", format: "uuid", required: true, unique: true),
                    TableField("time_zone", description: "IANA time zone the hours are in."),
                    TableField("open_24_7", .boolean, description: "Open round the clock, every day."),
                ], primaryKey: "id", foreignKeys: [ForeignKey(field: "id", resource: "schedule")])),
        DataResource(
            name: scheduleExceptions, path: "haven_schedule_exceptions.csv",
            description: "Haven: dated exceptions to a service's or location's weekly hours.",
            schema: TableSchema(
                fields: [
                    TableField("id", format: "uuid", required: true, unique: true),
                    TableField("service_id", format: "uuid"),
                    TableField("location_id", format: "uuid"),
                    TableField("starts_on", .date, required: true),
                    TableField("ends_on", .date, required: true),
                    TableField("closed", .boolean, required: true),
                    TableField("opens_at", .time),
                    TableField("closes_at", .time),
                    TableField("reason"),
                ], primaryKey: "id",
                foreignKeys: [
                    ForeignKey(field: "service_id", resource: "service"),
                    ForeignKey(field: "location_id", resource: "location"),
                ])),
        DataResource(
            name: serviceAreas, path: "haven_service_areas.csv",
            description: "Haven: what each service area covers, in a form search can evaluate.",
            schema: TableSchema(
                fields: [
                    TableField("id", format: "uuid", required: true, unique: true),
                    TableField(
                        "kind", required: true, enum: ["national", "state", "county", "zip", "radius", "polygon"]),
                    TableField("states", description: "State codes, separated by semicolons (IL;IN)."),
                    TableField("counties", description: "State and county, separated by semicolons (IL:Cook County)."),
                    TableField("zip_codes", description: "ZIP codes, separated by semicolons."),
                    TableField("radius_km", .number, description: "Around each of the service's locations."),
                ], primaryKey: "id", foreignKeys: [ForeignKey(field: "id", resource: "service_area")])),
        DataResource(
            name: taxonomyTerms, path: "haven_taxonomy_terms.csv",
            description: "Haven: Spanish labels and display order of taxonomy terms.",
            schema: TableSchema(
                fields: [
                    TableField("id", format: "uuid", required: true, unique: true),
                    TableField("name_es"),
                    TableField("description_es"),
                    TableField("position", .integer),
                ], primaryKey: "id", foreignKeys: [ForeignKey(field: "id", resource: "taxonomy_term")])),
    ]
}

/// What Haven needs beyond the HSDS field rules before it can hold a package's rows: places on
/// the map, hours it can evaluate, service areas search can test, ISO language codes.
///
/// A row Haven cannot hold but can do without (hours given only as prose, a language without a
/// code) is a warning and is left out, named by file and line. A row that would make the
/// directory wrong (a physical location without a point, a schedule with two owners) is an error.
/// Run after `PackageValidator`, on a package whose field types are already known to be good.
public struct HavenImportRules: Sendable {
    public struct Outcome: Sendable {
        public var problems: [PackageProblem] = []
        /// Rows left out, by resource name: indexes into the table's rows.
        public var skipped: [String: Set<Int>] = [:]
    }

    public static let havenTaxonomyIDs: Set<String> = [
        "6b1d8c7e-5f0a-4f57-9a57-2f6d3c1e0001", "6b1d8c7e-5f0a-4f57-9a57-2f6d3c1e0002",
    ]

    /// The resources HSDS defines that Haven keeps nothing of.
    public static let unsupportedResources: Set<String> = ["metadata", "meta_table_description"]

    let tables: [String: CSVTable]
    let files: [String: String]
    private var outcome = Outcome()

    public init(tables: [String: CSVTable], files: [String: String]) {
        self.tables = tables
        self.files = files
    }

    public static func check(_ tables: [String: CSVTable], files: [String: String]) -> Outcome {
        var rules = HavenImportRules(tables: tables, files: files)
        rules.run()
        return rules.outcome
    }

    private mutating func run() {
        for name in Self.unsupportedResources.sorted() where (tables[name]?.count ?? 0) > 0 {
            outcome.problems.append(
                .init(
                    .warning, file: file(name),
                    message: "Haven keeps its own change history and table notes; this file is not imported"))
        }
        if tables["organization"] == nil && tables["service"] == nil {
            outcome.problems.append(
                .init(.error, file: "datapackage.json", message: "the package has no organizations.csv or services.csv")
            )
        }
        organizations()
        services()
        locations()
        phones()
        languages()
        schedules()
        scheduleExceptions()
        serviceAreas()
        ownedRows("address", by: "location_id", owner: "location")
        ownedRows("accessibility", by: "location_id", owner: "location")
        ownedRows("required_document", by: "service_id", owner: "service")
        addresses()
        costOptions()
        taxonomyTerms()
        attributes()
        serviceAtLocations()
    }

    // MARK: Rules per resource

    private mutating func organizations() {
        each("organization") { rules, row, table in
            if let name = table.value(row, "name"), name.trimmingCharacters(in: .whitespaces).count > 200 {
                rules.error("organization", row, "name", "must be at most 200 characters")
            }
            if let year = table.value(row, "year_incorporated") {
                if Self.wholeNumber(year).map({ (1600...2200).contains($0) }) != true {
                    rules.error("organization", row, "year_incorporated", "must be a year from 1600 to 2200")
                }
            }
        }
    }

    private mutating func services() {
        each("service") { rules, row, table in
            if let name = table.value(row, "name"), name.trimmingCharacters(in: .whitespaces).count > 300 {
                rules.error("service", row, "name", "must be at most 300 characters")
            }
            for column in ["minimum_age", "maximum_age"] {
                guard let raw = table.value(row, column) else { continue }
                if Self.wholeNumber(raw).map({ (0...120).contains($0) }) != true {
                    rules.error("service", row, column, "must be a whole number of years from 0 to 120")
                }
            }
            if let minimum = table.value(row, "minimum_age").flatMap(Self.wholeNumber),
                let maximum = table.value(row, "maximum_age").flatMap(Self.wholeNumber), minimum > maximum
            {
                rules.error("service", row, "maximum_age", "must not be below minimum_age")
            }
        }
    }

    private mutating func locations() {
        let extensions = tables[HavenPackageExtension.locations]
        let extensionRows = index(HavenPackageExtension.locations)
        each("location") { rules, row, table in
            let latitude = table.value(row, "latitude").flatMap(Double.init)
            let longitude = table.value(row, "longitude").flatMap(Double.init)
            if let latitude, !(-90...90).contains(latitude) {
                rules.error("location", row, "latitude", "must be from -90 to 90")
            }
            if let longitude, !(-180...180).contains(longitude) {
                rules.error("location", row, "longitude", "must be from -180 to 180")
            }
            if (latitude == nil) != (longitude == nil) {
                rules.error(
                    "location", row, latitude == nil ? "latitude" : "longitude",
                    "is needed with \(latitude == nil ? "longitude" : "latitude")")
            } else if latitude == nil, table.value(row, "location_type") != "virtual" {
                rules.error(
                    "location", row, "latitude",
                    "a \(table.value(row, "location_type") ?? "physical") location needs latitude and longitude: "
                        + "Haven finds services by distance")
            }
            guard let extensions, let id = table.value(row, "id"), let extra = extensionRows[FieldValueRules.key(id)]
            else {
                return
            }
            if extensions.value(extra, "confidential").flatMap(FieldValueRules.booleanValue) == true {
                for column in ["intake_phone", "approximate_latitude", "approximate_longitude"]
                where extensions.value(extra, column) == nil {
                    rules.error(
                        HavenPackageExtension.locations, extra, column,
                        "a confidential location needs an intake phone and an approximate point")
                }
            }
            if let zone = extensions.value(extra, "time_zone"), let problem = WeeklySchedule.timeZoneProblem(zone) {
                rules.error(HavenPackageExtension.locations, extra, "time_zone", problem)
            }
        }
    }

    private mutating func phones() {
        each("phone") { rules, row, table in
            if let raw = table.value(row, "extension"), Self.wholeNumber(raw) == nil {
                rules.error("phone", row, "extension", "must be a whole number")
            }
            let owners = ["location_id", "service_id", "organization_id", "contact_id", "service_at_location_id"]
            if owners.allSatisfy({ table.value(row, $0) == nil }) {
                rules.skip("phone", row, "location_id", "belongs to no organization, service, location or contact")
            }
        }
    }

    private mutating func languages() {
        let skippedPhones = Set(rowIDs("phone", outcome.skipped["phone"] ?? []))
        each("language") { rules, row, table in
            let owners = ["service_id", "location_id", "phone_id"].filter { table.value(row, $0) != nil }
            if owners.count > 1 {
                rules.error("language", row, owners[1], "a language belongs to one service, location or phone")
                return
            }
            guard let owner = owners.first else {
                rules.skip("language", row, "service_id", "belongs to no service, location or phone")
                return
            }
            if owner == "phone_id", let phone = table.value(row, "phone_id"),
                skippedPhones.contains(FieldValueRules.key(phone))
            {
                rules.skip("language", row, "phone_id", "belongs to a phone that is left out")
                return
            }
            guard let code = table.value(row, "code") else {
                rules.skip("language", row, "code", "Haven matches languages by ISO 639 code, and this row has none")
                return
            }
            if Self.languageCode(code) == nil {
                rules.skip("language", row, "code", "'\(code.prefix(20))' is not an ISO 639 language code")
            }
        }
    }

    private mutating func schedules() {
        let extensions = tables[HavenPackageExtension.schedules]
        let extensionRows = index(HavenPackageExtension.schedules)
        each("schedule") { rules, row, table in
            let owners = ["service_id", "location_id", "service_at_location_id"].filter { table.value(row, $0) != nil }
            if owners.count > 1 {
                rules.error(
                    "schedule", row, owners[1], "a schedule belongs to one service, location or service at a location")
                return
            }
            if owners.isEmpty {
                rules.skip("schedule", row, "service_id", "belongs to no service, location or service at a location")
                return
            }
            let extra = table.value(row, "id").flatMap { extensionRows[FieldValueRules.key($0)] }
            if let extra, let extensions, let zone = extensions.value(extra, "time_zone"),
                let problem = WeeklySchedule.timeZoneProblem(zone)
            {
                rules.error(HavenPackageExtension.schedules, extra, "time_zone", problem)
            }
            let roundTheClock =
                extra.flatMap { extensions?.value($0, "open_24_7") }.flatMap(FieldValueRules.booleanValue) ?? false
            if roundTheClock { return }
            if table.value(row, "freq") == "MONTHLY" {
                rules.skip("schedule", row, "freq", "Haven evaluates weekly hours only; monthly hours are left out")
                return
            }
            guard let byday = table.value(row, "byday"), Weekday.parseList(byday) != nil else {
                rules.skip(
                    "schedule", row, "byday",
                    "Haven keeps hours it can evaluate (days as MO,TU,…, opens_at and closes_at); "
                        + "these hours are left out")
                return
            }
            guard let opens = table.value(row, "opens_at"), let closes = table.value(row, "closes_at") else {
                rules.skip(
                    "schedule", row, table.value(row, "opens_at") == nil ? "opens_at" : "closes_at",
                    "Haven keeps hours with an opening and a closing time; these hours are left out")
                return
            }
            if opens.prefix(5) == closes.prefix(5) {
                rules.skip("schedule", row, "closes_at", "opens and closes at the same time; these hours are left out")
            }
        }
    }

    private mutating func scheduleExceptions() {
        each(HavenPackageExtension.scheduleExceptions) { rules, row, table in
            let name = HavenPackageExtension.scheduleExceptions
            let owners = ["service_id", "location_id"].filter { table.value(row, $0) != nil }
            if owners.count != 1 {
                rules.error(name, row, "service_id", "an exception belongs to exactly one service or location")
            }
            if let starts = table.value(row, "starts_on"), let ends = table.value(row, "ends_on"), starts > ends {
                rules.error(name, row, "ends_on", "must not be before starts_on")
            }
            if table.value(row, "closed").flatMap(FieldValueRules.booleanValue) == false {
                for column in ["opens_at", "closes_at"] where table.value(row, column) == nil {
                    rules.error(name, row, column, "special hours need an opening and a closing time")
                }
            }
        }
    }

    private mutating func serviceAreas() {
        let extensions = tables[HavenPackageExtension.serviceAreas]
        let extensionRows = index(HavenPackageExtension.serviceAreas)
        each("service_area") { rules, row, table in
            guard table.value(row, "service_id") != nil else {
                rules.skip("service_area", row, "service_id", "belongs to no service")
                return
            }
            let geoJSON =
                table.value(row, "extent_type")?.lowercased() == "geojson" && table.value(row, "extent") != nil
            guard let extra = table.value(row, "id").flatMap({ extensionRows[FieldValueRules.key($0)] }),
                let extensions,
                let kind = extensions.value(extra, "kind")
            else {
                if !geoJSON {
                    rules.skip(
                        "service_area", row, "extent",
                        "Haven cannot tell what this area covers: give its kind in haven_service_areas.csv, "
                            + "or its extent as GeoJSON (extent_type geojson); the area is left out")
                }
                return
            }
            let name = HavenPackageExtension.serviceAreas
            func list(_ column: String) -> [Substring] {
                (extensions.value(extra, column) ?? "").split(separator: HavenPackageExtension.listSeparator)
            }
            switch kind {
            case "state":
                let states = list("states")
                // A code Haven's ZIP table does not know would reach no family, as through the API.
                let unknown = states.filter { !USStates.codes.contains(String($0)) }
                if states.isEmpty || !states.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isUppercase) }) {
                    rules.error(name, extra, "states", "a state area lists state codes, such as IL;IN")
                } else if !unknown.isEmpty {
                    rules.error(
                        name, extra, "states",
                        "names \(unknown.map { "'\($0)'" }.joined(separator: ", ")), not "
                            + (unknown.count == 1 ? "a state code" : "state codes")
                            + " Haven knows (the states, DC and the territories, such as IL;IN)")
                }
            case "county":
                let counties = list("counties")
                if counties.isEmpty || !counties.allSatisfy({ $0.count > 3 && $0.dropFirst(2).first == ":" }) {
                    rules.error(
                        name, extra, "counties", "a county area lists counties as IL:Cook County;IL:Lake County")
                }
            case "zip":
                let zips = list("zip_codes")
                if zips.isEmpty || !zips.allSatisfy({ ZIPCode(String($0)) != nil }) {
                    rules.error(name, extra, "zip_codes", "a ZIP area lists five-digit ZIP codes, such as 60601;60602")
                }
            case "radius":
                let radius = extensions.value(extra, "radius_km").flatMap(Double.init)
                if radius == nil || !(radius! > 0 && radius! <= 1000) {
                    rules.error(name, extra, "radius_km", "a radius area needs radius_km from 0 to 1000")
                }
            case "polygon":
                if !geoJSON {
                    rules.error(
                        "service_area", row, "extent",
                        "a polygon area needs its extent as GeoJSON (extent_type geojson)")
                }
            default:
                break
            }
        }
    }

    /// Rows HSDS lets stand alone but Haven keeps only under their owner.
    private mutating func ownedRows(_ resource: String, by column: String, owner: String) {
        each(resource) { rules, row, table in
            if table.value(row, column) == nil {
                rules.skip(resource, row, column, "belongs to no \(owner)")
            }
        }
    }

    private mutating func addresses() {
        each("address") { rules, row, table in
            if let country = table.value(row, "country"), country.count != 2 || !country.allSatisfy(\.isLetter) {
                rules.error("address", row, "country", "must be a two-letter ISO 3166 country code, such as US")
            }
        }
    }

    private mutating func costOptions() {
        each("cost_option") { rules, row, table in
            if let currency = table.value(row, "currency"), currency.count != 3 || !currency.allSatisfy(\.isLetter) {
                rules.error("cost_option", row, "currency", "must be a three-letter ISO 4217 code, such as USD")
            }
            if let amount = table.value(row, "amount").flatMap(Double.init), amount < 0 || amount >= 1e10 {
                rules.error("cost_option", row, "amount", "must be from 0 to 9,999,999,999.99")
            }
        }
    }

    private mutating func taxonomyTerms() {
        let pattern = #/^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*$/#
        each("taxonomy_term") { rules, row, table in
            guard let taxonomy = table.value(row, "taxonomy_id").map(FieldValueRules.key),
                Self.havenTaxonomyIDs.contains(taxonomy)
            else { return }
            if (try? pattern.wholeMatch(in: table.value(row, "code") ?? "")) == nil {
                rules.error(
                    "taxonomy_term", row, "code",
                    "terms of Haven's needs and audience taxonomies have dotted lowercase codes, such as legal.custody")
            }
        }
    }

    private mutating func attributes() {
        let targets: [String: Set<String>] = [
            "service": Set(rowIDs("service")), "organization": Set(rowIDs("organization")),
            "location": Set(rowIDs("location")), "service_at_location": Set(rowIDs("service_at_location")),
            "program": Set(rowIDs("program")), "contact": Set(rowIDs("contact")), "phone": Set(rowIDs("phone")),
        ]
        var seen: [String: Int] = [:]
        each("attribute") { rules, row, table in
            guard let entity = table.value(row, "link_entity"),
                let link = table.value(row, "link_id").map(FieldValueRules.key),
                let term = table.value(row, "taxonomy_term_id").map(FieldValueRules.key)
            else { return }
            guard let known = targets[entity] else {
                rules.skip(
                    "attribute", row, "link_entity",
                    "Haven links attributes to \(targets.keys.sorted().joined(separator: ", ")); '\(entity.prefix(40))' is left out"
                )
                return
            }
            if !known.contains(link) {
                rules.skip("attribute", row, "link_id", "links to a \(entity) that is not in the package")
                return
            }
            let key = "\(entity) \(link) \(term)"
            if let earlier = seen[key] {
                rules.error(
                    "attribute", row, "taxonomy_term_id",
                    "repeats the term given to this \(entity) on line \(earlier)")
            } else {
                seen[key] = table.lines[row]
            }
        }
    }

    private mutating func serviceAtLocations() {
        var seen: [String: Int] = [:]
        each("service_at_location") { rules, row, table in
            guard let service = table.value(row, "service_id"), let location = table.value(row, "location_id") else {
                return
            }
            let key = FieldValueRules.key(service) + " " + FieldValueRules.key(location)
            if let earlier = seen[key] {
                rules.error(
                    "service_at_location", row, "location_id", "repeats the service and location of line \(earlier)")
            } else {
                seen[key] = table.lines[row]
            }
        }
    }

    // MARK: Helpers

    /// A whole number written as HSDS's `number` type allows (`12` or `12.0`).
    public static func wholeNumber(_ text: String) -> Int? {
        if let value = Int(text) { return value }
        guard let value = Double(text), value.rounded() == value, abs(value) < 1e9 else { return nil }
        return Int(value)
    }

    /// The ISO 639 code Haven keeps for a package's language code: `en-US` and `EN` read as `en`.
    public static func languageCode(_ text: String) -> String? {
        let base = text.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? ""
        guard (2...3).contains(base.count), base.allSatisfy({ ("a"..."z").contains($0) }) else { return nil }
        return base
    }

    private func file(_ resource: String) -> String {
        files[resource] ?? HavenPackageExtension.defaultPath(of: resource)
    }

    private mutating func each(_ resource: String, _ body: (inout HavenImportRules, Int, CSVTable) -> Void) {
        guard let table = tables[resource] else { return }
        for row in 0..<table.count { body(&self, row, table) }
    }

    private func index(_ resource: String) -> [String: Int] {
        guard let table = tables[resource] else { return [:] }
        var rows: [String: Int] = [:]
        for row in 0..<table.count {
            if let id = table.value(row, "id").map(FieldValueRules.key) { rows[id] = row }
        }
        return rows
    }

    private func rowIDs(_ resource: String, _ rows: Set<Int>? = nil) -> [String] {
        guard let table = tables[resource] else { return [] }
        return (rows.map { Array($0) } ?? Array(0..<table.count)).compactMap {
            table.value($0, "id").map(FieldValueRules.key)
        }
    }

    private mutating func error(_ resource: String, _ row: Int, _ column: String, _ message: String) {
        let line = tables[resource]?.lines[row]
        outcome.problems.append(.init(.error, file: file(resource), line: line, column: column, message: message))
    }

    private mutating func skip(_ resource: String, _ row: Int, _ column: String, _ message: String) {
        let line = tables[resource]?.lines[row]
        outcome.problems.append(.init(.warning, file: file(resource), line: line, column: column, message: message))
        outcome.skipped[resource, default: []].insert(row)
    }
}

/// Both checks of a package before anything is written: the data package's field rules, then
/// Haven's own. Every problem is found in one pass, so a person fixes a file once.
public enum HSDSPackageCheck {
    public static func run(
        _ tables: [String: CSVTable], files: [String: String], rules: DataPackageDescriptor
    ) -> HavenImportRules.Outcome {
        var outcome = HavenImportRules.check(tables, files: files)
        outcome.problems = (PackageValidator(rules: rules).validate(tables, files: files) + outcome.problems).sorted()
        return outcome
    }
}
