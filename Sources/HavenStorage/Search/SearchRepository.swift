import Foundation
import HavenCore
import Logging
import PostgresNIO
import Synchronization

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

    /// A candidate and the facts search filters and ranks it on.
    public struct Found: Sendable {
        public var serviceID: UUID
        public var distanceKm: Double?
        public var approximate: Bool
        public var areaMatch: String?
        public var locationID: UUID?
        /// Shared with every other search that meets the service (see `SearchFactsCache`).
        public var facts: Facts
        public var stale: Bool
        /// The key of the service's hours in the search rows (migration 0020): equal keys, equal
        /// hours. Nil without hours.
        public internal(set) var scheduleKey: Int64?
        /// A scan of the statement that found this candidate's pool stopped at its limit, so a
        /// deeper pool may hold more (the same for every candidate of one statement).
        public var poolCut: Bool
        /// Shared with every candidate that keeps the same hours (see `KeptSchedule`).
        public internal(set) var keptSchedule: KeptSchedule?

        public var schedule: WeeklySchedule? { keptSchedule?.schedule }

        public var status: String { facts.status }
        public var needs: [String] { facts.needs }
        public var audiences: [String] { facts.audiences }
        public var languages: [String] { facts.languages }
        public var interpretation: Bool { facts.interpretation }
        public var minimumAge: Int? { facts.minimumAge }
        public var maximumAge: Int? { facts.maximumAge }
        public var free: Bool { facts.free }
    }

    /// What a result shows besides its facts, read for the page only.
    ///
    /// A class, so that a page read from `SearchDetailsCache` shares the kept copy: held by value,
    /// its six strings cost a reference count each on memory that is rarely in the processor's
    /// cache, about a twentieth of the server's time on a search.
    public final class Details: Sendable {
        public let name: String
        public let organizationID: UUID
        public let organizationName: String
        public let url: String?
        public let phone: String?
        public let locationName: String?
        /// Nil for a confidential location outside the curator and admin roles.
        public let address: String?

        init(
            name: String, organizationID: UUID, organizationName: String, url: String?, phone: String?,
            locationName: String?, address: String?
        ) {
            (self.name, self.organizationID, self.organizationName) = (name, organizationID, organizationName)
            (self.url, self.phone, self.locationName, self.address) = (url, phone, locationName, address)
        }
    }

    /// What a page's details are kept under in `SearchDetailsCache`: a confidential location's
    /// address is shown to some roles and not others.
    public struct DetailsKey: Hashable, Sendable {
        public var service: UUID
        public var location: UUID?
        public var fullLocations: Bool
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

    /// What a service must be to be a candidate at all, checked inside the nearest-first scans so
    /// a strict filter (a rare language, a child's age) still finds the nearest services that
    /// pass rather than filtering the nearest few down to none. The search service applies the
    /// same rules again; these only narrow the scan.
    public struct Prefilter: Sendable {
        public var includeClosed = false
        public var includeStale = true
        public var free = false
        public var language: String?
        public var age: Int?

        public init(includeClosed: Bool, includeStale: Bool, free: Bool, language: String?, age: Int?) {
            (self.includeClosed, self.includeStale, self.free, self.language, self.age) =
                (includeClosed, includeStale, free, language, age)
        }
    }

    /// Services within `radiusKm` that meet any requested need and pass `prefilter` (the
    /// `perNeed` nearest per need), plus services whose area covers the place (at most `perNeed`
    /// per need, most local first), narrowed by free text; each with its facts, from `facts`
    /// where it keeps them. `needs` empty means any need.
    public func find(
        near place: Place, radiusKm: Double, needs: [String], text: String?, prefilter: Prefilter, perNeed: Int,
        facts: SearchFactsCache, now: Date = Date(), on connection: PostgresConnection
    ) async throws -> [Found] {
        let box = Self.degrees(kilometres: radiusKm, atLatitude: place.latitude)
        let areas = Self.mostLocalFirst(place.areaKeys)
        let statement = FindStatement(
            longitude: place.longitude, latitude: place.latitude, needs: needs.isEmpty ? ["*"] : needs,
            boxLongitude: box.longitude, boxLatitude: box.latitude, meters: radiusKm * 1000, perNeed: perNeed,
            areaKeys: areas.map(\.key), areaDepths: areas.map(\.depth), staleAfterDays: staleAfterDays, text: text,
            prefilter: prefilter)
        var columns = Candidates()
        for try await row in try await connection.execute(statement, logger: logger) {
            columns = row
        }
        let known = try await self.facts(of: columns.serviceIDs, cache: facts, on: connection)
        let freshSince = now.addingTimeInterval(-Double(staleAfterDays) * 86_400)
        var found: [Found] = []
        found.reserveCapacity(columns.serviceIDs.count)
        for index in columns.serviceIDs.indices {
            // Retired between the two statements: gone from the directory, so from the search.
            guard let facts = known[index] else { continue }
            found.append(
                Found(
                    serviceID: columns.serviceIDs[index], distanceKm: columns.distancesKm[index],
                    approximate: columns.approximate[index], areaMatch: columns.areaKinds[index],
                    locationID: columns.locationIDs[index], facts: facts,
                    stale: facts.lastVerifiedAt.map { $0 < freshSince } ?? true,
                    scheduleKey: columns.scheduleKeys[index], poolCut: columns.poolCut))
        }
        let schedules = try await schedules(of: found, on: connection)
        for index in found.indices {
            found[index].keptSchedule = found[index].scheduleKey.flatMap { schedules[$0] ?? nil }
        }
        return found
    }

    /// The candidates' hours by key: decoded once per key for the life of the server, read from
    /// the database only for keys it has not met yet.
    private func schedules(of found: [Found], on connection: PostgresConnection) async throws
        -> [Int64: KeptSchedule?]
    {
        var known = Self.decodedSchedules.withLock { cache in
            var known: [Int64: KeptSchedule?] = [:]
            for key in found.lazy.compactMap(\.scheduleKey) where known[key] == nil {
                if let schedule = cache[key] { known[key] = schedule }
            }
            return known
        }
        var unknown: [Int64: UUID] = [:]
        for candidate in found {
            if let key = candidate.scheduleKey, known[key] == nil { unknown[key] = candidate.serviceID }
        }
        guard !unknown.isEmpty else { return known }
        // A service whose locations keep different hours has one schedule per location
        // (migration 0032); the candidate carries the key of the one it was found at.
        let services = Array(Set(unknown.values))
        let rows = try await connection.query(
            """
            SELECT search_schedule_key(schedule), schedule::text FROM search_services
            WHERE service_id = ANY(\(services)) AND schedule IS NOT NULL
            UNION ALL
            SELECT schedule_key, schedule::text FROM search_location_hours
            WHERE service_id = ANY(\(services)) AND schedule_key = ANY(\(Array(unknown.keys)))
            """,
            logger: logger)
        var read: [Int64: KeptSchedule?] = [:]
        for try await (key, json) in rows.decode((Int64, String).self) {
            read[key] = Self.decodeSchedule(json).map(KeptSchedule.init)
        }
        let dropped = Self.decodedSchedules.withLock { cache -> [Int64: KeptSchedule?] in
            var dropped: [Int64: KeptSchedule?] = [:]
            if cache.count + read.count > Self.decodedSchedulesLimit {
                // The cache goes on with an empty table of the same size; the full one is released.
                dropped.reserveCapacity(cache.count)
                swap(&dropped, &cache)
            }
            cache.merge(read) { _, new in new }
            return dropped
        }
        BackgroundRelease.release(dropped)
        known.merge(read) { _, new in new }
        return known
    }

    /// Area keys with their depth in the ranking of reaches (ZIP 1, polygon and radius 2,
    /// county 3, state 4, national 5), most local first.
    static func mostLocalFirst(_ keys: [String]) -> [(key: String, depth: Int)] {
        keys.map { key -> (key: String, depth: Int) in
            switch key.prefix(while: { $0 != ":" }) {
            case "zip": (key, 1)
            case "county": (key, 3)
            case "state": (key, 4)
            default: (key, 5)
            }
        }
        .sorted { $0.depth < $1.depth }
    }

    /// The candidates as columns, one position per candidate (`search_candidates`, migration
    /// 0037): one row to send and read instead of about a hundred.
    struct Candidates {
        var serviceIDs: [UUID] = []
        var distancesKm: [Double?] = []
        var approximate: [Bool] = []
        var areaKinds: [String?] = []
        var locationIDs: [UUID?] = []
        var scheduleKeys: [Int64?] = []
        var poolCut = false
    }

    /// The candidate query (`search_candidates`, migrations 0013 and 0037), prepared once per
    /// connection.
    struct FindStatement: PostgresPreparedStatement {
        static let name = "haven_search_candidates"
        static let bindingDataTypes: [PostgresDataType] = [
            .float8, .float8, .textArray, .float8, .float8, .float8, .int4, .textArray, .int4Array, .int4, .text,
            .bool, .bool, .text, .int4, .bool,
        ]
        static let sql = """
            SELECT service_ids, distances_km, approximate, area_kinds, location_ids, schedule_keys, pool_cut
            FROM search_candidates($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            """

        let longitude: Double
        let latitude: Double
        let needs: [String]
        let boxLongitude: Double
        let boxLatitude: Double
        let meters: Double
        let perNeed: Int
        let areaKeys: [String]
        let areaDepths: [Int]
        let staleAfterDays: Int
        let text: String?
        let prefilter: Prefilter

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 16)
            bindings.append(longitude)
            bindings.append(latitude)
            bindings.append(needs)
            bindings.append(boxLongitude)
            bindings.append(boxLatitude)
            bindings.append(meters)
            bindings.append(Int32(perNeed))
            bindings.append(areaKeys)
            bindings.append(areaDepths.map(Int32.init))
            bindings.append(Int32(staleAfterDays))
            bindings.append(text)
            bindings.append(prefilter.includeClosed)
            bindings.append(prefilter.free)
            bindings.append(prefilter.language)
            bindings.append(prefilter.age.map(Int32.init))
            bindings.append(prefilter.includeStale)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Candidates {
            // Read by hand, in the order of `sql`'s columns: see `BinaryRowReader`.
            var columns = BinaryRowReader(row)
            let candidates = Candidates(
                serviceIDs: try columns.uuidArray().map { try Self.required($0) },
                distancesKm: try columns.doubleArray(), approximate: try columns.boolArray().map { $0 ?? false },
                areaKinds: try columns.textArrayWithNulls(), locationIDs: try columns.uuidArray(),
                scheduleKeys: try columns.int64Array(), poolCut: try columns.optionalBool() ?? false)
            let count = candidates.serviceIDs.count
            guard
                [
                    candidates.distancesKm.count, candidates.approximate.count, candidates.areaKinds.count,
                    candidates.locationIDs.count, candidates.scheduleKeys.count,
                ]
                .allSatisfy({ $0 == count })
            else { throw StorageError.unexpectedValue("candidate columns of different lengths") }
            return candidates
        }

        private static func required<Value>(_ value: Value?) throws -> Value {
            guard let value else { throw StorageError.unexpectedValue("NULL in a candidate's service") }
            return value
        }
    }

    /// Names, organizations, phones and locations of the results on a page, by service. A
    /// confidential location's address is left out unless `fullLocations`. A service retired
    /// since it was found is missing from the answer.
    ///
    /// Kept in `cache` while its listener hears `haven_directory` notices (migration 0024), so a
    /// page seen before costs no statement: a change to a service, its organization, a location
    /// or an address empties the cache as soon as it commits. A connection is taken from
    /// `postgres` only for what the cache does not hold.
    public func details(
        of page: [(service: UUID, location: UUID?)], fullLocations: Bool, cache: SearchDetailsCache,
        from postgres: PostgresClient
    ) async throws -> [UUID: Details] {
        let ticket = cache.ticket()
        var details: [UUID: Details] = [:]
        var missing: [DetailsKey] = []
        let keys = page.map { DetailsKey(service: $0.service, location: $0.location, fullLocations: fullLocations) }
        for (key, kept) in zip(keys, cache.values(for: keys)) {
            if let kept { details[key.service] = kept } else { missing.append(key) }
        }
        guard !missing.isEmpty else { return details }
        let statement = DetailsStatement(
            services: missing.map(\.service), locations: missing.map { $0.location ?? Self.noLocation },
            fullLocations: fullLocations)
        let read = try await postgres.withConnection { connection in
            var read: [UUID: Details] = [:]
            for try await (id, shown) in try await connection.execute(statement, logger: logger) {
                read[id] = shown
            }
            return read
        }
        details.merge(read) { _, new in new }
        if let ticket {
            for key in missing {
                if let shown = details[key.service] { cache.store(shown, for: key, ticket: ticket) }
            }
        }
        return details
    }

    /// Stands for "reached by area, no location" in the page's location array.
    static let noLocation = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    struct DetailsStatement: PostgresPreparedStatement {
        static let name = "haven_search_details"
        static let bindingDataTypes: [PostgresDataType] = [.uuidArray, .uuidArray, .bool]
        static let sql = """
            SELECT f.service_id, f.name, f.organization_id, f.organization_name, f.url, f.phone, l.name,
                   CASE WHEN l.confidential AND NOT $3 THEN NULL ELSE
                       (SELECT ad.address_1 || ', ' || ad.city || ', ' || ad.state_province || ' ' || ad.postal_code
                        FROM addresses ad WHERE ad.location_id = l.id ORDER BY ad.id LIMIT 1) END
            FROM unnest($1::uuid[], $2::uuid[]) AS page (service_id, location_id)
            JOIN search_services f ON f.service_id = page.service_id
            LEFT JOIN locations l ON l.id = page.location_id
            """

        let services: [UUID]
        let locations: [UUID]
        let fullLocations: Bool

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(services)
            bindings.append(locations)
            bindings.append(fullLocations)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> (UUID, Details) {
            let columns = try row.decode((UUID, String, UUID, String, String?, String?, String?, String?).self)
            return (
                columns.0,
                Details(
                    name: columns.1, organizationID: columns.2, organizationName: columns.3, url: columns.4,
                    phone: columns.5, locationName: columns.6, address: columns.7)
            )
        }
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

    /// Decoded schedules by key. Most services share a handful of schedules ("weekdays 9 to 5" in
    /// a few time zones), and decoding JSON for every candidate of every search was a fifth of
    /// the server's CPU. Emptied when full, so memory stays bounded whatever the data; the
    /// schedules it drops are released off the request's thread and outside the lock.
    private static let decodedSchedules = Mutex<[Int64: KeptSchedule?]>([:])
    static let decodedSchedulesLimit = 4096

    private static func decodeSchedule(_ json: String) -> WeeklySchedule? {
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

/// Names, phones and addresses of results shown before (see `SearchRepository.details`). Five
/// minutes at most, 50,000 results (about 20 MB) at most.
public typealias SearchDetailsCache = NoticedCache<SearchRepository.DetailsKey, SearchRepository.Details>

extension NoticedCache where Key == SearchRepository.DetailsKey, Value == SearchRepository.Details {
    public convenience init() {
        self.init(lifetime: .seconds(300), capacity: 50_000)
    }
}

/// A service's decoded hours, shared by reference: a candidate is copied several times while it
/// is ranked, and a schedule held by value (a time zone and two arrays) cost three reference
/// counts per copy, about a twentieth of the server's time on a search.
public final class KeptSchedule: Sendable {
    public let schedule: WeeklySchedule

    init(_ schedule: WeeklySchedule) { self.schedule = schedule }
}
