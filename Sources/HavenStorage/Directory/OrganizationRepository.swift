import Foundation
import HavenCore
import Logging
import PostgresNIO

/// Directory organizations (the same table users belong to).
public struct OrganizationRepository: Sendable {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    /// Inserts, or with a known id replaces the fields (seeds upsert by stable ids).
    public func save(id: UUID, _ draft: OrganizationDraft, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO organizations (id, name, alternate_name, description, email, website, tax_status, tax_id,
                                       year_incorporated, legal_status, parent_organization_id, demo)
            VALUES (\(id), \(draft.name), \(draft.alternateName), \(draft.description), \(draft.email), \(draft.website),
                    \(draft.taxStatus), \(draft.taxID), \(draft.yearIncorporated), \(draft.legalStatus),
                    \(draft.parentOrganizationID), \(draft.demo))
            ON CONFLICT (id) DO UPDATE SET
                name = EXCLUDED.name, alternate_name = EXCLUDED.alternate_name, description = EXCLUDED.description,
                email = EXCLUDED.email, website = EXCLUDED.website, tax_status = EXCLUDED.tax_status,
                tax_id = EXCLUDED.tax_id, year_incorporated = EXCLUDED.year_incorporated,
                legal_status = EXCLUDED.legal_status, parent_organization_id = EXCLUDED.parent_organization_id,
                demo = EXCLUDED.demo, version = organizations.version + 1, updated_at = now()
            WHERE (organizations.name, organizations.alternate_name, organizations.description, organizations.email,
                   organizations.website, organizations.tax_status, organizations.tax_id,
                   organizations.year_incorporated, organizations.legal_status,
                   organizations.parent_organization_id, organizations.demo)
                  IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.alternate_name, EXCLUDED.description, EXCLUDED.email,
                   EXCLUDED.website, EXCLUDED.tax_status, EXCLUDED.tax_id, EXCLUDED.year_incorporated,
                   EXCLUDED.legal_status, EXCLUDED.parent_organization_id, EXCLUDED.demo)
            """,
            logger: logger)
        try await SearchIndex(logger: logger).refresh(servicesOf: id, on: connection)
    }

    public func exists(_ id: UUID, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query(
            "SELECT 1 FROM organizations WHERE id = \(id) AND retired_at IS NULL", logger: logger
        ).collect().isEmpty == false
    }
}
