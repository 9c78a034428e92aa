import Foundation
import HTTPTypes
import HavenCore
import HavenStorage
import HavenTestSupport
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import HavenServer

@Suite("Idempotency-Key on POST")
struct IdempotencyTests {
    static let key = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    static func headers(_ member: AccessFixture.Member?, key: String?) throws -> HTTPFields {
        var fields = try ReferralPlanTests.headers(member)
        if let key { fields[Self.key] = key }
        return fields
    }

    static func count(_ database: TestDatabase, _ sql: String) async throws -> Int {
        try await database.withClient { client in
            let rows = try await client.query(PostgresQuery(unsafeSQL: sql), logger: database.logger)
            var count = -1
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
    }

    static func fixture(_ database: TestDatabase) async throws -> AccessFixture {
        try await database.withClient { try await AccessFixture.make(on: $0, logger: database.logger) }
    }

    @Test("a family sent twice under one key is recorded once, and the retry gets the first answer, kept sealed")
    func retryGetsFirstAnswer() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await Self.fixture(database)
            let advocate = try Self.headers(fixture.members[.advocate], key: "3f6c2d0e-family-intake-1")
            try await ServerHarness.withServer(database: database) { client in
                let body = ReferralPlanTests.body(ReferralPlanTests.familyJSON)
                let first = try await client.execute(uri: "/v1/families", method: .post, headers: advocate, body: body)
                #expect(first.status == .created, "\(first.json)")
                #expect(first.headers[Self.replayed] == nil)
                let family = try #require(first.json["id"] as? String)

                let retry = try await client.execute(uri: "/v1/families", method: .post, headers: advocate, body: body)
                #expect(retry.status == .created)
                #expect(retry.headers[Self.replayed] == "true")
                #expect(retry.body == first.body)
                #expect(retry.headers[.eTag] == first.headers[.eTag])
                #expect(retry.headers[.contentType] == first.headers[.contentType])
                #expect(retry.json["id"] as? String == family)

                #expect(try await Self.count(database, "SELECT count(*) FROM families") == 1)
                #expect(try await Self.count(database, "SELECT count(*) FROM idempotency_keys") == 1)
                #expect(
                    try await ReferralPlanTests.plaintextRows(
                        database, table: "idempotency_keys", column: "response_body", text: "marigold") == 0)
                #expect(
                    try await Self.count(
                        database,
                        "SELECT count(*) FROM audit_log WHERE action = 'createFamily.replay' AND user_id = '\(fixture.members[.advocate]!.user.id)'"
                    ) == 1)
            }
        }
    }

    @Test("a failed request frees its key for the corrected one; the key then refuses a different request")
    func failuresFreeTheKey() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await Self.fixture(database)
            let advocate = try Self.headers(fixture.members[.advocate], key: #""intake-2""#)
            try await ServerHarness.withServer(database: database) { client in
                let invalid = try await client.execute(
                    uri: "/v1/families", method: .post, headers: advocate,
                    body: ReferralPlanTests.body(#"{"reference": "DEMO-X", "home_zip": "123"}"#))
                expectProblem(invalid, .unprocessableContent, type: "urn:haven:problem:validation")
                #expect(try await Self.count(database, "SELECT count(*) FROM idempotency_keys") == 0)

                let corrected = try await client.execute(
                    uri: "/v1/families", method: .post, headers: advocate,
                    body: ReferralPlanTests.body(ReferralPlanTests.familyJSON))
                #expect(corrected.status == .created, "\(corrected.json)")
                #expect(corrected.headers[Self.replayed] == nil)

                let other = try await client.execute(
                    uri: "/v1/families", method: .post, headers: advocate,
                    body: ReferralPlanTests.body(#"{"reference": "DEMO-SOL", "home_zip": "60614"}"#))
                let problem = expectProblem(
                    other, .unprocessableContent, type: "urn:haven:problem:idempotency-key-reused")
                #expect((problem["detail"] as? String)?.contains("different request") == true)
                #expect(try await Self.count(database, "SELECT count(*) FROM families") == 1)
            }
        }
    }

    @Test("a replay after the user's role or organization changed is refused: the kept answer is not shown again")
    func replayNeedsTheSameAccess() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await Self.fixture(database)
            let advocate = try #require(fixture.members[.advocate])
            let headers = try Self.headers(advocate, key: "moved-on-1")
            let body = ReferralPlanTests.body(ReferralPlanTests.familyJSON)
            try await ServerHarness.withServer(database: database) { client in
                let first = try await client.execute(uri: "/v1/families", method: .post, headers: headers, body: body)
                #expect(first.status == .created)
                // The advocate moves to another organization.
                try await database.withClient { client in
                    try await client.query(
                        "UPDATE users SET organization_id = \(fixture.organizationB) WHERE id = \(advocate.user.id)",
                        logger: database.logger)
                }
                let replay = try await client.execute(uri: "/v1/families", method: .post, headers: headers, body: body)
                expectProblem(replay, .unprocessableContent, type: "urn:haven:problem:idempotency-key-reused")
                #expect(replay.headers[Self.replayed] == nil)
                #expect(!String(buffer: replay.body).contains("DEMO-"), "nothing of the kept answer")
                #expect(try await Self.count(database, "SELECT count(*) FROM families") == 1)
            }
        }
    }

    @Test("keys belong to their user: a colleague's request under the same key runs on its own")
    func keysBelongToTheirUser() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await Self.fixture(database)
            let body = ReferralPlanTests.body(ReferralPlanTests.familyJSON)
            try await ServerHarness.withServer(database: database) { client in
                let mine = try await client.execute(
                    uri: "/v1/families", method: .post,
                    headers: try Self.headers(fixture.members[.advocate], key: "shared-key"), body: body)
                let theirs = try await client.execute(
                    uri: "/v1/families", method: .post,
                    headers: try Self.headers(fixture.colleagues[.advocate], key: "shared-key"), body: body)
                #expect(mine.status == .created)
                #expect(theirs.status == .created)
                #expect(theirs.headers[Self.replayed] == nil)
                #expect(mine.json["id"] as? String != theirs.json["id"] as? String)
                #expect(try await Self.count(database, "SELECT count(*) FROM families") == 2)
            }
        }
    }

    @Test("a retry while the first request runs gets 409; an abandoned or expired claim lets the request run")
    func claimsInFlightAbandonedAndExpired() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await Self.fixture(database)
            let advocate = try #require(fixture.members[.advocate])
            let bodyText = ReferralPlanTests.familyJSON
            let fingerprint = IdempotencyMiddleware.fingerprint(
                operation: "createFamily", path: "/v1/families", body: Array(bodyText.utf8),
                access: "advocate \(fixture.organizationA.uuidString.lowercased())")
            func claim(_ key: String, claimedAgo: String, expiresIn: String) async throws {
                try await database.withClient { client in
                    try await client.query(
                        PostgresQuery(
                            unsafeSQL: """
                                INSERT INTO idempotency_keys (id, user_id, key, operation, fingerprint, claimed_at, expires_at)
                                VALUES (gen_random_uuid(), '\(advocate.user.id)', '\(key)', 'createFamily',
                                        decode('\(fingerprint.map { String(format: "%02x", $0) }.joined())', 'hex'),
                                        now() - interval '\(claimedAgo)', now() + interval '\(expiresIn)')
                                """), logger: database.logger)
                }
            }
            try await claim("running", claimedAgo: "2 seconds", expiresIn: "24 hours")
            try await claim("abandoned", claimedAgo: "10 minutes", expiresIn: "24 hours")
            try await claim("expired", claimedAgo: "2 days", expiresIn: "-1 day")
            try await ServerHarness.withServer(database: database) { client in
                func send(_ key: String) async throws -> TestResponse {
                    try await client.execute(
                        uri: "/v1/families", method: .post, headers: try Self.headers(advocate, key: key),
                        body: ReferralPlanTests.body(bodyText))
                }
                let running = try await send("running")
                expectProblem(running, .conflict, type: "urn:haven:problem:idempotency-key-in-use")
                #expect(running.headers[.retryAfter] == "1")
                #expect(try await Self.count(database, "SELECT count(*) FROM families") == 0)

                #expect(try await send("abandoned").status == .created)
                #expect(try await send("expired").status == .created)
                #expect(try await Self.count(database, "SELECT count(*) FROM families") == 2)
                #expect(
                    try await Self.count(
                        database, "SELECT count(*) FROM idempotency_keys WHERE response_status = 201") == 2)
            }
        }
    }

    @Test("six copies of one keyed request sent at once record one family; each copy gets its answer or a 409")
    func simultaneousRetries() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await Self.fixture(database)
            let advocate = try Self.headers(fixture.members[.advocate], key: "simultaneous-1")
            // AsyncHTTPClient sends the copies really at once (the live client sends one at a time).
            try await ServerHarness.withServer(database: database, testing: .ahc(.http)) { client in
                let answers = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                    for _ in 0..<6 {
                        group.addTask {
                            let response = try await client.execute(
                                uri: "/v1/families", method: .post, headers: advocate,
                                body: ReferralPlanTests.body(ReferralPlanTests.familyJSON))
                            return (response.status, response.json["id"] as? String)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let created = answers.filter { $0.0 == .created }
                #expect(!created.isEmpty, "\(answers)")
                #expect(answers.allSatisfy { $0.0 == .created || $0.0 == .conflict }, "\(answers)")
                #expect(Set(created.compactMap(\.1)).count == 1, "every answer names the same family")
                #expect(try await Self.count(database, "SELECT count(*) FROM families") == 1)
            }
        }
    }

    @Test("unusable keys, and a key on a new token, are refused with 400 and write nothing")
    func unusableKeys() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await Self.fixture(database)
            try await ServerHarness.withServer(database: database) { client in
                for key in ["", "\"\"", String(repeating: "k", count: 256), "two words"] {
                    let refused = try await client.execute(
                        uri: "/v1/families", method: .post,
                        headers: try Self.headers(fixture.members[.advocate], key: key),
                        body: ReferralPlanTests.body(ReferralPlanTests.familyJSON))
                    let problem = expectProblem(refused, .badRequest, type: "urn:haven:problem:idempotency-key")
                    #expect((problem["detail"] as? String)?.contains("Idempotency-Key") == true, "\(key)")
                }
                let tokensBefore = try await Self.count(database, "SELECT count(*) FROM api_tokens")
                let token = try await client.execute(
                    uri: "/v1/tokens", method: .post, headers: try Self.headers(fixture.members[.admin], key: "t-1"),
                    body: ReferralPlanTests.body(#"{"name": "laptop"}"#))
                let problem = expectProblem(token, .badRequest, type: "urn:haven:problem:idempotency-key")
                #expect((problem["detail"] as? String)?.contains("shown once") == true)
                #expect(try await Self.count(database, "SELECT count(*) FROM api_tokens") == tokensBefore)
                #expect(try await Self.count(database, "SELECT count(*) FROM families") == 0)
                #expect(try await Self.count(database, "SELECT count(*) FROM idempotency_keys") == 0)
            }
        }
    }
}
