import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

/// The search parameters as they arrive: all text, so one 422 can name every bad one.
struct SearchParameters: Sendable, Equatable {
    var zip: String?
    var near: String?
    var radiusKm: String?
    var needs: [String]
    var text: String?
    var language: String?
    var age: String?
    var audiences: [String]
    var openNow: String?
    var openAt: String?
    var free: String?
    var includeClosed: String?
    var includeStale: String?
    var limit: Int?
    var cursor: String?
}

/// One ranked result, with what it shows once it is on a page.
struct SearchHit: Sendable {
    let found: SearchRepository.Found
    let opening: OpeningStatus?
    /// The requested needs it meets, from ranking's `NeedMatcher`; nil when it compared codes.
    let metNeeds: UInt64?
    var match: SearchMatch
    var details: SearchRepository.Details?

    /// Scored by `SearchScoring`; with its reasons only when `explained`.
    init(
        found: SearchRepository.Found, opening: OpeningStatus?, metNeeds: UInt64?, request: SearchRequest,
        labels: [String: String], explained: Bool
    ) {
        (self.found, self.opening, self.metNeeds) = (found, opening, metNeeds)
        let candidate = SearchCandidate(
            serviceNeeds: found.needs, distanceKm: found.distanceKm, approximate: found.approximate,
            areaMatch: found.areaMatch, languages: found.languages, interpretation: found.interpretation,
            minimumAge: found.minimumAge, maximumAge: found.maximumAge, opening: opening, stale: found.stale,
            metNeeds: metNeeds)
        match = SearchScoring.match(candidate, for: request, needLabels: labels, explained: explained)
    }
}

/// Service search: where, what, who and when, ranked by `SearchScoring` and paged by a cursor
/// on the ranking itself.
struct SearchService: Sendable {
    static let maximumRadiusKm = 500.0
    /// Candidates ranked per requested need: the nearest that pass the filters, and as many
    /// reached by service area. A first page starts with 40 (two full pages per need) and takes
    /// the next pool only when its page comes up short while the pool was cut off: opening hours,
    /// audiences and free text are checked after the candidates are chosen, so on a Sunday the 40
    /// nearest can all be closed while open services lie a little farther out. The cursor carries
    /// the pool its first page used, and a search pages through at most that pool.
    static let candidatePools = [40, 160, 640]
    static var candidatesPerNeed: Int { candidatePools[0] }

    let postgres: PostgresClient
    let repository: SearchRepository
    let taxonomies: TaxonomyRepository
    /// ZIP codes' places and needs' labels are reference data: they change when a new taxonomy
    /// or ZIP table is loaded, not between searches. Kept here, a search costs two statements
    /// (candidates, then the page's details) instead of four. A label renamed by an import shows
    /// within a minute; an unknown code is never kept, so a new need is found at once.
    let places = ExpiringCache<String, SearchRepository.Place>(lifetime: .seconds(3600), capacity: 50_000)
    let needLabels = ExpiringCache<String, String>(lifetime: .seconds(60), capacity: 5_000)
    let moments = ExpiringCache<String, LocalMoment>(lifetime: .seconds(120), capacity: 2_000)

    /// Services' facts and results' names, phones and addresses met before, kept while the
    /// server hears of directory changes.
    let caches: SearchCaches
    let staleAfterDays: Int
    /// Where the candidates' statements are read (`withDatabaseConnection`).
    let databaseLoops: (any EventLoopGroup)?

    init(
        postgres: PostgresClient, logger: Logger, staleAfterDays: Int, caches: SearchCaches,
        databaseLoops: (any EventLoopGroup)? = nil
    ) {
        self.postgres = postgres
        self.databaseLoops = databaseLoops
        self.caches = caches
        self.staleAfterDays = staleAfterDays
        repository = SearchRepository(logger: logger, staleAfterDays: staleAfterDays)
        taxonomies = TaxonomyRepository(logger: logger)
    }

