import Foundation
import HavenCore
import Logging
import PostgresNIO

/// Locations with their address, phones, languages, accessibility and hours.
public struct LocationRepository: Sendable {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    /// Inserts or replaces a location and everything hanging off it, in the caller's transaction.
    ///
    /// A missing time zone comes from the nearest ZIP centroid. A confidential location's public
    /// point is the centroid of its address's ZIP code (or the exact point rounded to about ten
    /// kilometres), so a distance can be told without revealing where it is.
    public func save(id: UUID, _ draft: LocationDraft, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            WITH given AS (
                SELECT CASE WHEN \(draft.latitude)::float8 IS NULL THEN NULL
                            ELSE ST_SetSRID(ST_MakePoint(\(draft.longitude)::float8, \(draft.latitude)::float8), 4326)::geography
                       END AS point
            ), nearest AS (
                SELECT z.time_zone FROM zip_codes z, given
                WHERE given.point IS NOT NULL ORDER BY z.point <-> given.point LIMIT 1
            ), approximate AS (
                SELECT COALESCE(
                    (SELECT point FROM zip_codes WHERE zip = \(draft.address?.postalCode.digits)),
                    (SELECT ST_SetSRID(ST_MakePoint(round(\(draft.longitude)::numeric, 1)::float8,
                                                   round(\(draft.latitude)::numeric, 1)::float8), 4326)::geography
                     WHERE \(draft.latitude)::float8 IS NOT NULL)
                ) AS point
            )
            INSERT INTO locations (id, location_type, url, organization_id, name, alternate_name, description,
                                   transportation, point, confidential, approximate_point, intake_phone, time_zone, demo)
            SELECT \(id), \(draft.locationType)::location_type, \(draft.url), \(draft.organizationID), \(draft.name),
                   \(draft.alternateName), \(draft.description), \(draft.transportation), given.point,
                   \(draft.confidential), CASE WHEN \(draft.confidential) THEN approximate.point END,
                   \(draft.intakePhone), COALESCE(\(draft.timeZone), (SELECT time_zone FROM nearest)), \(draft.demo)
            FROM given, approximate
            ON CONFLICT (id) DO UPDATE SET
                location_type = EXCLUDED.location_type, url = EXCLUDED.url, organization_id = EXCLUDED.organization_id,
                name = EXCLUDED.name, alternate_name = EXCLUDED.alternate_name, description = EXCLUDED.description,
                transportation = EXCLUDED.transportation, point = EXCLUDED.point, confidential = EXCLUDED.confidential,
                approximate_point = EXCLUDED.approximate_point, intake_phone = EXCLUDED.intake_phone,
                time_zone = EXCLUDED.time_zone, demo = EXCLUDED.demo,
                version = locations.version + 1, updated_at = now()
            WHERE (locations.location_type, locations.url, locations.organization_id, locations.name,
                   locations.alternate_name, locations.description, locations.transportation,
                   ST_AsBinary(locations.point::geometry), locations.confidential,
                   ST_AsBinary(locations.approximate_point::geometry), locations.intake_phone, locations.time_zone,
                   locations.demo)
                  IS DISTINCT FROM (EXCLUDED.location_type, EXCLUDED.url, EXCLUDED.organization_id, EXCLUDED.name,
                   EXCLUDED.alternate_name, EXCLUDED.description, EXCLUDED.transportation,
                   ST_AsBinary(EXCLUDED.point::geometry), EXCLUDED.confidential,
                   ST_AsBinary(EXCLUDED.approximate_point::geometry), EXCLUDED.intake_phone, EXCLUDED.time_zone,
                   EXCLUDED.demo)
            """,
            logger: logger)

        try await connection.query("DELETE FROM addresses WHERE location_id = \(id)", logger: logger)
        if let address = draft.address {
            try await connection.query(
                """
                INSERT INTO addresses (id, location_id, address_1, address_2, city, state_province, postal_code, country)
                VALUES (\(Self.childID(id, "address", 0)), \(id), \(address.address1), \(address.address2),
                        \(address.city), \(address.state), \(address.postalCode.digits), \(address.country))
                """,
                logger: logger)
        }
        try await connection.query("DELETE FROM phones WHERE location_id = \(id)", logger: logger)
        for (index, phone) in draft.phones.enumerated() {
            try await connection.query(
                """
                INSERT INTO phones (id, location_id, number, type, description)
                VALUES (\(Self.childID(id, "phone", index)), \(id), \(phone.number), \(phone.type), \(phone.description))
                """,
                logger: logger)
        }
        try await connection.query("DELETE FROM languages WHERE location_id = \(id)", logger: logger)
        for (index, code) in draft.languages.enumerated() {
            try await connection.query(
                "INSERT INTO languages (id, location_id, code) VALUES (\(Self.childID(id, "language", index)), \(id), \(code))",
                logger: logger)
        }
        try await connection.query("DELETE FROM accessibility WHERE location_id = \(id)", logger: logger)
        if let accessibility = draft.accessibility {
            try await connection.query(
                """
                INSERT INTO accessibility (id, location_id, description)
                VALUES (\(Self.childID(id, "accessibility", 0)), \(id), \(accessibility))
                """,
                logger: logger)
        }
        try await ScheduleRows(logger: logger).replace(draft.schedule, of: .location(id), on: connection)
        try await SearchIndex(logger: logger).refresh(servicesAt: id, on: connection)
    }

    /// How far a point lies from the centre of ZIP code `zip` (nil when Haven does not know it)
    /// and from the nearest ZIP code's centre, in kilometres.
    public func distances(latitude: Double, longitude: Double, zip: String?, on connection: PostgresConnection)
        async throws -> (fromZIP: Double?, fromNearest: Double, nearbyTimeZones: [String])
    {
        // The zones of the ZIP codes within 100 km, and of the nearest one however far: near a
        // zone's border both sides are among them.
        let rows = try await connection.query(
            """
            WITH given AS (SELECT ST_SetSRID(ST_MakePoint(\(longitude), \(latitude)), 4326)::geography AS point)
            SELECT (SELECT ST_Distance(z.point, given.point) / 1000 FROM zip_codes z WHERE z.zip = \(zip)),
                   COALESCE((SELECT ST_Distance(z.point, given.point) / 1000 FROM zip_codes z
                             ORDER BY z.point <-> given.point LIMIT 1), 0),
                   ARRAY(SELECT DISTINCT zone.time_zone FROM (
                             (SELECT z.time_zone FROM zip_codes z ORDER BY z.point <-> given.point LIMIT 1)
                             UNION ALL
                             SELECT z.time_zone FROM zip_codes z WHERE ST_DWithin(z.point, given.point, 100000)
                         ) zone ORDER BY zone.time_zone)
            FROM given
            """,
            logger: logger)
        for try await (fromZIP, fromNearest, zones) in rows.decode((Double?, Double, [String]).self) {
            return (fromZIP, fromNearest, zones)
        }
        return (nil, 0, [])
    }

    /// Child rows get ids derived from their parent, so replacing them on a reseed writes the
    /// same ids again.
    static func childID(_ parent: UUID, _ kind: String, _ index: Int) -> UUID {
        ReferenceData.stableID(kind, "\(parent.uuidString.lowercased()):\(index)")
    }
}
