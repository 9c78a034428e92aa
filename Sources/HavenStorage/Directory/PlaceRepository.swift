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

    /// Of `counties` (`STATE:County name`) and `zips`, those no ZIP code of Haven's lies in: a
    /// misspelt county would be an area that covers no family, silently.
    public func unknownAreas(counties: [String], zips: [String], on connection: PostgresConnection) async throws
        -> (counties: Set<String>, zips: Set<String>)
    {
        guard !counties.isEmpty || !zips.isEmpty else { return ([], []) }
        let rows = try await connection.query(
            """
            SELECT 'county', c FROM unnest(\(counties)::text[]) AS c
            WHERE NOT EXISTS (SELECT 1 FROM zip_codes z WHERE z.state || ':' || z.county = c)
            UNION ALL
            SELECT 'zip', c FROM unnest(\(zips)::text[]) AS c
            WHERE NOT EXISTS (SELECT 1 FROM zip_codes z WHERE z.zip = c)
            """,
            logger: logger)
        var unknown: (counties: Set<String>, zips: Set<String>) = ([], [])
        for try await (kind, value) in rows.decode((String, String).self) {
            if kind == "county" { unknown.counties.insert(value) } else { unknown.zips.insert(value) }
        }
        return unknown
    }
}
