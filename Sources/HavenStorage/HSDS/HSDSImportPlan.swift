import HavenCore

/// How each HSDS resource lands in Haven's tables: the SQL of `haven import hsds`, in one place.
///
/// Every resource is first copied as text into a temporary staging table (`import_<resource>`,
/// one text column per field plus the CSV line). Each target is then written with two
/// statements: an INSERT of the ids it lacks, and an UPDATE of the rows whose values differ, so
/// a second import of the same package touches nothing (versions and ETags stay put). Targets run
/// in foreign-key order; the validator has already checked types, so the casts cannot fail.
struct HSDSImportPlan {
    /// How a column's new value is worked out. `s` is the staged row, `x` the staged Haven
    /// extension row (NULL when the package has none), `t` the existing row.
    enum Value {
        /// From the package, always.
        case plain(String)
        /// A Haven extension field: without the extension row, an existing value is kept.
        case ext(String, default: String)
        /// A timestamp the package may leave out: kept when absent, now() for new rows.
        case stamp(String)
        case custom(set: String, insert: String)

        func set(_ column: String) -> String {
            switch self {
            case .plain(let value): value
            case .ext(let value, let fallback):
                "CASE WHEN x.id IS NULL THEN t.\(column) ELSE COALESCE(\(value), \(fallback)) END"
            case .stamp(let value): "COALESCE(\(value), t.\(column))"
            case .custom(let set, _): set
            }
        }

        var insert: String {
            switch self {
            case .plain(let value): value
            case .ext(let value, let fallback): "COALESCE(\(value), \(fallback))"
            case .stamp(let value): "COALESCE(\(value), now())"
            case .custom(_, let insert): insert
            }
        }
    }

    struct Target {
        /// The Haven table.
        let table: String
        /// The HSDS resource staged for it.
        let resource: String
        /// The Haven extension resource joined by id, if any.
        var extensionResource: String? = nil
        let columns: [(name: String, value: Value)]
        /// Extra assignments when a row changes (version bumps).
        var onChange: [String] = []

        var selfReferencing: Bool { table == "taxonomy_terms" || table == "organizations" }

        var from: String {
            var from = "import_\(resource) s"
            if let extensionResource { from += " LEFT JOIN import_\(extensionResource) x ON x.id::uuid = s.id::uuid" }
            return from
        }

        /// Inserts the rows the table lacks; returns how many.
        var insertSQL: String {
            """
            WITH added AS (
                INSERT INTO \(table) (id, \(columns.map(\.name).joined(separator: ", ")))
                SELECT s.id::uuid, \(columns.map(\.value.insert).joined(separator: ", "))
                FROM \(from)
                WHERE NOT EXISTS (SELECT 1 FROM \(table) t WHERE t.id = s.id::uuid)
                RETURNING id),
            noted AS (INSERT INTO import_changed (entity, id) SELECT '\(table)', id FROM added RETURNING 1)
            SELECT count(*)::int8 FROM noted
            """
        }

        /// Updates the rows whose values differ; returns how many. Instants compare to the
        /// second, as packages carry them (`2026-11-21T15:00:00Z`).
        var updateSQL: String {
            let sets = columns.map { "\($0.name) = \($0.value.set($0.name))" } + onChange
            func compared(_ expression: String, _ column: String) -> String {
                HSDSImportPlan.instants.contains(column) ? "date_trunc('second', \(expression))" : expression
            }
            return """
                WITH changed AS (
                    UPDATE \(table) t SET \(sets.joined(separator: ", "))
                    FROM \(from)
                    WHERE t.id = s.id::uuid
                      AND (\(columns.map { compared("t.\($0.name)", $0.name) }.joined(separator: ", ")))
                          IS DISTINCT FROM (\(columns.map { compared($0.value.set($0.name), $0.name) }.joined(separator: ", ")))
                    RETURNING t.id),
                noted AS (INSERT INTO import_changed (entity, id) SELECT '\(table)', id FROM changed RETURNING 1)
                SELECT count(*)::int8 FROM noted
                """
        }
    }

