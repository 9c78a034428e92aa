import Synchronization

/// Reference data that changes rarely (a ZIP code's place, a need's label), kept for a while so
/// every request does not spend a database round trip on it. An entry is forgotten after
/// `lifetime`, and the whole cache empties when it reaches `capacity`, so memory stays bounded
/// whatever callers ask for; what it drops is released off the caller's thread
/// (`BackgroundRelease`).
public final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        let value: Value
        let expires: ContinuousClock.Instant
    }

    private let entries = Mutex<[Key: Entry]>([:])
    public let lifetime: Duration
    public let capacity: Int

    public init(lifetime: Duration, capacity: Int) {
        precondition(capacity > 0, "a cache holds at least one entry")
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The value stored for `key`, unless it is older than `lifetime` at `now`.
    public func value(for key: Key, at now: ContinuousClock.Instant = .now) -> Value? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.expires > now else {
                entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    public func store(_ value: Value, for key: Key, at now: ContinuousClock.Instant = .now) {
        let dropped = entries.withLock { entries -> [Key: Entry] in
            var dropped: [Key: Entry] = [:]
            if entries.count >= capacity && entries[key] == nil {
                swap(&dropped, &entries)
            }
            entries[key] = Entry(value: value, expires: now.advanced(by: lifetime))
            return dropped
        }
        BackgroundRelease.release(dropped)
    }

    public var count: Int { entries.withLock { $0.count } }
}
