import Foundation
import HavenCore
import Logging
import PostgresNIO

/// Finds the services near a point (or reaching it through a service area) that meet the
/// requested needs, and reads what ranking and filtering need about each. All of search's SQL
/// lives here.
public struct SearchRepository: Sendable {
    /// Where the family is, with the keys of the areas that contain it.
    public struct Place: Sendable {
        public var latitude: Double
        public var longitude: Double
        /// `national`, `state:IL`, `county:IL:Cook County`, `zip:60614`.
        public var areaKeys: [String]
        public var timeZone: String?
    }

    /// A candidate and the facts about it.
    public struct Found: Sendable {
        public var serviceID: UUID
        public var name: String
        public var organizationID: UUID
        public var organizationName: String
        public var status: String
        public var url: String?
        public var phone: String?
        public var distanceKm: Double?
        public var approximate: Bool
        public var areaMatch: String?
        public var locationID: UUID?
        public var locationName: String?
        /// Nil for a confidential location outside the curator and admin roles.
        public var address: String?
        public var needs: [String]
        public var audiences: [String]
        public var languages: [String]
        public var interpretation: Bool
        public var minimumAge: Int?
        public var maximumAge: Int?
        public var free: Bool
        public var stale: Bool
        public var schedule: WeeklySchedule?
    }

    let logger: Logger
    let staleAfterDays: Int

    public init(logger: Logger, staleAfterDays: Int) {
        self.logger = logger
        self.staleAfterDays = staleAfterDays
    }

    /// The place of a ZIP code, or nil when Haven does not know it.
    public func place(zip: ZIPCode, on connection: PostgresConnection) async throws -> Place? {
        let rows = try await connection.query(
            """
            SELECT ST_Y(point::geometry), ST_X(point::geometry), state, county, zip, time_zone
            FROM zip_codes WHERE zip = \(zip.digits)
            """,
            logger: logger)
        for try await (latitude, longitude, state, county, zip, zone) in rows.decode(
            (Double, Double, String, String?, String, String).self)
        {
            return Place(
                latitude: latitude, longitude: longitude,
                areaKeys: Self.keys(state: state, county: county, zip: zip), timeZone: zone)
        }
        return nil
    }

    /// A point, with the areas of its nearest ZIP centroid.
    public func place(latitude: Double, longitude: Double, on connection: PostgresConnection) async throws -> Place {
        let rows = try await connection.query(
            """
            SELECT state, county, zip, time_zone FROM zip_codes
            ORDER BY point <-> ST_SetSRID(ST_MakePoint(\(longitude), \(latitude)), 4326)::geography LIMIT 1
            """,
            logger: logger)
        for try await (state, county, zip, zone) in rows.decode((String, String?, String, String).self) {
            return Place(
                latitude: latitude, longitude: longitude, areaKeys: Self.keys(state: state, county: county, zip: zip),
                timeZone: zone)
        }
        return Place(latitude: latitude, longitude: longitude, areaKeys: ["national"], timeZone: nil)
    }

    static func keys(state: String, county: String?, zip: String) -> [String] {
        ["national", "state:\(state)", "zip:\(zip)"] + (county.map { ["county:\(state):\($0)"] } ?? [])
    }

