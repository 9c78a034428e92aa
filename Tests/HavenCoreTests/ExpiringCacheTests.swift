import HavenCore
import Testing

@Suite("Expiring cache")
struct ExpiringCacheTests {
    @Test("an entry is served until its lifetime ends, then forgotten")
    func expiry() {
        let cache = ExpiringCache<String, String>(lifetime: .seconds(60), capacity: 10)
        let start = ContinuousClock.now
        cache.store("counseling", for: "mental-health.counseling", at: start)
        #expect(cache.value(for: "mental-health.counseling", at: start.advanced(by: .seconds(59))) == "counseling")
        #expect(cache.value(for: "mental-health.counseling", at: start.advanced(by: .seconds(60))) == nil)
        #expect(cache.count == 0, "an expired entry is dropped when it is asked for")
        #expect(cache.value(for: "legal", at: start) == nil)
    }

    @Test("a full cache starts over instead of growing, and replacing a key does not empty it")
    func capacity() {
        let cache = ExpiringCache<Int, Int>(lifetime: .seconds(60), capacity: 3)
        let now = ContinuousClock.now
        for key in 0..<3 { cache.store(key * 10, for: key, at: now) }
        cache.store(11, for: 1, at: now)
        #expect(cache.count == 3)
        #expect(cache.value(for: 1, at: now) == 11)
        cache.store(30, for: 3, at: now)
        #expect(cache.count == 1)
        #expect(cache.value(for: 3, at: now) == 30)
        #expect(cache.value(for: 0, at: now) == nil)
    }
}
