import Foundation
import Logging
import PostgresNIO

/// Keeps the search tables' rows in the order of their maps (`keyed`, migrations 0037 and
/// 0038), which is the order a search reads them in: the nearest forty rows of one need. Rows
/// written as services are added sit one to a page, so those forty rows cost forty page reads;
/// in map order they share a few pages. At 1,000,000 services that took the candidates
/// statement from 2,981–2,995 to 3,474–3,711 a second in pgbench, and PostgreSQL's CPU per HTTP
/// search from 0.76–0.78 ms to 0.62–0.64 ms (docs/search.md).
///
/// PostgreSQL does not keep the order by itself: new and changed services go wherever there is
/// room, so the order wears off with imports and edits, and `haven db reorder-search` restores it.
public struct SearchTableOrder: Sendable {
    /// The tables a search reads by map, with the index that holds the map.
    public static let tables = [
        (table: "search_points", index: "search_points_keyed_idx"),
        (table: "search_area_shapes", index: "search_area_shapes_keyed_idx"),
    ]

    /// A table was in use past the lock wait; it and the tables after it were left as they were.
    public struct Busy: Error, CustomStringConvertible {
        public let table: String

        public var description: String {
            "\(table) was in use by another transaction for longer than the lock wait, so it and the "
                + "tables after it were left as they were (searches queue behind a reorder waiting for its "
                + "lock, so it gives up rather than wait). Try again when the directory is quieter, or "
                + "with a longer --lock-wait."
        }
    }

    /// What one table's reorder did.
    public struct Reordered: Sendable, Equatable {
        public let table: String
        public let rows: Int
        public let duration: Duration
    }

    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    /// Rewrites each table in map order (`CLUSTER`) and refreshes its planner statistics, one
    /// table at a time. While a table is rewritten, searches and directory writes wait for it
    /// (about 30 seconds for the larger one at 1,000,000 services). The lock is waited for at most
    /// `lockWait`: every search that arrives meanwhile queues behind the waiting reorder.
    public func reorder(
        lockWait: Duration, on connection: PostgresConnection, progress: (String) -> Void = { _ in }
    ) async throws -> [Reordered] {
        let milliseconds = max(1, Int((lockWait / .milliseconds(1)).rounded(.up)))
        try await connection.perform(PostgresQuery(unsafeSQL: "SET lock_timeout = \(milliseconds)"), logger: logger)
        var done: [Reordered] = []
        do {
            for (table, index) in Self.tables {
                progress("putting \(table) in map order")
                let started = ContinuousClock.now
                do {
                    try await connection.perform(
                        PostgresQuery(unsafeSQL: "CLUSTER \(table) USING \(index)"), logger: logger)
                } catch let error as PSQLError where error.serverInfo?[.sqlState] == "55P03" {
                    throw Busy(table: table)
                }
                try await connection.perform(PostgresQuery(unsafeSQL: "ANALYZE \(table)"), logger: logger)
                let rows =
                    try await connection.query(
                        "SELECT reltuples::float8 FROM pg_class WHERE oid = \(table)::regclass", logger: logger
                    ).collect().first?.decode(Double.self) ?? 0
                let reordered = Reordered(table: table, rows: Int(max(rows, 0)), duration: started.duration(to: .now))
                done.append(reordered)
            }
        } catch {
            try? await connection.perform("RESET lock_timeout", logger: logger)
            throw error
        }
        try await connection.perform("RESET lock_timeout", logger: logger)
        return done
    }
}
