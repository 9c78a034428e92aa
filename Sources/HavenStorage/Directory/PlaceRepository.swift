import HavenCore
import Logging
import PostgresNIO

/// The ZIP reference table.
public struct PlaceRepository: Sendable {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func find(_ zip: ZIPCode, on connection: PostgresConnection) async throws -> Place? {
        let rows = try await connection.query(
            """
            SELECT city, state, county, time_zone, ST_Y(point::geometry), ST_X(point::geometry), kind, active
            FROM zip_codes WHERE zip = \(zip.digits)
            """,
            logger: logger
        )
        for try await (city, state, county, zone, latitude, longitude, kind, active) in rows.decode(
            (String, String, String?, String, Double, Double, String, Bool).self)
        {
            return Place(
                zip: zip, city: city, state: state, county: county, timeZone: zone, latitude: latitude,
                longitude: longitude, kind: kind, active: active)
        }
        return nil
    }
}