    static let instants: Set<String> = ["last_modified", "last_verified_at"]

    static func text(_ field: String) -> Value { .plain("s.\(field)") }
    static func uuid(_ field: String) -> Value { .plain("s.\(field)::uuid") }
    static func date(_ field: String) -> Value { .plain("s.\(field)::date") }
    static func time(_ field: String) -> Value { .plain("s.\(field)::time") }
    static func whole(_ field: String) -> Value { .plain("round(s.\(field)::numeric)::int") }
    static func texts(_ fields: String...) -> [(name: String, value: Value)] { fields.map { ($0, text($0)) } }

    /// Freshness and demo marking, from Haven's extension rows.
    static let freshness: [(name: String, value: Value)] = [
        ("demo", .ext("x.demo::boolean", default: "false")),
        ("last_verified_at", .ext("x.last_verified_at::timestamptz", default: "NULL::timestamptz")),
        ("verified_by", .ext("x.verified_by", default: "NULL::text")),
    ]

    static let point = """
        CASE WHEN s.latitude IS NULL THEN NULL::geography
             ELSE ST_SetSRID(ST_MakePoint(s.longitude::float8, s.latitude::float8), 4326)::geography END
        """
    static let approximatePoint = """
        CASE WHEN x.approximate_latitude IS NULL THEN NULL::geography
             ELSE ST_SetSRID(ST_MakePoint(x.approximate_longitude::float8, x.approximate_latitude::float8), 4326)::geography END
        """

    /// A term without a taxonomy id joins a taxonomy named by its `taxonomy` text, made once.
    static let derivedTaxonomy = "md5('haven-import-taxonomy:' || lower(COALESCE(s.taxonomy, '')))::uuid"

    static func list(_ field: String) -> String { "COALESCE(string_to_array(x.\(field), ';'), '{}')" }

