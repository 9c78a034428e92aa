import Dispatch

/// Lets go of a cache's dropped entries on a thread of their own rather than on the caller's.
///
/// A cache that drops many entries at once releases them all at once. When search's facts cache
/// emptied itself when full, releasing 150,000 services' facts took ~280 ms, on a request's
/// thread and under the cache's lock, so every search in flight waited for it: in a benchmark
/// whose searches met more services than the cache holds, p99 at 4 connections was ~230 ms.
/// Not on Swift's shared task threads either: there a release held up the database pool's own
/// tasks, and with them every search at 16 connections. A serial queue of its own gets a
/// thread of its own.
package enum BackgroundRelease {
    private static let queue = DispatchQueue(label: "haven.cache-release", qos: .utility)

    package static func release<Key: Sendable, Value: Sendable>(_ table: consuming [Key: Value]) {
        guard !table.isEmpty else { return }
        releaseLater(table)
    }

    static func release<Key: Sendable, Value: Sendable>(_ tables: consuming [SlotTable<Key, Value>]) {
        guard tables.contains(where: { !$0.isEmpty }) else { return }
        releaseLater(tables)
    }

    static func release<Key: Sendable, Value: Sendable>(_ table: consuming SlotTable<Key, Value>) {
        release([table])
    }

    private static func releaseLater<Dropped: Sendable>(_ dropped: consuming Dropped) {
        queue.async { [dropped] in
            withExtendedLifetime(dropped) {}
        }
    }
}
