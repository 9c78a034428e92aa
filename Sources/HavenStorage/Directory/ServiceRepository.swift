import Foundation
import HavenCore
import Logging
import PostgresNIO

/// Services with their needs and audiences (HSDS attributes), languages, phones, hours,
/// service areas, cost options, required documents and locations.
public struct ServiceRepository: Sendable {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    /// Inserts or replaces a service and everything hanging off it, in the caller's transaction.
    /// Taxonomy codes and location ids must exist (the service layer checks them first).
    public func save(id: UUID, _ draft: ServiceDraft, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO services (id, organization_id, name, alternate_name, description, url, email, status,
                                  interpretation_services, application_process, fees_description, wait_time, fees,
                                  accreditations, eligibility_description, minimum_age, maximum_age, alert, demo)
            VALUES (\(id), \(draft.organizationID), \(draft.name), \(draft.alternateName), \(draft.description),
                    \(draft.url), \(draft.email), \(draft.status.rawValue)::service_status,
                    \(draft.interpretationServices), \(draft.applicationProcess), \(draft.feesDescription),
                    \(draft.waitTime), \(draft.fees), \(draft.accreditations), \(draft.eligibilityDescription),
                    \(draft.minimumAge), \(draft.maximumAge), \(draft.alert), \(draft.demo))
            ON CONFLICT (id) DO UPDATE SET
                organization_id = EXCLUDED.organization_id, name = EXCLUDED.name,
                alternate_name = EXCLUDED.alternate_name, description = EXCLUDED.description, url = EXCLUDED.url,
                email = EXCLUDED.email, status = EXCLUDED.status,
                interpretation_services = EXCLUDED.interpretation_services,
                application_process = EXCLUDED.application_process, fees_description = EXCLUDED.fees_description,
                wait_time = EXCLUDED.wait_time, fees = EXCLUDED.fees, accreditations = EXCLUDED.accreditations,
                eligibility_description = EXCLUDED.eligibility_description, minimum_age = EXCLUDED.minimum_age,
                maximum_age = EXCLUDED.maximum_age, alert = EXCLUDED.alert, demo = EXCLUDED.demo,
                version = services.version + 1, last_modified = now()
            WHERE (services.organization_id, services.name, services.alternate_name, services.description,
                   services.url, services.email, services.status, services.interpretation_services,
                   services.application_process, services.fees_description, services.wait_time, services.fees,
                   services.accreditations, services.eligibility_description, services.minimum_age,
                   services.maximum_age, services.alert, services.demo)
                  IS DISTINCT FROM (EXCLUDED.organization_id, EXCLUDED.name, EXCLUDED.alternate_name,
                   EXCLUDED.description, EXCLUDED.url, EXCLUDED.email, EXCLUDED.status,
                   EXCLUDED.interpretation_services, EXCLUDED.application_process, EXCLUDED.fees_description,
                   EXCLUDED.wait_time, EXCLUDED.fees, EXCLUDED.accreditations, EXCLUDED.eligibility_description,
                   EXCLUDED.minimum_age, EXCLUDED.maximum_age, EXCLUDED.alert, EXCLUDED.demo)
            """,
            logger: logger)

        try await replaceAttributes(of: id, needs: draft.needs, audiences: draft.audiences, on: connection)

        try await connection.query("DELETE FROM languages WHERE service_id = \(id)", logger: logger)
        for (index, code) in draft.languages.enumerated() {
            try await connection.query(
                "INSERT INTO languages (id, service_id, code) VALUES (\(LocationRepository.childID(id, "language", index)), \(id), \(code))",
                logger: logger)
        }
        try await connection.query("DELETE FROM phones WHERE service_id = \(id)", logger: logger)
        for (index, phone) in draft.phones.enumerated() {
            try await connection.query(
                """
                INSERT INTO phones (id, service_id, number, type, description)
                VALUES (\(LocationRepository.childID(id, "phone", index)), \(id), \(phone.number), \(phone.type),
                        \(phone.description))
                """,
                logger: logger)
        }
        try await ScheduleRows(logger: logger).replace(draft.schedule, of: .service(id), on: connection)

        try await connection.query("DELETE FROM service_areas WHERE service_id = \(id)", logger: logger)
        for (index, area) in draft.serviceAreas.enumerated() {
            try await insert(
                area, id: LocationRepository.childID(id, "service-area", index), service: id, on: connection)
        }
        try await connection.query("DELETE FROM cost_options WHERE service_id = \(id)", logger: logger)
        for (index, cost) in draft.costOptions.enumerated() {
            try await connection.query(
                """
                INSERT INTO cost_options (id, service_id, option, amount, currency, amount_description)
                VALUES (\(LocationRepository.childID(id, "cost-option", index)), \(id), \(cost.option),
                        \(cost.amount)::numeric, \(cost.currency), \(cost.amountDescription))
                """,
                logger: logger)
        }
        try await connection.query("DELETE FROM required_documents WHERE service_id = \(id)", logger: logger)
        for (index, document) in draft.requiredDocuments.enumerated() {
            try await connection.query(
                """
                INSERT INTO required_documents (id, service_id, document)
                VALUES (\(LocationRepository.childID(id, "required-document", index)), \(id), \(document))
                """,
                logger: logger)
        }
        try await connection.query(
            "DELETE FROM service_at_locations WHERE service_id = \(id) AND location_id <> ALL(\(draft.locationIDs)::uuid[])",
            logger: logger)
        for location in draft.locationIDs {
            try await connection.query(
                """
                INSERT INTO service_at_locations (id, service_id, location_id)
                VALUES (\(ReferenceData.stableID("service-at-location", "\(id.uuidString.lowercased()):\(location.uuidString.lowercased())")),
                        \(id), \(location))
                ON CONFLICT (service_id, location_id) DO NOTHING
                """,
                logger: logger)
        }
        try await SearchIndex(logger: logger).refresh(service: id, on: connection)
    }

    private func replaceAttributes(
        of id: UUID, needs: [String], audiences: [String], on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            "DELETE FROM attributes WHERE link_entity = 'service' AND link_id = \(id)", logger: logger)
        for (taxonomy, codes, kind) in [
            (ReferenceData.needsTaxonomyID, needs, "need"), (ReferenceData.audienceTaxonomyID, audiences, "audience"),
        ] {
            for code in codes {
                let term = ReferenceData.termID(taxonomy: taxonomy, code: code)
                try await connection.query(
                    """
                    INSERT INTO attributes (id, link_id, taxonomy_term_id, link_type, link_entity)
                    VALUES (\(ReferenceData.stableID("attribute", "\(id.uuidString.lowercased()):\(term.uuidString.lowercased())")),
                            \(id), \(term), \(kind), 'service')
                    """,
                    logger: logger)
            }
        }
    }

    private func insert(_ area: ServiceArea, id: UUID, service: UUID, on connection: PostgresConnection) async throws {
        var states: [String] = []
        var counties: [String] = []
        var zips: [String] = []
        var radius: Double?
        var geoJSON: String?
        switch area {
        case .national: break
        case .states(let list): states = list
        case .counties(let list): counties = list
        case .zipCodes(let list): zips = list.map(\.digits)
        case .radius(let kilometres): radius = kilometres
        case .polygon(let json): geoJSON = json
        }
        try await connection.query(
            """
            INSERT INTO service_areas (id, service_id, kind, states, counties, zip_codes, radius_km, area, extent,
                                       extent_type)
            VALUES (\(id), \(service), \(area.kind)::service_area_kind, \(states)::text[], \(counties)::text[],
                    \(zips)::text[], \(radius)::numeric,
                    CASE WHEN \(geoJSON)::text IS NULL THEN NULL
                         ELSE ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(\(geoJSON)), 4326))::geography END,
                    \(geoJSON), CASE WHEN \(geoJSON)::text IS NULL THEN NULL ELSE 'geojson' END)
            """,
            logger: logger)
    }

    /// Whether PostGIS reads `geoJSON` as a valid polygon or multipolygon, the test an HSDS
    /// import applies too (`hsds_geojson_area`): a two-point "polygon" covers no one.
    public func isValidArea(_ geoJSON: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT hsds_geojson_area(\(geoJSON)) IS NOT NULL", logger: logger)
        for try await valid in rows.decode(Bool.self) { return valid }
        return false
    }

    /// The ids in `ids` that are not current (unretired) locations.
    public func unknownLocations(_ ids: [UUID], on connection: PostgresConnection) async throws -> [UUID] {
        guard !ids.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            SELECT i FROM unnest(\(ids)::uuid[]) AS i
            WHERE NOT EXISTS (SELECT 1 FROM locations l WHERE l.id = i AND l.retired_at IS NULL)
            """,
            logger: logger)
        var unknown: [UUID] = []
        for try await id in rows.decode(UUID.self) { unknown.append(id) }
        return unknown
    }
}