    static let targets: [Target] = [
        Target(
            table: "taxonomies", resource: "taxonomy",
            columns: [("name", text("name")), ("description", text("description"))] + texts("uri", "version")),
        Target(
            table: "taxonomy_terms", resource: "taxonomy_term", extensionResource: HavenPackageExtension.taxonomyTerms,
            columns: [
                ("taxonomy_id", .plain("COALESCE(s.taxonomy_id::uuid, \(derivedTaxonomy))")),
                ("code", text("code")), ("name", text("name")), ("description", text("description")),
                ("parent_id", uuid("parent_id")), ("language", .plain("COALESCE(s.language, 'en')")),
                ("term_uri", text("term_uri")),
                ("name_es", .ext("x.name_es", default: "NULL::text")),
                ("description_es", .ext("x.description_es", default: "NULL::text")),
                ("position", .ext("x.position::int", default: "0")),
            ]),
        Target(
            table: "organizations", resource: "organization", extensionResource: HavenPackageExtension.organizations,
            columns: texts("name", "alternate_name", "description", "email", "website", "tax_status", "tax_id")
                + [("year_incorporated", whole("year_incorporated"))] + texts("legal_status", "logo", "uri")
                + [("parent_organization_id", uuid("parent_organization_id"))] + freshness,
            onChange: ["version = t.version + 1", "updated_at = now()"]),
        Target(
            table: "programs", resource: "program",
            columns: [("organization_id", uuid("organization_id"))] + texts("name", "alternate_name", "description")),
        Target(
            table: "services", resource: "service", extensionResource: HavenPackageExtension.services,
            columns: [("organization_id", uuid("organization_id")), ("program_id", uuid("program_id"))]
                + [("name", text("name")), ("alternate_name", text("alternate_name"))]
                + [("description", .plain("COALESCE(s.description, '')"))]
                + texts("url", "email")
                + [("status", .plain("s.status::service_status"))]
                + texts(
                    "interpretation_services", "application_process", "fees_description", "wait_time", "fees",
                    "accreditations", "eligibility_description")
                + [("minimum_age", whole("minimum_age")), ("maximum_age", whole("maximum_age"))]
                + [("assured_date", date("assured_date"))] + texts("assurer_email", "licenses", "alert")
                + [("last_modified", .stamp("s.last_modified::timestamptz"))] + freshness,
            onChange: ["version = t.version + 1"]),
        Target(
            table: "locations", resource: "location", extensionResource: HavenPackageExtension.locations,
            columns: [("location_type", .plain("s.location_type::location_type"))] + texts("url")
                + [("organization_id", uuid("organization_id"))]
                + texts("name", "alternate_name", "description", "transportation")
                + [("point", .plain(point))] + texts("external_identifier", "external_identifier_type")
                + [
                    ("confidential", .ext("x.confidential::boolean", default: "false")),
                    ("approximate_point", .ext(approximatePoint, default: "NULL::geography")),
                    ("intake_phone", .ext("x.intake_phone", default: "NULL::text")),
                    ("time_zone", .ext("x.time_zone", default: "NULL::text")),
                ] + freshness,
            onChange: ["version = t.version + 1", "updated_at = now()"]),
        Target(
            table: "service_at_locations", resource: "service_at_location",
            columns: [("service_id", uuid("service_id")), ("location_id", uuid("location_id"))] + texts("description")),
        Target(
            table: "addresses", resource: "address",
            columns: [("location_id", uuid("location_id"))]
                + texts("attention", "address_1", "address_2", "city", "region", "state_province", "postal_code")
                + [("country", .plain("upper(s.country)")), ("address_type", .plain("s.address_type::address_type"))]),
        Target(
            table: "accessibility", resource: "accessibility",
            columns: [("location_id", uuid("location_id"))] + texts("description", "details", "url")),
        Target(
            table: "contacts", resource: "contact",
            columns: ["organization_id", "service_id", "service_at_location_id", "location_id"].map { ($0, uuid($0)) }
                + texts("name", "title", "department", "email")),
        Target(
            table: "phones", resource: "phone",
            columns: ["location_id", "service_id", "organization_id", "contact_id", "service_at_location_id"].map {
                ($0, uuid($0))
            } + [("number", text("number")), ("extension", whole("extension"))] + texts("type", "description")),
        Target(
            table: "languages", resource: "language",
            columns: ["service_id", "location_id", "phone_id"].map { ($0, uuid($0)) }
                + [
                    ("name", text("name")),
                    ("code", .plain("lower(split_part(replace(s.code, '_', '-'), '-', 1))")),
                    ("note", text("note")),
                ]),
        Target(
            table: "schedules", resource: "schedule", extensionResource: HavenPackageExtension.schedules,
            columns: ["service_id", "location_id", "service_at_location_id"].map { ($0, uuid($0)) }
                + ["valid_from", "valid_to", "dtstart"].map { ($0, date($0)) }
                + [("timezone", .plain("s.timezone::numeric")), ("until", date("until")), ("count", whole("count"))]
                + texts("wkst", "freq") + [("interval", whole("interval"))]
                + texts("byday", "byweekno", "bymonthday", "byyearday", "description")
                + [("opens_at", time("opens_at")), ("closes_at", time("closes_at"))]
                + texts("schedule_link", "attending_type", "notes")
                + [
                    (
                        "time_zone",
                        .custom(
                            set: "COALESCE(x.time_zone, t.time_zone)", insert: "COALESCE(x.time_zone, s.derived_zone)")
                    ),
                    ("open_24_7", .ext("x.open_24_7::boolean", default: "false")),
                ]),
        Target(
            table: "schedule_exceptions", resource: HavenPackageExtension.scheduleExceptions,
            columns: [("service_id", uuid("service_id")), ("location_id", uuid("location_id"))]
                + [("starts_on", date("starts_on")), ("ends_on", date("ends_on"))]
                + [("closed", .plain("s.closed::boolean")), ("opens_at", time("opens_at"))]
                + [("closes_at", time("closes_at")), ("reason", text("reason"))]),
        Target(
            table: "service_areas", resource: "service_area", extensionResource: HavenPackageExtension.serviceAreas,
            columns: [("service_id", uuid("service_id"))] + texts("name", "description", "extent", "extent_type", "uri")
                + [
                    ("kind", .ext("x.kind::service_area_kind", default: "'polygon'::service_area_kind")),
                    ("states", .ext(list("states"), default: "'{}'::text[]")),
                    ("counties", .ext(list("counties"), default: "'{}'::text[]")),
                    ("zip_codes", .ext(list("zip_codes"), default: "'{}'::text[]")),
                    ("radius_km", .ext("x.radius_km::numeric", default: "NULL::numeric")),
                    ("area", .plain("s.area")),
                ]),
        Target(
            table: "cost_options", resource: "cost_option",
            columns: [
                ("service_id", uuid("service_id")), ("valid_from", date("valid_from")), ("valid_to", date("valid_to")),
            ]
                + [("option", text("option")), ("currency", .plain("upper(s.currency)"))]
                + [("amount", .plain("s.amount::numeric")), ("amount_description", text("amount_description"))]),
        Target(
            table: "required_documents", resource: "required_document",
            columns: [("service_id", uuid("service_id"))] + texts("document", "uri")),
        Target(
            table: "funding", resource: "funding",
            columns: [("organization_id", uuid("organization_id")), ("service_id", uuid("service_id"))]
                + texts("source")),
        Target(
            table: "organization_identifiers", resource: "organization_identifier",
            columns: [("organization_id", uuid("organization_id"))]
                + texts("identifier_scheme", "identifier_type", "identifier")),
        Target(
            table: "attributes", resource: "attribute",
            columns: [("link_id", uuid("link_id")), ("taxonomy_term_id", uuid("taxonomy_term_id"))]
                + texts("link_type", "link_entity", "value")),
    ]