    func search(_ scope: RequestScope, _ parameters: SearchParameters, now: Date = Date()) async throws -> Page<
        SearchHit
    > {
        var query = try Query(parameters)
        query.request.staleAfterDays = staleAfterDays
        let limit = try Paging.limit(parameters.limit)
        var after: SearchCursor?
        if let cursor = parameters.cursor {
            guard let parsed = SearchCursor(cursor), Self.candidatePools.contains(parsed.pool) else {
                throw AccessFailure.unknownCursor
            }
            after = parsed
        }
        let fullLocations = try DirectoryService.view(for: scope) == .full
        // Later pages judge opening hours at the first page's moment (see `SearchCursor`).
        let moment = after?.moment ?? Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        // A connection is held for the statements only: ranking, the page and its JSON run after
        // it is back in the pool, so the next search's statement need not wait for them.
        var pool = after?.pool ?? Self.candidatePools[0]
        let firstPool = pool
        let (labels, place, firstFound) = try await withDatabaseConnection(postgres, on: databaseLoops) {
            connection -> ([String: String], SearchRepository.Place, [SearchRepository.Found]) in
            let known = try await self.labels(of: query.request.needs, on: connection)
            let unknown = query.request.needs.filter { known[$0] == nil }
            let unknownAudiences = try await taxonomies.unknownCodes(query.audiences, in: .audiences, on: connection)
            if !unknown.isEmpty || !unknownAudiences.isEmpty {
                throw AccessFailure.invalid(
                    unknown.map { FieldError(pointer: "/needs", detail: "'\($0)' is not a need in the taxonomy") }
                        + unknownAudiences.map {
                            FieldError(pointer: "/audience", detail: "'\($0)' is not an audience")
                        })
            }
            let place = try await self.place(of: query.location, on: connection)
            return (
                known, place, try await candidates(query, near: place, perNeed: firstPool, now: now, on: connection)
            )
        }
        var found = firstFound
        var ranked: Ranking
        while true {
            ranked = rank(found, for: query, labels: labels, now: moment)
            // Later pages keep their first page's pool, so every result shows exactly once. The
            // statement says whether a scan stopped at its limit (migration 0030): it counts the
            // rows each scan read, which can be more than the services they came to (a service
            // with several offices nearby). With free text the server cannot tell what the text
            // left out, so it looks deeper anyway.
            guard after == nil, ranked.order.count <= limit,
                query.text != nil || found.first?.poolCut == true,
                let deeper = Self.candidatePools.first(where: { $0 > pool })
            else { break }
            pool = deeper
            found = try await withDatabaseConnection(postgres, on: databaseLoops) { connection in
                try await candidates(query, near: place, perNeed: deeper, now: now, on: connection)
            }
        }
        let remaining = after.map { cursor in ranked.order.filter { cursor.key < $0.key } } ?? ranked.order
        let next =
            remaining.count > limit
            ? SearchCursor(key: remaining[limit - 1].key, pool: pool, moment: moment).encoded : nil
        // Names, phones and addresses for the page only (a confidential address stays hidden
        // outside the curator and admin roles).
        let page = remaining.prefix(limit).map { ranked.hits[$0.index] }
        let details = try await repository.details(
            of: page.map { ($0.found.serviceID, $0.found.locationID) }, fullLocations: fullLocations,
            cache: caches.details, from: postgres)
        let shown = page.compactMap { hit -> SearchHit? in
            // Retired since the candidates were read: gone from the directory, so from the page.
            guard let shown = details[hit.found.serviceID] else { return nil }
            var explained = SearchHit(
                found: hit.found, opening: hit.opening, metNeeds: hit.metNeeds, request: query.request, labels: labels,
                explained: true)
            explained.details = shown
            return explained
        }
        return Page(items: shown, nextCursor: next)
    }

    private func candidates(
        _ query: Query, near place: SearchRepository.Place, perNeed: Int, now: Date, on connection: PostgresConnection
    ) async throws -> [SearchRepository.Found] {
        try await repository.find(
            near: place, radiusKm: query.request.radiusKm, needs: query.request.needs, text: query.text,
            prefilter: query.prefilter, perNeed: perNeed, facts: caches.facts, now: now, on: connection)
    }

    /// The candidates the filters admit, scored, and their ranking order. Hits stay where they
    /// were scored: only the page's are copied out, not the whole pool's.
    struct Ranking {
        var hits: [SearchHit]
        /// Best first: each hit's key and its place in `hits`.
        var order: [(key: RankKey, index: Int)]
    }

