import Foundation
import Synchronization

/// Answers read from the database, kept while a listener hears PostgreSQL's notices of the
/// changes that would make them wrong.
///
/// It may only answer while the listener says it is listening: the listener empties it on every
/// notice, and whenever it is not listening the cache answers nothing and keeps nothing. Each
/// answer is also kept for `lifetime` at most (and never past a `validUntil` of its own), then
/// read again, so a notice lost without the listener noticing does not last.
///
/// A lookup that misses takes a `Ticket` before it reads the database and stores its answer with
/// it. A notice that arrives in between makes the ticket stale and the answer is dropped, so an
/// answer read before a change committed can never be kept after the notice of it.
///
/// Memory stays bounded whatever callers ask for: the cache keeps two halves. New answers go to
/// the recent half; when it is full the cache ages: the older half is dropped and the recent one
/// becomes the older. Both answer. A cache that emptied when full averaged half full when
/// searches met more services than it holds, and one that dropped entries one by one from the
/// front of its table crowded the rest of the table until lookups crawled (seconds a search).
public final class NoticedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    public struct Ticket: Sendable {
        fileprivate let generation: UInt64
    }

    // Visible to the inlinable lookups, so that a caller in another module gets them specialized
    // for its own keys: through generic witnesses, looking up a search's hundred services'
    // facts was a fifteenth of the server's time on a search.
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline let value: Value
        /// The end of its `lifetime`, in nanoseconds of `ContinuousClock` after `Self.epoch`.
        @usableFromInline let until: Int64
        /// Its own `validUntil` (seconds since 2001), or infinity. Plain numbers, so that an entry
        /// fits one slot of `SlotTable` beside its key.
        @usableFromInline let validUntil: Double

        init(value: Value, until: Int64, validUntil: Date?) {
            (self.value, self.until) = (value, until)
            self.validUntil = validUntil?.timeIntervalSinceReferenceDate ?? .infinity
        }
    }

    /// What `Entry.until` counts from: the first time the process used a cache.
    @usableFromInline static var epoch: ContinuousClock.Instant { cacheEpoch }

    /// Nanoseconds of `ContinuousClock` since `epoch`.
    @inlinable
    static func nanoseconds(at instant: ContinuousClock.Instant) -> Int64 {
        let (seconds, attoseconds) = (instant - epoch).components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }

    @usableFromInline
    struct State {
        /// Kept since the cache last aged.
        @usableFromInline var entries = SlotTable<Key, Entry>()
        /// Kept before that: still answered, dropped when the cache ages again.
        @usableFromInline var older = SlotTable<Key, Entry>()
        var generation: UInt64 = 0
        @usableFromInline var listening = false
        /// What the last lookup's `SlotTable.warm` read: kept only so its reads are made.
        @usableFromInline var warmedSlots = 0
        var waiters: [Waiter] = []
        var lastWaiterID: UInt64 = 0

        /// Moves to the next generation, handing back whoever waited for it and the entries it
        /// dropped (for `BackgroundRelease`, outside the lock).
        mutating func advance() -> (ready: [CheckedContinuation<Void, any Error>], dropped: [SlotTable<Key, Entry>]) {
            let dropped = [Self.take(&entries), Self.take(&older)]
            generation &+= 1
            let ready = waiters.filter { $0.after < generation }.map(\.continuation)
            waiters.removeAll { $0.after < generation }
            return (ready, dropped)
        }

        /// Makes room in the recent half (`half` entries) for `incoming` new ones, at most a half,
        /// ageing the cache when they would not fit, and hands back the older half it dropped, to
        /// be released outside the lock. Constant time here: whole tables are dropped, never
        /// entries one by one.
        mutating func makeRoom(for incoming: Int, half: Int) -> SlotTable<Key, Entry> {
            guard entries.count + incoming > half else { return SlotTable() }
            let dropped = Self.take(&older)
            older = Self.take(&entries)
            return dropped
        }

        static func take(_ table: inout SlotTable<Key, Entry>) -> SlotTable<Key, Entry> {
            var taken = SlotTable<Key, Entry>()
            swap(&taken, &table)
            return taken
        }
    }

    struct Waiter {
        let id: UInt64
        let after: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    @usableFromInline let state = Mutex(State())
    public let lifetime: Duration
    public let capacity: Int
    /// The most each half holds.
    let half: Int

    public init(lifetime: Duration, capacity: Int) {
        precondition(capacity > 1, "a cache holds at least two entries, one in each half")
        self.lifetime = lifetime
        self.capacity = capacity
        half = capacity / 2
    }

    /// The answer kept for `key`, when it may still be used.
    @inlinable
    public func value(for key: Key, now: Date = Date()) -> Value? {
        values(for: [key], now: now)[0]
    }

    /// The answers kept for `keys`, in their order: one lock and one clock reading for many keys.
    @inlinable
    public func values(for keys: [Key], now: Date = Date()) -> [Value?] {
        let instant = Self.nanoseconds(at: .now)
        let wallClock = now.timeIntervalSinceReferenceDate
        let hashes = keys.map(\.hashValue)
        return state.withLock { state -> [Value?] in
            guard state.listening else { return Array(repeating: nil, count: keys.count) }
            // The larger half first: after the cache ages most answers are in the older one, and
            // a key looked for in the wrong half costs a probe.
            let olderFirst = state.older.count > state.entries.count
            state.warmedSlots = olderFirst ? state.older.warm(hashes) : state.entries.warm(hashes)
            return zip(keys, hashes).map { key, hash -> Value? in
                let kept =
                    olderFirst
                    ? state.older.value(for: key, hash: hash) ?? state.entries.value(for: key, hash: hash)
                    : state.entries.value(for: key, hash: hash) ?? state.older.value(for: key, hash: hash)
                guard let entry = kept else { return nil }
                guard entry.until > instant, entry.validUntil > wallClock else {
                    state.entries[key] = nil
                    state.older[key] = nil
                    return nil
                }
                return entry.value
            }
        }
    }

    /// Taken before the database is read; nil while nothing may be kept.
    public func ticket() -> Ticket? {
        state.withLock { state in state.listening ? Ticket(generation: state.generation) : nil }
    }

    /// Keeps an answer read from the database after `ticket` was taken, unless a notice came
    /// since.
    public func store(_ value: Value, for key: Key, validUntil: Date? = nil, ticket: Ticket) {
        let until = Self.nanoseconds(at: .now.advanced(by: lifetime))
        let dropped = state.withLock { state -> SlotTable<Key, Entry> in
            guard state.listening, state.generation == ticket.generation else { return SlotTable() }
            let dropped = state.entries[key] == nil ? state.makeRoom(for: 1, half: half) : SlotTable()
            state.older[key] = nil
            state.entries[key] = Entry(value: value, until: until, validUntil: validUntil)
            return dropped
        }
        BackgroundRelease.release(dropped)
    }

    /// Keeps many answers read after `ticket` was taken, as `store(_:for:ticket:)` keeps one;
    /// at most half the capacity of them.
    public func store(_ values: [Key: Value], ticket: Ticket) {
        let until = Self.nanoseconds(at: .now.advanced(by: lifetime))
        let dropped = state.withLock { state -> SlotTable<Key, Entry> in
            guard state.listening, state.generation == ticket.generation else { return SlotTable() }
            let dropped = state.makeRoom(for: min(values.count, half), half: half)
            for (key, value) in values.prefix(half) {
                state.older[key] = nil
                state.entries[key] = Entry(value: value, until: until, validUntil: nil)
            }
            return dropped
        }
        BackgroundRelease.release(dropped)
    }

    /// Forgets every answer: something they were read from changed, or may have.
    public func invalidate() {
        let (ready, dropped) = state.withLock { $0.advance() }
        BackgroundRelease.release(dropped)
        for waiter in ready { waiter.resume() }
    }

    /// Whether notices are being received. Either way everything kept so far is forgotten: before
    /// listening, changes may have been missed; after, they would be.
    public func setListening(_ listening: Bool) {
        let (ready, dropped) = state.withLock { state in
            state.listening = listening
            return state.advance()
        }
        BackgroundRelease.release(dropped)
        for waiter in ready { waiter.resume() }
    }

    /// Counts notices and listening changes.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Returns once `generation` has passed `after`: lets a test wait for a notice to arrive
    /// rather than for a guessed time. Throws `CancellationError` when the waiting task is
    /// cancelled (a test's time limit), so a notice that never comes fails the test instead of
    /// leaving it, and the run, waiting forever.
    public func waitForGeneration(after: UInt64) async throws {
        let id = state.withLock { state in
            state.lastWaiterID &+= 1
            return state.lastWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Checked under the lock the cancellation handler also takes: either the handler
                // finds this waiter, or this sees the task already cancelled.
                let ready = state.withLock { state -> Result<Void, any Error>? in
                    if state.generation > after { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters.append(Waiter(id: id, after: after, continuation: continuation))
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    public var isListening: Bool { state.withLock { $0.listening } }

    public var count: Int { state.withLock { $0.entries.count + $0.older.count } }
}

/// Shared by every cache: a static stored property cannot live in a generic type.
@usableFromInline let cacheEpoch = ContinuousClock.now
