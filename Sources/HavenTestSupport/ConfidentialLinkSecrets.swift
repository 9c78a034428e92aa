import Foundation
import Logging
import PostgresNIO

/// Puts on every service at a confidential location what partners' data packages often keep
/// there (directions in its description, a desk's phone, a staff contact) so tests can check
/// that none of it leaves Haven in public views. Returns the strings that must not appear.
public enum ConfidentialLinkSecrets {
    public static let description = "Use the back door at 3916 Demo Ave"
    public static let phone = "+13125550777"
    public static let email = "intake-desk@shelter.example.org"

    public static func plant(on client: PostgresClient, logger: Logger) async throws -> [String] {
        try await client.query(
            """
            WITH links AS (
                UPDATE service_at_locations sal SET description = \(description)
                FROM locations l WHERE l.id = sal.location_id AND l.confidential
                RETURNING sal.id
            ), phones AS (
                INSERT INTO phones (service_at_location_id, number, type) SELECT id, \(phone), 'voice' FROM links
            )
            INSERT INTO contacts (service_at_location_id, name, email) SELECT id, 'Demo intake desk', \(email) FROM links
            """,
            logger: logger)
        return [description, phone, email]
    }
}
