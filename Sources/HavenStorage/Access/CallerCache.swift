import Foundation
import HavenCore

/// Recent answers of the token check, by token hash, so most requests skip one of their
/// statements. Emptied on `haven_access` notices (migration 0022) by `ChangeListener`.
///
/// Each answer is kept for 30 seconds at most, never past the token's expiry, and then checked
/// again in the database, which also notes the token's last use. Only accepted tokens are kept:
/// an unknown or refused token always reaches the database and the failure rate limit.
public typealias CallerCache = NoticedCache<[UInt8], Caller>

extension NoticedCache where Key == [UInt8], Value == Caller {
    public convenience init() {
        self.init(lifetime: .seconds(30), capacity: 10_000)
    }

    /// The caller a token hash was last found to speak for, when that answer may still be used.
    public func caller(forHash hash: [UInt8], now: Date = Date()) -> Caller? {
        value(for: hash, now: now)
    }

    /// Keeps an answer read from the database after `ticket` was taken, unless a notice came
    /// since.
    public func store(_ caller: Caller, expiresAt: Date?, forHash hash: [UInt8], ticket: Ticket) {
        store(caller, for: hash, validUntil: expiresAt, ticket: ticket)
    }
}