    private func rank(
        _ found: [SearchRepository.Found], for query: Query, labels: [String: String], now: Date
    ) -> Ranking {
        let moment = query.openAt ?? now
        // The wall clock is read once per time zone and minute, not once per candidate: a
        // calendar's arithmetic cost more than scoring a candidate.
        var moments: [String: LocalMoment?] = [:]
        // Most candidates share a handful of schedules, so each is judged once per search.
        var statuses: [Int64: OpeningStatus?] = [:]
        var matcher =
            query.request.needs.isEmpty
            ? nil : NeedMatcher(needs: query.request.needs, codes: NeedNumbering.shared.codes)
        let hits = found.compactMap { found -> SearchHit? in
            var opening: OpeningStatus?
            if let kept = found.keptSchedule, let key = found.scheduleKey {
                if let known = statuses[key] {
                    opening = known
                } else {
                    let schedule = kept.schedule
                    if moments[schedule.timeZone] == nil {
                        moments[schedule.timeZone] = localMoment(moment, in: schedule.timeZone)
                    }
                    opening = moments[schedule.timeZone]!.map { schedule.status(at: $0) }
                    statuses[key] = opening
                }
            }
            let met = found.facts.needNumbers.flatMap { matcher?.met($0) }
            guard query.admits(found, opening: opening, metNeeds: met) else { return nil }
            // Scored only: the reasons are written for the page.
            return SearchHit(
                found: found, opening: opening, metNeeds: met, request: query.request, labels: labels,
                explained: false)
        }
        // Keys are built once and sorted with the hits' positions: sorting the hits themselves
        // moved whole results around on every swap.
        return Ranking(
            hits: hits, order: hits.indices.map { (key: RankKey(hits[$0]), index: $0) }.sorted { $0.key < $1.key })
    }

    /// The local date and time at `instant` in `zone`, from the cache when another search asked
    /// within the same minute (seconds do not change opening hours, and zones' offsets are whole
    /// minutes).
    private func localMoment(_ instant: Date, in zone: String) -> LocalMoment? {
        let minute = Int((instant.timeIntervalSince1970 / 60).rounded(.down))
        let key = "\(minute) \(zone)"
        if let known = moments.value(for: key) { return known }
        let moment = LocalMoment(Date(timeIntervalSince1970: Double(minute) * 60), timeZone: zone)
        if let moment { moments.store(moment, for: key) }
        return moment
    }

    /// English labels of the known need codes among `codes`, from the cache where it has them.
    private func labels(of codes: [String], on connection: PostgresConnection) async throws -> [String: String] {
        var labels: [String: String] = [:]
        var missing: [String] = []
        for code in codes {
            if let label = needLabels.value(for: code) { labels[code] = label } else { missing.append(code) }
        }
        guard !missing.isEmpty else { return labels }
        for (code, label) in try await taxonomies.names(of: missing, in: .needs, on: connection) {
            needLabels.store(label, for: code)
            labels[code] = label
        }
        return labels
    }

    private func place(of location: Query.Location, on connection: PostgresConnection) async throws
        -> SearchRepository.Place
    {
        switch location {
        case .zip(let zip):
            if let known = places.value(for: zip.digits) { return known }
            guard let known = try await repository.place(zip: zip, on: connection) else {
                throw AccessFailure.invalid([FieldError(pointer: "/zip", detail: "Haven knows no ZIP code \(zip)")])
            }
            places.store(known, for: zip.digits)
            return known
        case .point(let latitude, let longitude):
            return try await repository.place(latitude: latitude, longitude: longitude, on: connection)
        }
    }

    /// Best first: higher score, then nearer, then id; the cursor is the last key shown.
    struct RankKey: Comparable {
        let score: Double
        let distance: Double
        let id: UUID

        init(_ hit: SearchHit) {
            score = hit.match.score
            distance = hit.found.distanceKm ?? .greatestFiniteMagnitude
            id = hit.found.serviceID
        }

        init(score: Double, distance: Double, id: UUID) {
            (self.score, self.distance, self.id) = (score, distance, id)
        }