    /// Columns the staging tables carry beyond the package's fields, worked out in the database.
    static let derivedColumns: [String: [String]] = [
        "schedule": ["derived_zone text"],
        "service_area": ["area geography"],
    ]

    /// Runs before the targets: taxonomies named only by a term's `taxonomy` text.
    static let derivedTaxonomies = """
        INSERT INTO taxonomies (id, name, description)
        SELECT DISTINCT ON (\(derivedTaxonomy)) \(derivedTaxonomy), COALESCE(s.taxonomy, 'Imported terms'),
               'Terms from an imported HSDS package that named no taxonomy id'
        FROM import_taxonomy_term s WHERE s.taxonomy_id IS NULL
        ON CONFLICT (id) DO NOTHING
        """

    /// Runs once locations, addresses and services at locations are written: the time zone of
    /// hours without one, from the place they are kept at (its own zone, else its ZIP code's).
    static let scheduleZones = """
        UPDATE import_schedule s SET derived_zone = (
            SELECT COALESCE(l.time_zone, z.time_zone)
            FROM locations l
            LEFT JOIN addresses a ON a.location_id = l.id
            LEFT JOIN zip_codes z ON z.zip = left(a.postal_code, 5)
            WHERE l.id = COALESCE(
                s.location_id::uuid,
                (SELECT sal.location_id FROM service_at_locations sal WHERE sal.id = s.service_at_location_id::uuid),
                (SELECT sal.location_id FROM service_at_locations sal WHERE sal.service_id = s.service_id::uuid
                 ORDER BY sal.location_id LIMIT 1))
            ORDER BY z.time_zone IS NULL, a.id
            LIMIT 1)
        """

    static let serviceAreaShapes = """
        UPDATE import_service_area SET area = hsds_geojson_area(extent) WHERE lower(extent_type) = 'geojson'
        """

