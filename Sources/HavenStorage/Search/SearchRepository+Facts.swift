import Foundation
import HavenCore
import PostgresNIO

extension SearchRepository {
    /// What search filters and ranks a service on, whatever the search: its status, needs,
    /// audiences, languages, ages, cost and when it was last verified (`search_services`).
    ///
    /// A class so that every candidate of every search that meets the service shares one copy:
    /// a candidate is copied several times while it is ranked.
    public final class Facts: Sendable {
        public let status: String
        public let needs: [String]
        /// `needs` numbered by `NeedNumbering.shared`, for `NeedMatcher`; nil once it is full.
        public let needNumbers: [UInt16]?
        public let audiences: [String]
        public let languages: [String]
        public let interpretation: Bool
        public let minimumAge: Int?
        public let maximumAge: Int?
        public let free: Bool
        public let lastVerifiedAt: Date?

        init(
            status: String, needs: [String], audiences: [String], languages: [String], interpretation: Bool,
            minimumAge: Int?, maximumAge: Int?, free: Bool, lastVerifiedAt: Date?
        ) {
            self.status = status
            self.needs = Self.codeLists.intern(needs)
            self.audiences = Self.codeLists.intern(audiences)
            self.languages = Self.codeLists.intern(languages)
            needNumbers = NeedNumbering.shared.numbers(of: needs).map(Self.numberLists.intern)
            (self.interpretation, self.minimumAge, self.maximumAge) = (interpretation, minimumAge, maximumAge)
            (self.free, self.lastVerifiedAt) = (free, lastVerifiedAt)
        }

        /// Need, audience and language lists, and need numbers, shared between services: at a
        /// million benchmark services, 225 need lists and 8 language lists in all.
        static let codeLists = Interner<[String]>(capacity: 50_000)
        static let numberLists = Interner<[UInt16]>(capacity: 50_000)
    }

    /// The facts of `services`, in their order; nil for a service no longer searchable. Kept in
    /// `cache` while its listener hears `haven_directory` notices, so a search among services met
    /// before runs no statement for them.
    func facts(of services: [UUID], cache: SearchFactsCache, on connection: PostgresConnection) async throws
        -> [Facts?]
    {
        var known = cache.values(for: services)
        let missing = services.indices.filter { known[$0] == nil }
        guard !missing.isEmpty else { return known }
        let ticket = cache.ticket()
        var read: [UUID: Facts] = [:]
        read.reserveCapacity(missing.count)
        for try await (id, facts) in try await connection.execute(
            FactsStatement(services: missing.map { services[$0] }), logger: logger)
        {
            read[id] = facts
        }
        for index in missing {
            known[index] = read[services[index]]
        }
        if let ticket { cache.store(read, ticket: ticket) }
        return known
    }

    struct FactsStatement: PostgresPreparedStatement {
        static let name = "haven_search_facts"
        static let bindingDataTypes: [PostgresDataType] = [.uuidArray]
        static let sql = """
            SELECT service_id, status, needs, audiences, languages, interpretation, minimum_age, maximum_age, free,
                   last_verified_at
            FROM search_services WHERE service_id = ANY($1)
            """

        let services: [UUID]

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 1)
            bindings.append(services)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> (UUID, Facts) {
            var columns = BinaryRowReader(row)
            return (
                try columns.uuid(),
                Facts(
                    status: try columns.text(), needs: try columns.textArray(), audiences: try columns.textArray(),
                    languages: try columns.textArray(), interpretation: try columns.bool(),
                    minimumAge: try columns.optionalInt32(), maximumAge: try columns.optionalInt32(),
                    free: try columns.bool(), lastVerifiedAt: try columns.optionalDate())
            )
        }
    }
}

/// Services' facts met in searches before (see `SearchRepository.facts`). Five minutes at most,
/// 200,000 services at most: a search at 1,000,000 services meets about a hundred, and the
/// benchmark's 2,000 searches about 113,000 in all. Searches meeting more services than it
/// holds keep it full (both halves, see `NoticedCache`). Its lists are shared (`Interner`), so
/// an entry is a few hundred bytes: 8,000 different searches, meeting far more services than it
/// holds, took the server to 152-174 MB, under the 200 MB it may use (186 MB with room for
/// 250,000; 193-199 MB with 150,000 before the lists were shared).
public typealias SearchFactsCache = NoticedCache<UUID, SearchRepository.Facts>

extension NoticedCache where Key == UUID, Value == SearchRepository.Facts {
    public convenience init() {
        self.init(lifetime: .seconds(300), capacity: 200_000)
    }
}

/// What search keeps of the directory between requests: the facts of services it met and the
/// details of results it showed. Both are read from the search tables, so one notice of a
/// directory change (or a write through this server) empties both.
public struct SearchCaches: Sendable {
    public let facts: SearchFactsCache
    public let details: SearchDetailsCache

    public init(facts: SearchFactsCache = .init(), details: SearchDetailsCache = .init()) {
        (self.facts, self.details) = (facts, details)
    }

    public func invalidate() {
        facts.invalidate()
        details.invalidate()
    }

    func setListening(_ listening: Bool) {
        facts.setListening(listening)
        details.setListening(listening)
    }
}
