import Foundation
import HavenCore
import HavenTestSupport
import Logging
import PostgresNIO
import Testing

@testable import HavenStorage

@Suite("Kept token checks")
struct CallerCacheTests {
    let caller = Caller(userID: "u", tokenID: "t", role: .advocate, organizationID: nil)
    let hash = TokenSecret.hash("hvn_" + String(repeating: "A", count: 43))

    @Test("nothing is kept or answered until the listener is listening, nor after it stops")
    func onlyWhileListening() throws {
        let cache = CallerCache()
        #expect(cache.ticket() == nil)
        cache.setListening(true)
        let ticket = try #require(cache.ticket())
        cache.store(caller, expiresAt: nil, forHash: hash, ticket: ticket)
        #expect(cache.caller(forHash: hash) == caller)

        cache.setListening(false)
        #expect(cache.caller(forHash: hash) == nil)
        cache.store(caller, expiresAt: nil, forHash: hash, ticket: ticket)
        cache.setListening(true)
        #expect(cache.caller(forHash: hash) == nil)
    }

    @Test("an answer read before a notice is dropped, and a notice forgets every answer")
    func notices() throws {
        let cache = CallerCache()
        cache.setListening(true)
        let early = try #require(cache.ticket())
        cache.store(caller, expiresAt: nil, forHash: hash, ticket: early)
        cache.invalidate()
        #expect(cache.caller(forHash: hash) == nil)
        // Read from the database before the notice arrived: it may be the revoked state's past.
        cache.store(caller, expiresAt: nil, forHash: hash, ticket: early)
        #expect(cache.caller(forHash: hash) == nil)
        cache.store(caller, expiresAt: nil, forHash: hash, ticket: try #require(cache.ticket()))
        #expect(cache.caller(forHash: hash) == caller)
    }

    @Test("a test waiting for a notice is woken by it, and by its own cancellation when none comes")
    func waitingForNotices() async throws {
        let cache = CallerCache()
        let before = cache.generation
        let woken = Task { try await cache.waitForGeneration(after: before) }
        cache.invalidate()
        try await woken.value

        // A notice that never comes: a time limit cancels the test, which must then end.
        let now = cache.generation
        let stranded = Task { try await cache.waitForGeneration(after: now) }
        stranded.cancel()
        await #expect(throws: CancellationError.self) { try await stranded.value }
        // Already passed: returns at once.
        try await cache.waitForGeneration(after: 0)
    }

    @Test("an answer is used neither past the token's expiry nor past the cache's lifetime")
    func lifetimes() throws {
        let now = Date()
        let cache = CallerCache(lifetime: .seconds(30), capacity: 10)
        cache.setListening(true)
        cache.store(
            caller, expiresAt: now.addingTimeInterval(10), forHash: hash, ticket: try #require(cache.ticket()))
        #expect(cache.caller(forHash: hash, now: now) == caller)
        #expect(cache.caller(forHash: hash, now: now.addingTimeInterval(10)) == nil)
        // Once found expired, it is gone for good.
        #expect(cache.caller(forHash: hash, now: now) == nil)

        let brief = CallerCache(lifetime: .zero, capacity: 10)
        brief.setListening(true)
        brief.store(caller, expiresAt: nil, forHash: hash, ticket: try #require(brief.ticket()))
        #expect(brief.caller(forHash: hash) == nil)
    }

    @Test("memory stays bounded: a full cache forgets its older half")
    func bounded() throws {
        let cache = CallerCache(lifetime: .seconds(30), capacity: 4)
        cache.setListening(true)
        let hashes = (0..<5).map { TokenSecret.hash("hvn_" + String(repeating: "B", count: 42) + "\($0)") }
        for hash in hashes { cache.store(caller, expiresAt: nil, forHash: hash, ticket: try #require(cache.ticket())) }
        #expect(cache.count == 3)
        #expect(hashes.filter { cache.caller(forHash: $0) != nil } == Array(hashes[2...]))
    }

    @Test("many answers kept at once follow the same rules: in order, dropped after a notice, bounded")
    func manyAtOnce() throws {
        let cache = NoticedCache<Int, String>(lifetime: .seconds(30), capacity: 4)
        #expect(cache.values(for: [1, 2]) == [nil, nil])
        cache.setListening(true)
        let early = try #require(cache.ticket())
        cache.invalidate()
        cache.store([1: "one", 2: "two"], ticket: early)
        #expect(cache.values(for: [1, 2]) == [nil, nil], "read before the notice")

        cache.store([1: "one", 2: "two"], ticket: try #require(cache.ticket()))
        #expect(cache.values(for: [2, 3, 1]) == ["two", nil, "one"])
        // The recent half is full: the cache ages, and the first two answer from the older half.
        cache.store([3: "three", 4: "four"], ticket: try #require(cache.ticket()))
        #expect(cache.values(for: [1, 2, 3, 4]) == ["one", "two", "three", "four"])
        // And again: the first two are dropped.
        cache.store([5: "five"], ticket: try #require(cache.ticket()))
        #expect(cache.values(for: [1, 2, 3, 4, 5]) == [nil, nil, "three", "four", "five"])

        cache.setListening(false)
        #expect(cache.values(for: [3, 4, 5]) == [nil, nil, nil])
    }

    @Test("a token's last use is noted without a notice; a revocation and any user change announce themselves")
    func announcedChanges() async throws {
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let member = try #require(fixture.members[.advocate])
            let listening = try await PostgresConnection.connect(
                on: PostgresClient.defaultEventLoopGroup.any(),
                configuration: .init(database.url, applicationName: "haven-tests"), id: 1, logger: database.logger)
            do {
                try await expectNotices(on: listening, member: member, database: database)
            } catch {
                try? await listening.close()
                throw error
            }
            try await listening.close()
        }
    }

    private func expectNotices(
        on listening: PostgresConnection, member: AccessFixture.Member, database: TestDatabase
    ) async throws {
        try await listening.listen(on: ChangeListener.accessChannel) { notices in
            try await database.withClient { client in
                func run(_ sql: PostgresQuery) async throws {
                    _ = try await client.query(sql, logger: database.logger).collect()
                }
                // Each in its own transaction, so each would be its own notice.
                try await run(
                    "UPDATE api_tokens SET last_used_at = now() - interval '1 hour' WHERE id = \(member.tokenID)")
                try await run("UPDATE users SET name = name WHERE id = \(member.user.id)")
                try await run("UPDATE api_tokens SET revoked_at = now() WHERE id = \(member.tokenID)")
                try await run("DELETE FROM api_tokens WHERE id = \(member.tokenID)")
            }
            var payloads: [String] = []
            for try await notice in notices {
                payloads.append(notice.payload)
                if payloads.count == 3 { break }
            }
            // Had noting the last use announced itself, its notice would be first.
            #expect(payloads == ["users", "api_tokens", "api_tokens"])
        }
    }
}