    /// Problems only the database can see, as (resource, line, column, message). Each query runs
    /// after the statement it guards would have needed it, and before that statement runs.
    static let checksBeforeWriting: [(resource: String, sql: String)] = [
        (
            "taxonomy_term",
            """
            SELECT s.line, 'code', 'the taxonomy already has this code under another term id'
            FROM import_taxonomy_term s
            JOIN taxonomy_terms t ON t.taxonomy_id = COALESCE(s.taxonomy_id::uuid, \(derivedTaxonomy)) AND t.code = s.code
            WHERE t.id <> s.id::uuid
            """
        ),
        (
            "taxonomy_term",
            """
            SELECT s.line, 'name', 'new terms of Haven''s own taxonomies need name_es and description_es in haven_taxonomy_terms.csv'
            FROM import_taxonomy_term s LEFT JOIN import_\(HavenPackageExtension.taxonomyTerms) x ON x.id::uuid = s.id::uuid
            WHERE s.taxonomy_id::uuid IN ('6b1d8c7e-5f0a-4f57-9a57-2f6d3c1e0001', '6b1d8c7e-5f0a-4f57-9a57-2f6d3c1e0002')
              AND (x.name_es IS NULL OR x.description_es IS NULL)
              AND NOT EXISTS (SELECT 1 FROM taxonomy_terms t WHERE t.id = s.id::uuid)
            """
        ),
        (
            "service_at_location",
            """
            SELECT s.line, 'location_id', 'Haven already links this service and location under another id'
            FROM import_service_at_location s
            JOIN service_at_locations t ON t.service_id = s.service_id::uuid AND t.location_id = s.location_id::uuid
            WHERE t.id <> s.id::uuid
            """
        ),
        (
            "attribute",
            """
            SELECT s.line, 'taxonomy_term_id', 'Haven already gives this term to this record under another id'
            FROM import_attribute s
            JOIN attributes t ON t.link_entity = s.link_entity AND t.link_id = s.link_id::uuid
                             AND t.taxonomy_term_id = s.taxonomy_term_id::uuid
            WHERE t.id <> s.id::uuid
            """
        ),
        (
            "service_area",
            """
            SELECT s.line, 'extent', 'is not a valid GeoJSON polygon or multipolygon'
            FROM import_service_area s
            WHERE lower(s.extent_type) = 'geojson' AND s.area IS NULL
            """
        ),
        // A county or ZIP code the ZIP table does not know would reach no family: search finds
        // an area by the keys of the family's place, so a misspelt county is a program no one in
        // it is shown. The API refuses them too (`DirectoryService.unknownPlaces`).
        (
            HavenPackageExtension.serviceAreas,
            """
            WITH known AS (SELECT DISTINCT state || ':' || county AS county FROM zip_codes WHERE county IS NOT NULL)
            SELECT x.line, 'counties',
                   'names ' || string_agg(quote_literal(c.county), ', ' ORDER BY c.at) || ', not '
                   || CASE WHEN count(*) = 1 THEN 'a county' ELSE 'counties' END
                   || ' Haven knows (STATE:County name, e.g. IL:Cook County)'
            FROM import_\(HavenPackageExtension.serviceAreas) x
            CROSS JOIN LATERAL unnest(string_to_array(x.counties, ';')) WITH ORDINALITY AS c (county, at)
            WHERE x.kind = 'county' AND NOT EXISTS (SELECT 1 FROM known k WHERE k.county = c.county)
            GROUP BY x.line
            """
        ),
        (
            HavenPackageExtension.serviceAreas,
            """
            SELECT x.line, 'zip_codes',
                   'names ' || string_agg(quote_literal(c.zip), ', ' ORDER BY c.at) || ', not '
                   || CASE WHEN count(*) = 1 THEN 'a ZIP code' ELSE 'ZIP codes' END || ' Haven knows'
            FROM import_\(HavenPackageExtension.serviceAreas) x
            CROSS JOIN LATERAL unnest(string_to_array(x.zip_codes, ';')) WITH ORDINALITY AS c (zip, at)
            WHERE x.kind = 'zip' AND NOT EXISTS (SELECT 1 FROM zip_codes z WHERE z.zip = c.zip)
            GROUP BY x.line
            """
        ),
    ]

