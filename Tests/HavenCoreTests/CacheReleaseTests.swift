import HavenCore
import Testing

/// A full cache starts again, and a notice empties it. What it drops is released on a
/// background task (`BackgroundRelease`), so these check that every dropped value is in fact
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

    @Test("a noticed cache releases the entries it drops when full and on a notice", .timeLimit(.minutes(1)))
    func noticedCache() async throws {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let cache = NoticedCache<Int, Tracked>(lifetime: .seconds(60), capacity: 3)
        cache.setListening(true)
        for number in 0..<3 {
            cache.store(Tracked(number, continuation), for: number, ticket: try #require(cache.ticket()))
        }
        cache.store(Tracked(3, continuation), for: 3, ticket: try #require(cache.ticket()))
        #expect(cache.values(for: [0, 1, 2, 3]).map { $0?.number } == [nil, nil, nil, 3])
        #expect(await released(3, from: stream) == [0, 1, 2])

        cache.store([4: Tracked(4, continuation)], ticket: try #require(cache.ticket()))
        #expect(cache.count == 2, "room for one more: nothing dropped")
        cache.invalidate()
        #expect(cache.values(for: [3, 4]).map { $0?.number } == [nil, nil])
        #expect(await released(2, from: stream) == [3, 4])
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
