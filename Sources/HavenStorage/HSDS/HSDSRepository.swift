import Foundation
import HavenCore
import Logging
import PostgresNIO

/// The collections of the HSDS read API.
public enum HSDSCollection: String, Sendable, CaseIterable {
    case services, organizations, serviceAtLocations, taxonomies, taxonomyTerms
}

/// How much of each record a list or read shows.
public enum HSDSDetail: Sendable, Equatable {
    /// Services only: `id`, `name`, `status`, `last_modified`.
    case minimal
    /// The one-to-one fields, with what the HSDS list schema nests (a service's organization).
    case listed
    /// Fully nested. `fullService` gives an organization's services whole too.
    case full(fullService: Bool)
}

/// Reads the directory as HSDS 3.0 JSON documents. The documents are built by the `hsds_*`
/// functions (migration 0017), always in the public view: confidential locations never show an
/// address or a point. Lists are ordered by id, so pages and streams are stable.
public struct HSDSRepository: Sendable {
    /// An organization `o` that is part of the directory: one that describes itself or offers
    /// something. Organizations that only hold user accounts (a partner, an advocacy center
    /// using Haven) are not listed to partners, nor exported.
    static let organizationInDirectory = """
        (o.description <> '' OR EXISTS (SELECT 1 FROM services s WHERE s.organization_id = o.id AND s.retired_at IS NULL)
         OR EXISTS (SELECT 1 FROM locations l WHERE l.organization_id = o.id AND l.retired_at IS NULL)
         OR EXISTS (SELECT 1 FROM programs p WHERE p.organization_id = o.id))
        """

    let logger: Logger
    let staleAfterDays: Int

    public init(logger: Logger, staleAfterDays: Int) {
        self.logger = logger
        self.staleAfterDays = staleAfterDays
    }

    /// How many records the filter matches, for the page envelope.
    public func count(_ collection: HSDSCollection, filter: HSDSFilter, on connection: PostgresConnection)
        async throws -> Int
    {
        let selection = Selection(collection, filter: filter)
        let query = PostgresQuery(
            unsafeSQL: "SELECT count(*)::int8 FROM \(selection.from) WHERE \(selection.condition)",
            binds: selection.bindings)
        let rows = try await connection.query(query, logger: logger)
        for try await total in rows.decode(Int.self) { return total }
        return 0
    }