        static func < (lhs: RankKey, rhs: RankKey) -> Bool {
            if lhs.score != rhs.score { return lhs.score > rhs.score }
            if lhs.distance != rhs.distance { return lhs.distance < rhs.distance }
            // Byte order, which is the order of the lowercase text cursors carry: sorting by
            // formatted strings formatted a UUID per comparison.
            return withUnsafeBytes(of: lhs.id.uuid) { left in
                withUnsafeBytes(of: rhs.id.uuid) { right in left.lexicographicallyPrecedes(right) }
            }
        }
    }

    /// Where the next page starts: after the last key shown, in the pool the first page used, with
    /// opening hours judged at the first page's moment. Scores depend on the moment (open now or
    /// not), so a later page judged at its own would move services across the cursor: some
    /// shown twice, others never.
    struct SearchCursor {
        let key: RankKey
        let pool: Int
        /// The first page's moment, to the second; nil in a cursor given out before it was kept.
        let moment: Date?

        init(key: RankKey, pool: Int, moment: Date) {
            (self.key, self.pool) = (key, pool)
            self.moment = Date(timeIntervalSince1970: moment.timeIntervalSince1970.rounded(.down))
        }

        /// A cursor from before pools could grow has three values and the first pool; one from
        /// before the moment was kept has four.
        init?(_ encoded: String) {
            guard let values = OpaqueCursor(encoded: encoded)?.values, (3...5).contains(values.count),
                let score = Double(values[0]), let distance = Double(values[1]), let id = UUID(uuidString: values[2]),
                let pool = values.count >= 4 ? Int(values[3]) : SearchService.candidatePools[0]
            else { return nil }
            var moment: Date?
            if values.count == 5 {
                guard let seconds = Int(values[4]) else { return nil }
                moment = Date(timeIntervalSince1970: Double(seconds))
            }
            (key, self.pool, self.moment) = (RankKey(score: score, distance: distance, id: id), pool, moment)
        }

        var encoded: String {
            var values = [String(key.score), String(key.distance), key.id.apiString, String(pool)]
            if let moment { values.append(String(Int(moment.timeIntervalSince1970))) }
            return OpaqueCursor(values: values).encoded
        }
    }

    /// The parameters, checked: every malformed one is reported by name at once.
    struct Query {
        enum Location {
            case zip(ZIPCode)
            case point(Double, Double)
        }

        var location: Location
        var request: SearchRequest
        var text: String?
        var audiences: [String]
        var openAt: Date?
        /// Only what is open at the search's moment (`open_now=true`).
        var openNow: Bool
        var free: Bool
        var includeClosed: Bool
        var includeStale: Bool

