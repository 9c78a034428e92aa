import Foundation
import HavenCore
import Synchronization

/// Recent answers of the token check, by token hash, so most requests skip one of their
/// statements.
///
/// It may only answer while `AccessChangeListener` is listening for `haven_access` notices
/// (migration 0022): the listener empties it on every notice, and whenever it is not listening
/// the cache answers nothing and keeps nothing. Each answer is also kept for `lifetime` at most,
/// never past the token's expiry, and then checked again in the database, which also notes the
/// token's last use. Only accepted tokens are kept: an unknown or refused token always reaches
/// the database and the failure rate limit.
///
/// A lookup that misses takes a `Ticket` before it reads the database and stores its answer with
/// it. A notice that arrives in between makes the ticket stale and the answer is dropped, so an
/// answer read before a revocation committed can never be kept after the notice of it.
public final class CallerCache: Sendable {
    public struct Ticket: Sendable {
        fileprivate let generation: UInt64
    }

    private struct Entry {
        let caller: Caller
        let until: ContinuousClock.Instant
        let expiresAt: Date?
    }

    private struct State {
        var entries: [[UInt8]: Entry] = [:]
        var generation: UInt64 = 0
        var listening = false
        var waiters: [(after: UInt64, continuation: CheckedContinuation<Void, Never>)] = []

        /// Moves to the next generation, handing back whoever waited for it.
        mutating func advance() -> [CheckedContinuation<Void, Never>] {
            entries.removeAll()
            generation &+= 1
            let ready = waiters.filter { $0.after < generation }.map(\.continuation)
            waiters.removeAll { $0.after < generation }
            return ready
        }
    }

    private let state = Mutex(State())
    private let lifetime: Duration
    private let capacity: Int

    public init(lifetime: Duration = .seconds(30), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The caller a token hash was last found to speak for, when that answer may still be used.
    public func caller(forHash hash: [UInt8], now: Date = Date()) -> Caller? {
        let instant = ContinuousClock.now
        return state.withLock { state -> Caller? in
            guard state.listening, let entry = state.entries[hash] else { return nil }
            guard entry.until > instant, entry.expiresAt.map({ $0 > now }) ?? true else {
                state.entries[hash] = nil
                return nil
            }
            return entry.caller
        }
    }

    /// Taken before the database is read; nil while nothing may be kept.
    public func ticket() -> Ticket? {
        state.withLock { state in state.listening ? Ticket(generation: state.generation) : nil }
    }

    /// Keeps an answer read from the database after `ticket` was taken, unless a notice came
    /// since.
    public func store(_ caller: Caller, expiresAt: Date?, forHash hash: [UInt8], ticket: Ticket) {
        let until = ContinuousClock.now.advanced(by: lifetime)
        state.withLock { state in
            guard state.listening, state.generation == ticket.generation else { return }
            // Emptied when full: memory stays bounded whatever callers send.
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[hash] = Entry(caller: caller, until: until, expiresAt: expiresAt)
        }
    }

    /// Forgets every answer: a token or user changed, or may have.
    public func invalidate() {
        for waiter in state.withLock({ $0.advance() }) { waiter.resume() }
    }

    /// Whether notices are being received. Either way everything kept so far is forgotten: before
    /// listening, changes may have been missed; after, they would be.
    public func setListening(_ listening: Bool) {
        let ready = state.withLock { state in
            state.listening = listening
            return state.advance()
        }
        for waiter in ready { waiter.resume() }
    }

    /// Counts notices and listening changes.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Returns once `generation` has passed `after`: lets a test wait for a notice to arrive
    /// rather than for a guessed time.
    public func waitForGeneration(after: UInt64) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                guard state.generation <= after else { return true }
                state.waiters.append((after, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    public var isListening: Bool { state.withLock { $0.listening } }
}