    static let scheduleZoneCheck = """
        SELECT s.line, 'location_id', 'Haven needs the time zone of these hours: give it in haven_schedules.csv, '
               || 'or keep the hours at a location with a time zone or a known ZIP code'
        FROM import_schedule s LEFT JOIN import_\(HavenPackageExtension.schedules) x ON x.id::uuid = s.id::uuid
        WHERE x.time_zone IS NULL AND s.derived_zone IS NULL
          AND NOT EXISTS (SELECT 1 FROM schedules t WHERE t.id = s.id::uuid)
        """

    /// With `--retire-missing`, the records of the package's own organizations that the package
    /// no longer lists leave the directory, as a curator's retirement takes them: kept for history,
    /// out of search, and a referral already sent keeps its service. Only organizations in the
    /// package are touched, so a partner's package never retires another organization's records.
    /// (Service and location rows are never left out by a warning, so the staged rows are the
    /// package's whole list.)
    static let retirements: [(table: String, resource: String, modifiedColumn: String)] = [
        ("services", "service", "last_modified"), ("locations", "location", "updated_at"),
    ]

    /// With `--retire-missing`, a child file in the package is also the whole list for the
    /// records the package lists: a phone, language, need or hours row of such a record that the
    /// file no longer has is removed (child rows keep no history of their own; the record they
    /// belonged to moves to a new version). Each table's owners are the columns naming a parent,
    /// with the parent's file; a parent the package does not list keeps its rows.
    static let childLists: [(table: String, resource: String, owners: [(column: String, resource: String)])] = [
        ("service_at_locations", "service_at_location", [("service_id", "service")]),
        ("addresses", "address", [("location_id", "location")]),
        ("accessibility", "accessibility", [("location_id", "location")]),
        (
            "contacts", "contact",
            [
                ("organization_id", "organization"), ("service_id", "service"), ("location_id", "location"),
                ("service_at_location_id", "service_at_location"),
            ]
        ),
        (
            "phones", "phone",
            [
                ("organization_id", "organization"), ("service_id", "service"), ("location_id", "location"),
                ("contact_id", "contact"), ("service_at_location_id", "service_at_location"),
            ]
        ),
        ("languages", "language", [("service_id", "service"), ("location_id", "location"), ("phone_id", "phone")]),
        (
            "schedules", "schedule",
            [("service_id", "service"), ("location_id", "location"), ("service_at_location_id", "service_at_location")]
        ),
        (
            "schedule_exceptions", HavenPackageExtension.scheduleExceptions,
            [("service_id", "service"), ("location_id", "location")]
        ),
        ("service_areas", "service_area", [("service_id", "service")]),
        ("cost_options", "cost_option", [("service_id", "service")]),
        ("required_documents", "required_document", [("service_id", "service")]),
        ("funding", "funding", [("organization_id", "organization"), ("service_id", "service")]),
        ("organization_identifiers", "organization_identifier", [("organization_id", "organization")]),
    ]

    /// What `import_changed` calls a parent whose child rows changed: `service_documents` for a
    /// service and `location_documents` for a location whose own row did not (see
    /// `affectedServices` and `touchLocations`).
    private static let changedParent: [String: String] = [
        "service": "service_documents", "location": "location_documents", "organization": "organizations",
        "service_at_location": "service_at_locations", "contact": "contacts", "phone": "phones",
    ]

    /// Removes the rows of `table` that its file no longer lists, notes their parents as changed,
    /// and returns how many went. Rows a warning left out of the package are kept.
    static func removeMissingChildren(
        _ table: String, resource: String, owners: [(column: String, resource: String)]
    ) -> String {
        let listed = owners.map { "t.\($0.column) IN (SELECT id::uuid FROM import_\($0.resource))" }
        let noted = owners.map {
            "SELECT '\(changedParent[$0.resource]!)', \($0.column) FROM removed WHERE \($0.column) IS NOT NULL"
        }
        return """
            WITH removed AS (
                DELETE FROM \(table) t
                WHERE (\(listed.joined(separator: " OR ")))
                  AND NOT EXISTS (SELECT 1 FROM import_\(resource) s WHERE s.id::uuid = t.id)
                  AND NOT EXISTS (SELECT 1 FROM import_left_out o WHERE o.resource = '\(resource)' AND o.id = t.id::text)
                RETURNING \(owners.map { "t.\($0.column)" }.joined(separator: ", "))),
            noted AS (INSERT INTO import_changed (entity, id) \(noted.joined(separator: " UNION ALL ")))
            SELECT count(*)::int8 FROM removed
            """
    }

