import Foundation
import HavenCore
import Hummingbird
import Synchronization

/// Request budgets per key (an address, a token), kept in memory by this process.
final class RateLimiter: Sendable {
    let limit: Int
    let periodSeconds: Double
    private let buckets = Mutex<[String: TokenBucket]>([:])
    private let clock: @Sendable () -> Double

    init(
        limit: Int, periodSeconds: Double = 60,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.limit = limit
        self.periodSeconds = periodSeconds
        self.clock = clock
    }

    /// Spends one request of `key`'s budget; throws 429 with `Retry-After` when it is spent.
    func spend(_ key: String) throws {
        let now = clock()
        let wait: Double? = buckets.withLock { buckets in
            // Forget keys whose budget has refilled, so a stream of new addresses cannot grow
            // this table without bound.
            if buckets.count > 10_000 { buckets = buckets.filter { !$0.value.isFull(now: now) } }
            var bucket = buckets[key] ?? TokenBucket(capacity: limit, periodSeconds: periodSeconds, now: now)
            let wait = bucket.take(now: now)
            buckets[key] = bucket
            return wait
        }
        if let wait { throw HTTPProblem.tooManyRequests(retryAfter: Int(wait.rounded(.up))) }
    }

    /// Throws 429 when `key`'s budget is spent, without spending any of it: for work that should
    /// not even start once a budget is gone (a token lookup after too many refused tokens).
    func check(_ key: String) throws {
        let now = clock()
        let wait = buckets.withLock { $0[key]?.wait(now: now) }
        if let wait { throw HTTPProblem.tooManyRequests(retryAfter: Int(wait.rounded(.up))) }
    }
}

/// The per-address budget, for every request before anything else is done for it.
struct AddressRateLimitMiddleware: RouterMiddleware {
    typealias Context = HavenRequestContext
    let limiter: RateLimiter

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try limiter.spend(context.clientAddress ?? "unknown")
        return try await next(request, context)
    }
}

extension HTTPProblem {
    static func tooManyRequests(retryAfter seconds: Int) -> HTTPProblem {
        var headers = HTTPFields()
        headers[.retryAfter] = String(max(1, seconds))
        return HTTPProblem(
            .tooManyRequests,
            type: "urn:haven:problem:rate-limited",
            title: "Too many requests",
            detail: "Slow down: try again in \(max(1, seconds)) s.",
            headers: headers
        )
    }
}
