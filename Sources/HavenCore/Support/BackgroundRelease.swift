/// Lets go of a cache's dropped entries on a background task rather than on the caller's thread.
///
/// A cache that starts again when full releases everything it held at once. For search's
/// 150,000 services' facts that took ~280 ms, on a request's thread and under the cache's lock,
/// so every search in flight waited for it: in a benchmark whose searches met more services than
/// the cache holds, p99 at 4 connections was ~230 ms. Released on a background task, the work is
/// the same but no request waits for it.
enum BackgroundRelease {
    static func release<Key: Sendable, Value: Sendable>(_ entries: consuming [Key: Value]) {
        guard !entries.isEmpty else { return }
        Task.detached(priority: .background) { [entries] in
            withExtendedLifetime(entries) {}
        }
    }
}