    /// The same for needs and other attributes, which name their record by entity and id.
    static let removeMissingAttributes = """
        WITH listed (entity, id) AS (
            SELECT 'service', id::uuid FROM import_service UNION ALL SELECT 'location', id::uuid FROM import_location
            UNION ALL SELECT 'organization', id::uuid FROM import_organization
            UNION ALL SELECT 'service_at_location', id::uuid FROM import_service_at_location),
        removed AS (
            DELETE FROM attributes t
            WHERE (t.link_entity, t.link_id) IN (SELECT entity, id FROM listed)
              AND NOT EXISTS (SELECT 1 FROM import_attribute s WHERE s.id::uuid = t.id)
              AND NOT EXISTS (SELECT 1 FROM import_left_out o WHERE o.resource = 'attribute' AND o.id = t.id::text)
            RETURNING t.link_entity, t.link_id),
        noted AS (
            INSERT INTO import_changed (entity, id)
            SELECT CASE link_entity WHEN 'service' THEN 'service_documents' WHEN 'location' THEN 'location_documents'
                   ELSE link_entity || 's' END, link_id
            FROM removed)
        SELECT count(*)::int8 FROM removed
        """

    /// Retires one table's missing records; returns each one's id and name, noted as changed so
    /// their search rows go in the same transaction.
    static func retireMissing(_ table: String, resource: String, modifiedColumn: String) -> String {
        """
        WITH retired AS (
            UPDATE \(table) t SET retired_at = now(), version = t.version + 1, \(modifiedColumn) = now()
            WHERE t.retired_at IS NULL
              AND t.organization_id IN (SELECT o.id::uuid FROM import_organization o)
              AND NOT EXISTS (SELECT 1 FROM import_\(resource) s WHERE s.id::uuid = t.id)
            RETURNING t.id, t.name),
        noted AS (INSERT INTO import_changed (entity, id) SELECT '\(table)', id FROM retired)
        SELECT id, COALESCE(name, '') FROM retired ORDER BY name, id
        """
    }

    /// Records the package lists that Haven has retired: the import updates them, and they stay
    /// retired, since retiring a record is a curator's decision an import does not undo.
    static func stillRetired(_ table: String, resource: String) -> String {
        """
        SELECT count(*)::int8 FROM \(table) t JOIN import_\(resource) s ON s.id::uuid = t.id
        WHERE t.retired_at IS NOT NULL
        """
    }

    /// Of the affected services (`given.affected`), those whose own row the import did not add,
    /// change or retire (those already have a new version).
    static let untouchedServices = """
        SELECT id FROM unnest(given.affected) AS id
        EXCEPT SELECT id FROM import_changed WHERE entity = 'services'
        """

    /// The locations whose documents show a change (`locations_changed`): their own row, or an
    /// address, accessibility note, phone, language, hours or attribute of theirs. Follows `c`,
    /// the changes.
    private static let changedLocations = """
        locations_changed AS (
            SELECT id FROM c WHERE entity IN ('locations', 'location_documents')
            UNION SELECT location_id FROM addresses WHERE id IN (SELECT id FROM c WHERE entity = 'addresses')
            UNION SELECT location_id FROM accessibility WHERE id IN (SELECT id FROM c WHERE entity = 'accessibility')
            UNION SELECT location_id FROM phones WHERE location_id IS NOT NULL AND id IN (SELECT id FROM c WHERE entity = 'phones')
            UNION SELECT location_id FROM languages WHERE location_id IS NOT NULL AND id IN (SELECT id FROM c WHERE entity = 'languages')
            UNION SELECT location_id FROM schedules WHERE location_id IS NOT NULL AND id IN (SELECT id FROM c WHERE entity = 'schedules')
            UNION SELECT location_id FROM schedule_exceptions WHERE location_id IS NOT NULL
                AND id IN (SELECT id FROM c WHERE entity = 'schedule_exceptions')
            UNION SELECT link_id FROM attributes WHERE link_entity = 'location' AND id IN (SELECT id FROM c WHERE entity = 'attributes')
        )
        """

