import HavenCore
import Testing

/// A full cache drops its older half, and a notice empties it. What it drops is released on a
/// queue of its own (`BackgroundRelease`), so these check that every dropped value is in fact
/// released, and that nothing still kept is.
@Suite("Caches release what they drop")
struct CacheReleaseTests {
    /// Reports its release, so a test can wait for it rather than for a guessed time.
    final class Tracked: Sendable {
        let number: Int
        let released: AsyncStream<Int>.Continuation

        init(_ number: Int, _ released: AsyncStream<Int>.Continuation) {
            (self.number, self.released) = (number, released)
        }

        deinit { released.yield(number) }
    }

    /// Waits until `count` values were released and returns their numbers.
    private func released(_ count: Int, from stream: AsyncStream<Int>) async -> Set<Int> {
        var numbers: Set<Int> = []
        for await number in stream {
            numbers.insert(number)
            if numbers.count == count { break }
        }
        return numbers
    }

    @Test("a noticed cache releases the half it drops when full, and all of it on a notice", .timeLimit(.minutes(1)))
    func noticedCache() async throws {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let cache = NoticedCache<Int, Tracked>(lifetime: .seconds(60), capacity: 4)
        cache.setListening(true)
        for number in 0..<5 {
            cache.store(Tracked(number, continuation), for: number, ticket: try #require(cache.ticket()))
        }
        #expect(cache.values(for: Array(0..<5)).map { $0?.number } == [nil, nil, 2, 3, 4])
        #expect(await released(2, from: stream) == [0, 1])

        cache.invalidate()
        #expect(cache.values(for: Array(0..<5)).allSatisfy { $0 == nil })
        #expect(await released(3, from: stream) == [2, 3, 4])
    }

    @Test("a full noticed cache keeps the half it filled last, not nothing")
    func noticedCacheKeepsHalf() throws {
        let cache = NoticedCache<Int, Int>(lifetime: .seconds(60), capacity: 16)
        cache.setListening(true)
        for number in 0..<24 { cache.store(number, for: number, ticket: try #require(cache.ticket())) }
        #expect(cache.count == 16)
        #expect(cache.values(for: Array(0..<24)) == Array(repeating: nil, count: 8) + (8..<24).map { $0 })

        // Kept again, an answer from the older half goes to the recent one, once: the recent half
        // was full, so the cache ages, and 9 to 15 go with the older half.
        cache.store(100, for: 8, ticket: try #require(cache.ticket()))
        #expect(cache.value(for: 8) == 100)
        #expect(cache.count == 9)
        #expect(cache.values(for: Array(9..<16)).allSatisfy { $0 == nil })

        // A batch larger than a half: only a half of it is kept, and the cache stays bounded.
        cache.store(
            Dictionary(uniqueKeysWithValues: (200..<220).map { ($0, $0) }), ticket: try #require(cache.ticket()))
        #expect(cache.count <= 16)
        #expect(cache.values(for: Array(200..<220)).compactMap { $0 }.count == 8)
    }

    @Test("an expiring cache releases the entries it drops when full", .timeLimit(.minutes(1)))
    func expiringCache() async {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let cache = ExpiringCache<Int, Tracked>(lifetime: .seconds(60), capacity: 2)
        for number in 0..<3 { cache.store(Tracked(number, continuation), for: number) }
        #expect(cache.value(for: 2)?.number == 2)
        #expect(cache.count == 1)
        #expect(await released(2, from: stream) == [0, 1])
    }
}
