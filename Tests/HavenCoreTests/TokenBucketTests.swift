import HavenCore
import Testing

@Suite("Token bucket")
struct TokenBucketTests {
    @Test("a burst up to capacity passes, the next request waits for the refill")
    func burst() {
        var bucket = TokenBucket(capacity: 3, periodSeconds: 60, now: 0)
        #expect(bucket.take(now: 0) == nil)
        #expect(bucket.take(now: 0) == nil)
        #expect(bucket.take(now: 0) == nil)
        let wait = bucket.take(now: 0)
        #expect(wait == 20)  // one token every 20 s
        #expect(bucket.take(now: 10) != nil)
        #expect(bucket.take(now: 20.5) == nil)
        #expect(!bucket.isFull(now: 21))
        #expect(bucket.isFull(now: 100))
    }
}