    /// Locations whose own row the package left as it was but whose address, phones, languages,
    /// hours or attributes it changed: a new version (their ETag) and `updated_at`, as a write
    /// through the API gives them, so a partner holding the old ETag reads the new hours rather
    /// than a 304, and an edit made against the old version is refused rather than undoing the
    /// import. Rows the import added, changed or retired have their new version already.
    static let touchLocations = """
        WITH c AS (SELECT entity, id FROM import_changed),
        \(changedLocations)
        UPDATE locations SET version = version + 1, updated_at = now()
        WHERE id IN (SELECT id FROM locations_changed EXCEPT SELECT id FROM c WHERE entity = 'locations')
          AND retired_at IS NULL
        """

    /// The services whose search rows the changed records feed.
    static let affectedServices = """
        WITH c AS (SELECT entity, id FROM import_changed),
        \(changedLocations)
        SELECT COALESCE(array_agg(DISTINCT service_id), '{}') FROM (
            SELECT id AS service_id FROM c WHERE entity IN ('services', 'service_documents')
            UNION SELECT service_id FROM service_at_locations WHERE location_id IN (SELECT id FROM locations_changed)
            UNION SELECT service_id FROM service_at_locations WHERE id IN (SELECT id FROM c WHERE entity = 'service_at_locations')
            UNION SELECT s.id FROM services s WHERE s.organization_id IN (SELECT id FROM c WHERE entity = 'organizations')
            UNION SELECT s.id FROM services s WHERE s.program_id IN (SELECT id FROM c WHERE entity = 'programs')
            UNION SELECT service_id FROM phones WHERE id IN (SELECT id FROM c WHERE entity = 'phones')
            UNION SELECT service_id FROM languages WHERE id IN (SELECT id FROM c WHERE entity = 'languages')
            UNION SELECT service_id FROM schedules WHERE id IN (SELECT id FROM c WHERE entity = 'schedules')
            UNION SELECT sal.service_id FROM schedules sc JOIN service_at_locations sal ON sal.id = sc.service_at_location_id
                WHERE sc.id IN (SELECT id FROM c WHERE entity = 'schedules')
            UNION SELECT service_id FROM schedule_exceptions WHERE id IN (SELECT id FROM c WHERE entity = 'schedule_exceptions')
            UNION SELECT service_id FROM service_areas WHERE id IN (SELECT id FROM c WHERE entity = 'service_areas')
            UNION SELECT service_id FROM cost_options WHERE id IN (SELECT id FROM c WHERE entity = 'cost_options')
            UNION SELECT service_id FROM required_documents WHERE id IN (SELECT id FROM c WHERE entity = 'required_documents')
            UNION SELECT service_id FROM funding WHERE id IN (SELECT id FROM c WHERE entity = 'funding')
            UNION SELECT link_id FROM attributes WHERE link_entity = 'service' AND id IN (SELECT id FROM c WHERE entity = 'attributes')
            UNION SELECT a.link_id FROM attributes a WHERE a.link_entity = 'service'
                AND a.taxonomy_term_id IN (SELECT id FROM c WHERE entity = 'taxonomy_terms')
            UNION SELECT service_id FROM contacts WHERE id IN (SELECT id FROM c WHERE entity = 'contacts')
        ) affected
        WHERE service_id IS NOT NULL AND EXISTS (SELECT 1 FROM services s WHERE s.id = service_id)
        """
}