        init(_ parameters: SearchParameters) throws {
            var errors: [FieldError] = []
            func flag(_ value: String?, _ name: String, default fallback: Bool) -> Bool {
                guard let value else { return fallback }
                switch value.lowercased() {
                case "true", "1", "yes": return true
                case "false", "0", "no": return false
                default:
                    errors.append(FieldError(pointer: "/\(name)", detail: "must be true or false"))
                    return fallback
                }
            }
            var location: Location?
            switch (parameters.zip, parameters.near) {
            case (.some, .some):
                errors.append(FieldError(pointer: "/near", detail: "give zip or near, not both"))
            case (.some(let zip), nil):
                if let parsed = ZIPCode(zip) {
                    location = .zip(parsed)
                } else {
                    errors.append(FieldError(pointer: "/zip", detail: "must be five digits, or ZIP+4"))
                }
            case (nil, .some(let near)):
                let parts = near.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                if parts.count == 2, let latitude = parts[0], let longitude = parts[1], (-90...90).contains(latitude),
                    (-180...180).contains(longitude)
                {
                    location = .point(latitude, longitude)
                } else {
                    errors.append(FieldError(pointer: "/near", detail: "must be 'latitude,longitude' in degrees"))
                }
            case (nil, nil):
                errors.append(FieldError(pointer: "/zip", detail: "give the family's ZIP code (or near=lat,lon)"))
            }
            var radius = 40.0
            if let raw = parameters.radiusKm {
                if let value = Double(raw), value > 0, value <= SearchService.maximumRadiusKm {
                    radius = value
                } else {
                    errors.append(
                        FieldError(pointer: "/radius_km", detail: "must be a distance above 0 and at most 500 km"))
                }
            }
            var needs: [String] = []
            // A need asked for twice is one need: "meets 2 of 2" must not count it twice.
            for need in parameters.needs.flatMap({ $0.split(separator: ",").map(String.init) })
            where !needs.contains(need) {
                needs.append(need)
            }
            for need in needs where !TaxonomyCode.isValid(need) {
                errors.append(FieldError(pointer: "/needs", detail: "'\(need.prefix(60))' is not a taxonomy code"))
            }
            let audiences = parameters.audiences.flatMap { $0.split(separator: ",").map(String.init) }
            for audience in audiences where !TaxonomyCode.isValid(audience) {
                errors.append(
                    FieldError(pointer: "/audience", detail: "'\(audience.prefix(60))' is not an audience code"))
            }
            var language: String?
            if let raw = parameters.language {
                if LanguageCodes.isKnown(raw.lowercased()) {
                    language = raw.lowercased()
                } else {
                    errors.append(
                        FieldError(pointer: "/language", detail: "'\(raw.prefix(20))' is not an ISO 639 code"))
                }
            }
            var age: Int?
            if let raw = parameters.age {
                if let value = Int(raw), (0...120).contains(value) {
                    age = value
                } else {
                    errors.append(FieldError(pointer: "/age", detail: "must be an age from 0 to 120"))
                }
            }
            var openAt: Date?
            if let raw = parameters.openAt {
                if let date = ISO8601Moment.date(from: raw) {
                    openAt = date
                } else {
                    errors.append(FieldError(pointer: "/open_at", detail: "must be an ISO 8601 date-time with a zone"))
                }
            }
            let openNow = flag(parameters.openNow, "open_now", default: false)
            if openNow && parameters.openAt != nil {
                errors.append(FieldError(pointer: "/open_at", detail: "give open_now or open_at, not both"))
            }
            self.openNow = openNow
            let text = parameters.text?.trimmingCharacters(in: .whitespacesAndNewlines)
            if let text, text.count > 200 {
                errors.append(FieldError(pointer: "/q", detail: "must be at most 200 characters"))
            }
            // PostgreSQL cannot hold a NUL in text, and no one types a control character.
            if let text, text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                errors.append(FieldError(pointer: "/q", detail: "must not contain control characters"))
            }
            let free = flag(parameters.free, "free", default: false)
            let includeClosed = flag(parameters.includeClosed, "include_closed", default: false)
            let includeStale = flag(parameters.includeStale, "include_stale", default: true)
            guard errors.isEmpty, let location else { throw AccessFailure.invalid(errors) }
            self.location = location
            request = SearchRequest(
                needs: needs, radiusKm: radius, language: language, age: age, audiences: audiences,
                atChosenMoment: openAt != nil)
            self.text = text?.isEmpty == true ? nil : text
            self.audiences = audiences
            self.openAt = openAt
            self.free = free
            self.includeClosed = includeClosed
            self.includeStale = includeStale
        }

        /// The filters the candidate scans can apply themselves.
        var prefilter: SearchRepository.Prefilter {
            SearchRepository.Prefilter(
                includeClosed: includeClosed, includeStale: includeStale, free: free, language: request.language,
                age: request.age)
        }

        /// The filters: what the family cannot use is left out, not just ranked lower. `metNeeds`
        /// is `NeedMatcher`'s answer for the candidate, when it has one.
        func admits(_ found: SearchRepository.Found, opening: OpeningStatus?, metNeeds: UInt64?) -> Bool {
            if !includeClosed && found.status != "active" { return false }
            if !includeStale && found.stale { return false }
            if free && !found.free { return false }
            if let language = request.language, !found.languages.contains(language) && !found.interpretation {
                return false
            }
            if let age = request.age, age < (found.minimumAge ?? 0) || age > (found.maximumAge ?? 120) { return false }
            for audience in audiences where !SearchScoring.meets(audience, found.audiences) { return false }
            if (openNow || openAt != nil) && opening?.isOpen != true { return false }
            if !request.needs.isEmpty {
                if let metNeeds {
                    if metNeeds == 0 { return false }
                } else if !request.needs.contains(where: { SearchScoring.meets($0, found.needs) }) {
                    return false
                }
            }
            return true
        }
    }
}
