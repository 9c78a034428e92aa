/// A token bucket: `capacity` requests at once, refilled at `capacity` per `period`.
/// Pure: the caller supplies the time, so limits are tested without waiting.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    public let refillPerSecond: Double
    public private(set) var tokens: Double
    public private(set) var updatedAt: Double

    public init(capacity: Int, periodSeconds: Double, now: Double) {
        self.capacity = Double(capacity)
        self.refillPerSecond = Double(capacity) / periodSeconds
        self.tokens = Double(capacity)
        self.updatedAt = now
    }

    /// Takes one token. Returns nil when allowed, or the seconds until one is available.
    public mutating func take(now: Double) -> Double? {
        refill(now: now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return (1 - tokens) / refillPerSecond
    }

    /// The seconds until a token is available, or nil when one is: `take` without taking.
    public func wait(now: Double) -> Double? {
        let available = min(capacity, tokens + max(0, now - updatedAt) * refillPerSecond)
        return available >= 1 ? nil : (1 - available) / refillPerSecond
    }

    /// True when the bucket has refilled completely, so forgetting it changes nothing.
    public func isFull(now: Double) -> Bool {
        tokens + (now - updatedAt) * refillPerSecond >= capacity
    }

    private mutating func refill(now: Double) {
        tokens = min(capacity, tokens + max(0, now - updatedAt) * refillPerSecond)
        updatedAt = now
    }
}