    /// Services within `radiusKm` that meet any requested need (nearest first, at most
    /// `perNeed` per need), plus services whose area covers the place; then the facts about
    /// each, narrowed by free text. `needs` empty means any need.
    public func find(
        near place: Place, radiusKm: Double, needs: [String], text: String?, perNeed: Int,
        on connection: PostgresConnection
    ) async throws -> [Found] {
        let wanted = needs.isEmpty ? ["*"] : needs
        let box = Self.degrees(kilometres: radiusKm, atLatitude: place.latitude)
        let rows = try await connection.query(
            """
            WITH here AS (
                SELECT ST_SetSRID(ST_MakePoint(\(place.longitude), \(place.latitude)), 4326) AS g,
                       ST_SetSRID(ST_MakePoint(\(place.longitude), \(place.latitude)), 4326)::geography AS p
            ), wanted AS (
                SELECT unnest(\(wanted)::text[]) AS need
            ), near AS (
                SELECT DISTINCT ON (k.service_id) k.service_id, k.location_id, k.meters, k.approximate
                FROM wanted w CROSS JOIN here
                CROSS JOIN LATERAL (
                    -- Planar KNN inside a box that holds the radius, then the exact check on the sphere.
                    SELECT sp.service_id, sp.location_id, sp.approximate,
                           ST_Distance(sp.point::geography, here.p) AS meters
                    FROM search_points sp
                    WHERE sp.need = w.need
                      AND sp.point && ST_Expand(here.g, \(box.longitude), \(box.latitude))
                      AND ST_DWithin(sp.point::geography, here.p, \(radiusKm * 1000), false)
                    ORDER BY sp.point <-> here.g
                    LIMIT \(perNeed)
                ) k
                ORDER BY k.service_id, k.meters
            ), reached AS (
                SELECT service_id, kind, CASE kind WHEN 'zip' THEN 1 WHEN 'polygon' THEN 2 WHEN 'radius' THEN 2
                                                   WHEN 'county' THEN 3 WHEN 'state' THEN 4 ELSE 5 END AS rank
                FROM search_area_keys WHERE area_key = ANY(\(place.areaKeys)) AND need = ANY(\(wanted))
                UNION ALL
                SELECT sh.service_id, sh.kind, 2 FROM search_area_shapes sh, here, wanted w
                WHERE sh.need = w.need AND ST_Covers(sh.area, here.p)
            ), area AS (
                -- The most local reach per service; at most `perNeed` services per need reached only
                -- by area (national lines alone number thousands at scale), most local first.
                SELECT service_id, kind FROM (
                    SELECT DISTINCT ON (service_id) service_id, kind, rank FROM reached ORDER BY service_id, rank
                ) best
                ORDER BY rank, service_id
                LIMIT \(perNeed * wanted.count)
            ), candidates AS (
                SELECT c.service_id, near.location_id, near.meters, COALESCE(near.approximate, false) AS approximate,
                       area.kind AS area_kind
                FROM (SELECT service_id FROM near UNION SELECT service_id FROM area) c
                LEFT JOIN near ON near.service_id = c.service_id
                LEFT JOIN area ON area.service_id = c.service_id
            )
            SELECT f.service_id, f.name, f.organization_id, f.organization_name, f.status, f.url, f.phone,
                   c.meters / 1000.0, c.approximate, c.area_kind, c.location_id, f.needs, f.audiences, f.languages,
                   f.interpretation, f.minimum_age, f.maximum_age, f.free,
                   f.last_verified_at IS NULL
                       OR f.last_verified_at < now() - make_interval(days => \(staleAfterDays)::int),
                   f.schedule::text
            FROM candidates c
            JOIN search_services f ON f.service_id = c.service_id
            -- Free text runs on the geographic candidates only. Full-text search catches word forms;
            -- trigram word similarity (0.4) catches misspellings such as "councelling".
            WHERE \(text)::text IS NULL
               OR to_tsvector('english', f.search_text) @@ websearch_to_tsquery('english', \(text))
               OR word_similarity(\(text), f.search_text) >= 0.4
            """,
            logger: logger)
        var found: [Found] = []
        for try await row in rows {
            let columns = try row.decode(
                (
                    UUID, String, UUID, String, String, String?, String?, Double?, Bool, String?, UUID?, [String],
                    [String], [String], Bool, Int?, Int?, Bool, Bool, String?
                ).self)
            found.append(
                Found(
                    serviceID: columns.0, name: columns.1, organizationID: columns.2, organizationName: columns.3,
                    status: columns.4, url: columns.5, phone: columns.6, distanceKm: columns.7, approximate: columns.8,
                    areaMatch: columns.9, locationID: columns.10, locationName: nil, address: nil,
                    needs: columns.11, audiences: columns.12, languages: columns.13, interpretation: columns.14,
                    minimumAge: columns.15, maximumAge: columns.16, free: columns.17, stale: columns.18,
                    schedule: columns.19.flatMap(Self.schedule)))
        }
        return found
    }

    /// Names and addresses of the locations results are shown with: read for one page only.
    /// A confidential location's address is left out unless `fullLocations`.
    public func locationDetails(_ ids: [UUID], fullLocations: Bool, on connection: PostgresConnection) async throws
        -> [UUID: (name: String?, address: String?)]
    {
        guard !ids.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT l.id, l.name,
                   CASE WHEN l.confidential AND NOT \(fullLocations) THEN NULL ELSE
                       (SELECT ad.address_1 || ', ' || ad.city || ', ' || ad.state_province || ' ' || ad.postal_code
                        FROM addresses ad WHERE ad.location_id = l.id ORDER BY ad.id LIMIT 1) END
            FROM locations l WHERE l.id = ANY(\(ids))
            """,
            logger: logger)
        var details: [UUID: (name: String?, address: String?)] = [:]
        for try await (id, name, address) in rows.decode((UUID, String?, String?).self) {
            details[id] = (name, address)
        }
        return details
    }

    /// Half-widths in degrees of a box holding a circle of `kilometres` around a point at
    /// `latitude` (a degree of longitude shrinks towards the poles).
    static func degrees(kilometres: Double, atLatitude latitude: Double) -> (latitude: Double, longitude: Double) {
        let latitudeDegrees = kilometres / 111.32 * 1.01
        let shrink = max(cos(latitude * .pi / 180), 0.01)
        return (latitudeDegrees, min(latitudeDegrees / shrink, 180))
    }

    private static let scheduleDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// The schedule JSON built above, as a `WeeklySchedule`.
    static func schedule(_ json: String) -> WeeklySchedule? {
        struct Stored: Decodable {
            struct Hours: Decodable {
                let byday: String
                let opensAt: String
                let closesAt: String
            }
            struct Exception: Decodable {
                let startsOn: String
                let endsOn: String
                let closed: Bool
                let opensAt: String?
                let closesAt: String?
            }
            let timeZone: String
            let open247: Bool
            let hours: [Hours]
            let exceptions: [Exception]
        }
        guard let stored = try? scheduleDecoder.decode(Stored.self, from: Data(json.utf8)) else { return nil }
        let hours = stored.hours.compactMap { row -> OpeningHours? in
            guard let days = Weekday.parseList(row.byday), let opens = LocalTime(row.opensAt),
                let closes = LocalTime(row.closesAt)
            else { return nil }
            return OpeningHours(days: days, opens: opens, closes: closes)
        }
        let exceptions = stored.exceptions.compactMap { row -> ScheduleException? in
            guard let starts = CalendarDate(row.startsOn), let ends = CalendarDate(row.endsOn) else { return nil }
            return ScheduleException(
                startsOn: starts, endsOn: ends, closed: row.closed, opens: row.opensAt.flatMap(LocalTime.init),
                closes: row.closesAt.flatMap(LocalTime.init))
        }
        return WeeklySchedule(
            timeZone: stored.timeZone, alwaysOpen: stored.open247, hours: hours, exceptions: exceptions)
    }
}
