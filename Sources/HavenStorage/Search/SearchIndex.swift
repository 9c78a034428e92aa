import Foundation
import Logging
import PostgresNIO

/// Keeps the search tables (`Migrations/0006_search.sql`) in step with the directory: every
/// write that changes what a service offers or where refreshes its rows in the same
/// transaction, so search never shows a state the directory never had.
public struct SearchIndex: Sendable {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func refresh(service id: UUID, on connection: PostgresConnection) async throws {
        try await connection.perform("SELECT refresh_service_search(\(id))", logger: logger)
    }

    /// Every service offered at a location whose point, confidentiality or retirement changed.
    public func refresh(servicesAt location: UUID, on connection: PostgresConnection) async throws {
        try await connection.perform(
            "SELECT refresh_service_search(service_id) FROM service_at_locations WHERE location_id = \(location)",
            logger: logger)
    }

    /// An organization's services show its name in results.
    public func refresh(servicesOf organization: UUID, on connection: PostgresConnection) async throws {
        try await connection.perform(
            "SELECT refresh_search_services(ARRAY(SELECT id FROM services WHERE organization_id = \(organization)))",
            logger: logger)
    }

    /// Every row of an organization's services (after the organization was retired).
    public func rebuild(servicesOf organization: UUID, on connection: PostgresConnection) async throws {
        try await connection.perform(
            "SELECT refresh_services_search(ARRAY(SELECT id FROM services WHERE organization_id = \(organization)))",
            logger: logger)
    }

    /// Only the facts search filters and ranks on (after a verification, say).
    public func refreshFacts(service id: UUID, on connection: PostgresConnection) async throws {
        try await connection.perform("SELECT refresh_search_services(ARRAY[\(id)]::uuid[])", logger: logger)
    }
}