    /// One page of documents, as JSON text.
    public func page(
        _ collection: HSDSCollection, filter: HSDSFilter, detail: HSDSDetail, page: HSDSPageRequest,
        on connection: PostgresConnection
    ) async throws -> [String] {
        var selection = Selection(collection, filter: filter)
        let document = selection.document(detail, staleAfterDays: staleAfterDays)
        let limit = selection.bind(page.perPage)
        let offset = selection.bind(page.offset)
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT (\(document))::text FROM \(selection.from) WHERE \(selection.condition)
                ORDER BY \(selection.key) LIMIT \(limit) OFFSET \(offset)
                """,
            binds: selection.bindings)
        var documents: [String] = []
        for try await text in try await connection.query(query, logger: logger).decode(String.self) {
            documents.append(text)
        }
        return documents
    }

    /// The next documents after `after` in id order: how a stream walks a whole collection
    /// without holding a connection between chunks.
    public func chunk(
        _ collection: HSDSCollection, filter: HSDSFilter, detail: HSDSDetail, after: UUID?, limit: Int,
        on connection: PostgresConnection
    ) async throws -> [(UUID, String)] {
        var selection = Selection(collection, filter: filter)
        let document = selection.document(detail, staleAfterDays: staleAfterDays)
        var condition = selection.condition
        if let after { condition += " AND \(selection.key) > \(selection.bind(after))" }
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT \(selection.key), (\(document))::text FROM \(selection.from) WHERE \(condition)
                ORDER BY \(selection.key) LIMIT \(selection.bind(limit))
                """,
            binds: selection.bindings)
        var documents: [(UUID, String)] = []
        for try await (id, text) in try await connection.query(query, logger: logger).decode((UUID, String).self) {
            documents.append((id, text))
        }
        return documents
    }

    /// One record, fully nested; nil when there is none (or it is retired).
    public func document(
        _ collection: HSDSCollection, id: UUID, fullService: Bool = false, on connection: PostgresConnection
    ) async throws -> String? {
        var selection = Selection(collection, filter: HSDSFilter())
        let document = selection.document(.full(fullService: fullService), staleAfterDays: staleAfterDays)
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT (\(document))::text FROM \(selection.from)
                WHERE \(selection.condition) AND \(selection.key) = \(selection.bind(id))
                """,
            binds: selection.bindings)
        for try await text in try await connection.query(query, logger: logger).decode(String.self) { return text }
        return nil
    }
}

/// The FROM and WHERE of one collection under a filter, with its bound values. Only the filters
/// given become conditions, so each statement is planned for what it asks.
private struct Selection {
    let collection: HSDSCollection
    let from: String
    let key: String
    /// Retired services are listed, as `tombstone`.
    private(set) var tombstones = false
    private(set) var conditions: [String] = []
    private(set) var bindings = PostgresBindings()

    var condition: String { conditions.joined(separator: " AND ") }

    mutating func bind<Value: PostgresNonThrowingEncodable>(_ value: Value) -> String {
        bindings.append(value)
        return "$\(bindings.count)"
    }

    init(_ collection: HSDSCollection, filter: HSDSFilter) {
        self.collection = collection
        switch collection {
        case .services:
            from = "services s"
            key = "s.id"
            // A sync (`modified_after`) also hears of the services retired since, as tombstones:
            // without them a partner's copy would keep a service Haven no longer lists.
            tombstones = filter.modifiedAfter != nil
            conditions = tombstones ? [] : ["s.retired_at IS NULL"]
            serviceConditions(filter, locationAlias: nil)
        case .serviceAtLocations:
            from = """
                service_at_locations sal JOIN services s ON s.id = sal.service_id \
                JOIN locations l ON l.id = sal.location_id
                """
            key = "sal.id"
            conditions = ["s.retired_at IS NULL", "l.retired_at IS NULL"]
            serviceConditions(filter, locationAlias: "l")
        case .organizations:
            from = "organizations o"
            key = "o.id"
            conditions = ["o.retired_at IS NULL", HSDSRepository.organizationInDirectory]
            if let search = filter.search {
                conditions.append(
                    "to_tsvector('english', o.name || ' ' || o.description) @@ websearch_to_tsquery('english', \(bind(search)))"
                )
            }
        case .taxonomies:
            from = "taxonomies x"
            key = "x.id"
            conditions = ["true"]
            if let search = filter.search {
                conditions.append("strpos(lower(x.name || ' ' || x.description), lower(\(bind(search)))) > 0")
            }
        case .taxonomyTerms:
            from = "taxonomy_terms t"
            key = "t.id"
            conditions = ["true"]
            if let search = filter.search {
                conditions.append(
                    "strpos(lower(concat_ws(' ', t.code, t.name, t.name_es, t.description)), lower(\(bind(search)))) > 0"
                )
            }
            if let taxonomy = filter.taxonomyID { conditions.append("t.taxonomy_id = \(bind(taxonomy))") }
            if let parent = filter.parentID { conditions.append("t.parent_id = \(bind(parent))") }
            if filter.topOnly { conditions.append("t.parent_id IS NULL") }
        }
    }

    /// The service filters, on `s`. With a location alias (service-at-location lists) proximity
    /// is measured to that location; otherwise to any of the service's locations.
    private mutating func serviceConditions(_ filter: HSDSFilter, locationAlias: String?) {
        if let organization = filter.organizationID {
            conditions.append("s.organization_id = \(bind(organization))")
        }
        if let modified = filter.modifiedAfter { conditions.append("s.changed_at >= \(bind(modified))") }
        if let term = filter.taxonomyTermID {
            conditions.append(
                """
                EXISTS (SELECT 1 FROM attributes a WHERE a.link_entity = 'service' AND a.link_id = s.id
                        AND a.taxonomy_term_id = \(bind(term)))
                """)
        }
        if let taxonomy = filter.taxonomyID {
            conditions.append(
                """
                EXISTS (SELECT 1 FROM attributes a JOIN taxonomy_terms t ON t.id = a.taxonomy_term_id
                        WHERE a.link_entity = 'service' AND a.link_id = s.id AND t.taxonomy_id = \(bind(taxonomy)))
                """)
        }
        if let search = filter.search {
            conditions.append(
                """
                s.id IN (SELECT ss.service_id FROM search_services ss
                         WHERE to_tsvector('english', ss.search_text) @@ websearch_to_tsquery('english', \(bind(search))))
                """)
        }
        guard let zip = filter.postcode else { return }
        let postcode = bind(zip.digits)
        // A service without service areas is judged by where it is: within the distance asked,
        // or, without one, at an address in the ZIP code.
        let withoutAreas =
            filter.proximityMetres != nil
            ? "true"
            : """
            EXISTS (SELECT 1 FROM service_at_locations sal2 JOIN locations l2 ON l2.id = sal2.location_id
                    JOIN addresses ad ON ad.location_id = l2.id
                    WHERE sal2.service_id = s.id AND l2.retired_at IS NULL AND left(ad.postal_code, 5) = \(postcode))
            """
        conditions.append(
            """
            (EXISTS (SELECT 1 FROM zip_codes z
                     JOIN search_area_keys k ON k.area_key IN ('national', 'state:' || z.state,
                                                              'county:' || z.state || ':' || z.county, 'zip:' || z.zip)
                     WHERE z.zip = \(postcode) AND k.need = '*' AND k.service_id = s.id)
             OR EXISTS (SELECT 1 FROM zip_codes z JOIN search_area_shapes sh
                          ON sh.keyed && search_need_keyed('*', z.point::geometry)
                             AND ST_Intersects(sh.area, z.point::geometry)
                        WHERE z.zip = \(postcode) AND sh.need = '*' AND sh.service_id = s.id)
             OR (NOT EXISTS (SELECT 1 FROM service_areas sa WHERE sa.service_id = s.id) AND \(withoutAreas)))
            """)
        guard let metres = filter.proximityMetres else { return }
        let distance = bind(metres)
        // Confidential locations are measured from their approximate point, as everywhere else.
        let shown = { (alias: String) in
            "CASE WHEN \(alias).confidential THEN \(alias).approximate_point ELSE \(alias).point END"
        }
        if let alias = locationAlias {
            conditions.append(
                """
                EXISTS (SELECT 1 FROM zip_codes z WHERE z.zip = \(postcode)
                        AND ST_DWithin(\(shown(alias)), z.point, \(distance)))
                """)
        } else {
            conditions.append(
                """
                EXISTS (SELECT 1 FROM service_at_locations sal3 JOIN locations l3 ON l3.id = sal3.location_id
                        JOIN zip_codes z ON z.zip = \(postcode)
                        WHERE sal3.service_id = s.id AND l3.retired_at IS NULL
                          AND ST_DWithin(\(shown("l3")), z.point, \(distance)))
                """)
        }
    }

    /// The SQL expression for one record's document.
    mutating func document(_ detail: HSDSDetail, staleAfterDays: Int) -> String {
        let document = liveDocument(detail, staleAfterDays: staleAfterDays)
        guard tombstones else { return document }
        return "CASE WHEN s.retired_at IS NULL THEN \(document) ELSE \(Self.tombstone) END"
    }

    /// A retired service, as a sync hears of it: `defunct`, stamped when Haven retired it.
    static let tombstone = """
        jsonb_build_object('id', s.id, 'name', s.name, 'status', 'defunct',
                           'last_modified', haven_timestamp(s.changed_at))
        """

    private mutating func liveDocument(_ detail: HSDSDetail, staleAfterDays: Int) -> String {
        switch (collection, detail) {
        case (.services, .minimal):
            return """
                jsonb_build_object('id', s.id, 'name', s.name, 'status', s.status,
                                   'last_modified', haven_timestamp(s.last_modified))
                """
        case (.services, .listed):
            return "hsds_service_item(s, \(bind(staleAfterDays))::int)"
        case (.services, .full):
            return "hsds_service(s, \(bind(staleAfterDays))::int)"
        case (.serviceAtLocations, .full):
            return "hsds_service_at_location(sal, \(bind(staleAfterDays))::int)"
        case (.serviceAtLocations, _):
            return "hsds_service_at_location_item(sal, \(bind(staleAfterDays))::int)"
        case (.organizations, .full(let fullService)):
            return "hsds_organization(o, \(bind(fullService)), \(bind(staleAfterDays))::int)"
        case (.organizations, _):
            return "hsds_organization_core(o)"
        case (.taxonomies, _):
            return "hsds_taxonomy(x)"
        case (.taxonomyTerms, _):
            return "hsds_taxonomy_term(t)"
        }
    }
}
