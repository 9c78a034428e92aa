import Foundation
import HTTPTypes
import HavenAPI
import HavenCore
import HavenStorage
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@Suite("Access over HTTP")
struct AccessTests {
    let cluster = TestDatabaseCluster.shared

    func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    func json(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

    @Test("no token, a malformed header or an unknown token is a 401 with a Bearer challenge")
    func unauthenticated() async throws {
        try await cluster.withMigratedDatabase { database in
            try await ServerHarness.withServer(database: database) { client in
                let none = try await client.execute(uri: "/v1/whoami", method: .get)
                expectProblem(none, .unauthorized)
                #expect(none.headers[.wwwAuthenticate] == #"Bearer realm="haven""#)

                let malformed = try await client.execute(
                    uri: "/v1/whoami",
                    method: .get,
                    headers: [.authorization: "Basic dXNlcjpwYXNz"]
                )
                expectProblem(malformed, .unauthorized)
                #expect(malformed.headers[.wwwAuthenticate] == #"Bearer realm="haven", error="invalid_request""#)

                let unknown = try await client.execute(
                    uri: "/v1/whoami",
                    method: .get,
                    headers: bearer("hvn_" + String(repeating: "x", count: 43))
                )
                expectProblem(unknown, .unauthorized)
                #expect(unknown.headers[.wwwAuthenticate] == #"Bearer realm="haven", error="invalid_token""#)
            }
        }
    }

    @Test("revoking a token or disabling a user takes effect on the very next request", .timeLimit(.minutes(1)))
    func revocationIsImmediate() async throws {
        try await cluster.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let admin = try #require(fixture.members[.admin]).token
            let advocate = try #require(fixture.members[.advocate])
            let coordinator = try #require(fixture.members[.coordinator])
            let listener = try ChangeListener.patient(url: database.url, logger: database.logger)
            try await ServerHarness.withServer(database: database, changes: listener) { client in
                try await listener.callers.waitForGeneration(after: 0)
                #expect(listener.callers.isListening)
                let before = try await client.execute(uri: "/v1/whoami", method: .get, headers: bearer(advocate.token))
                #expect(before.status == .ok)
                #expect((before.json["user"] as? [String: Any])?["role"] as? String == "advocate")
                // The check is kept, so the revocation must reach the kept answer too.
                #expect(listener.callers.caller(forHash: TokenSecret.hash(advocate.token))?.role == .advocate)

                let beforeRevoke = listener.callers.generation
                let revoke = try await client.execute(
                    uri: "/v1/tokens/\(advocate.tokenID.uuidString.lowercased())",
                    method: .delete,
                    headers: bearer(advocate.token)
                )
                #expect(revoke.status == .noContent)
                let after = try await client.execute(uri: "/v1/whoami", method: .get, headers: bearer(advocate.token))
                expectProblem(after, .unauthorized)

                // The revocation empties the cache twice: at once on this server, then on
                // PostgreSQL's notice. A check taken before the notice arrives is rightly not
                // kept, so wait for it before expecting the coordinator's check to be kept.
                try await listener.callers.waitForGeneration(after: beforeRevoke + 1)
                #expect(
                    try await client.execute(uri: "/v1/whoami", method: .get, headers: bearer(coordinator.token)).status
                        == .ok
                )
                #expect(listener.callers.caller(forHash: TokenSecret.hash(coordinator.token)) != nil)
                let disable = try await client.execute(
                    uri: "/v1/users/\(coordinator.user.id.uuidString.lowercased())",
                    method: .patch,
                    headers: json(admin),
                    body: ByteBuffer(string: #"{"disabled": true}"#)
                )
                #expect(disable.status == .ok)
                #expect(disable.json["disabled"] as? Bool == true)
                let disabled = try await client.execute(
                    uri: "/v1/whoami", method: .get, headers: bearer(coordinator.token))
                expectProblem(disabled, .unauthorized)
            }
        }
    }

    @Test("another user's token answers 404 exactly like a token that does not exist")
    func outOfScopeIsNotFound() async throws {
        try await cluster.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let advocate = try #require(fixture.members[.advocate]).token
            let colleagueToken = try #require(fixture.colleagues[.advocate]).tokenID
            try await ServerHarness.withServer(database: database) { client in
                let theirs = try await client.execute(
                    uri: "/v1/tokens/\(colleagueToken.uuidString.lowercased())",
                    method: .delete,
                    headers: bearer(advocate)
                )
                let absent = try await client.execute(
                    uri: "/v1/tokens/\(UUID().uuidString.lowercased())",
                    method: .delete,
                    headers: bearer(advocate)
                )
                var theirProblem = expectProblem(theirs, .notFound)
                var absentProblem = expectProblem(absent, .notFound)
                theirProblem["instance"] = nil
                absentProblem["instance"] = nil
                #expect(NSDictionary(dictionary: theirProblem) == NSDictionary(dictionary: absentProblem))
                #expect(theirs.headers[.contentLength] == absent.headers[.contentLength])

                // The colleague's token still works: nothing was revoked.
                let colleague = try #require(fixture.colleagues[.advocate]).token
                #expect(
                    try await client.execute(uri: "/v1/whoami", method: .get, headers: bearer(colleague)).status == .ok)
            }
        }
    }

    @Test("allowed and denied accesses leave audit rows with caller, action, record, outcome and request id")
    func auditTrail() async throws {
        try await cluster.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let admin = try #require(fixture.members[.admin])
            let partner = try #require(fixture.members[.partner])
            let target = try #require(fixture.outsiders[.curator]).user.id.uuidString.lowercased()
            try await ServerHarness.withServer(database: database) { client in
                let allowed = try await client.execute(
                    uri: "/v1/users/\(target)", method: .get, headers: bearer(admin.token))
                #expect(allowed.status == .ok)
                let denied = try await client.execute(
                    uri: "/v1/users/\(target)", method: .get, headers: bearer(partner.token))
                expectProblem(denied, .forbidden)
                let anonymous = try await client.execute(uri: "/v1/users", method: .get)
                expectProblem(anonymous, .unauthorized)
                let tokens = try await client.execute(
                    uri: "/v1/tokens?user_id=\(target)", method: .get, headers: bearer(admin.token))
                #expect(tokens.status == .ok)

                let audit = try await client.execute(
                    uri: "/v1/audit?limit=10",
                    method: .get,
                    headers: bearer(admin.token)
                )
                #expect(audit.status == .ok)
                let entries = try #require(audit.json["data"] as? [[String: Any]])
                func entry(requestID: String?) -> [String: Any]? {
                    entries.first { $0["request_id"] as? String == requestID }
                }
                let allowedEntry = try #require(entry(requestID: allowed.requestID))
                #expect(allowedEntry["action"] as? String == "getUser")
                #expect(allowedEntry["outcome"] as? String == "allowed")
                #expect(allowedEntry["record_id"] as? String == target)
                #expect(allowedEntry["user_id"] as? String == admin.user.id.uuidString.lowercased())
                #expect(allowedEntry["client_address"] as? String != nil)

                let deniedEntry = try #require(entry(requestID: denied.requestID))
                #expect(deniedEntry["outcome"] as? String == "denied")
                #expect(deniedEntry["role"] as? String == "partner")
                let tokensEntry = try #require(entry(requestID: tokens.requestID), "reading tokens is recorded")
                #expect(tokensEntry["action"] as? String == "listTokens")
                #expect(tokensEntry["record_id"] as? String == target)
                let anonymousEntry = try #require(entry(requestID: anonymous.requestID))
                #expect(anonymousEntry["outcome"] as? String == "denied")
                #expect(anonymousEntry["user_id"] == nil)

                let filtered = try await client.execute(
                    uri: "/v1/audit?user_id=\(partner.user.id.uuidString.lowercased())",
                    method: .get,
                    headers: bearer(admin.token)
                )
                let partnerEntries = try #require(filtered.json["data"] as? [[String: Any]])
                #expect(partnerEntries.count == 1)
                #expect(partnerEntries.first?["request_id"] as? String == denied.requestID)
            }
            try await database.withClient { client in
                try await client.withConnection { connection in
                    if case .broken = try await AuditLog(logger: database.logger).verify(on: connection) {
                        Issue.record("the audit chain should be intact")
                    }
                }
            }
        }
    }

    @Test("bad input is a clear problem and changes nothing")
    func badInput() async throws {
        try await cluster.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let admin = try #require(fixture.members[.admin])
            try await ServerHarness.withServer(database: database) { client in
                let unknownField = try await client.execute(
                    uri: "/v1/users",
                    method: .post,
                    headers: json(admin.token),
                    body: ByteBuffer(string: #"{"name": "Demo", "role": "curator", "email": "x@example.org"}"#)
                )
                let problem = expectProblem(unknownField, .unprocessableContent, type: "urn:haven:problem:validation")
                let errors = try #require(problem["errors"] as? [[String: String]])
                #expect(errors == [["pointer": "/email", "detail": "is not a known field"]])

                let partnerWithoutOrganization = try await client.execute(
                    uri: "/v1/users",
                    method: .post,
                    headers: json(admin.token),
                    body: ByteBuffer(string: #"{"name": "Demo partner", "role": "partner"}"#)
                )
                let partnerProblem = expectProblem(
                    partnerWithoutOrganization,
                    .unprocessableContent,
                    type: "urn:haven:problem:validation"
                )
                #expect((partnerProblem["errors"] as? [[String: String]])?.first?["pointer"] == "/organization_id")

                let notJSON = try await client.execute(
                    uri: "/v1/users",
                    method: .post,
                    headers: json(admin.token),
                    body: ByteBuffer(string: "{not json")
                )
                expectProblem(notJSON, .badRequest)

                let hugePage = try await client.execute(
                    uri: "/v1/users?limit=500", method: .get, headers: bearer(admin.token))
                expectProblem(hugePage, .unprocessableContent, type: "urn:haven:problem:validation")
                let badCursor = try await client.execute(
                    uri: "/v1/users?cursor=garbage",
                    method: .get,
                    headers: bearer(admin.token)
                )
                expectProblem(badCursor, .unprocessableContent, type: "urn:haven:problem:validation")

                let notAnID = try await client.execute(
                    uri: "/v1/users/not-a-uuid", method: .get, headers: bearer(admin.token))
                expectProblem(notAnID, .notFound)

                let lockout = try await client.execute(
                    uri: "/v1/users/\(admin.user.id.uuidString.lowercased())",
                    method: .patch,
                    headers: json(admin.token),
                    body: ByteBuffer(string: #"{"disabled": true}"#)
                )
                expectProblem(lockout, .unprocessableContent, type: "urn:haven:problem:validation")

                // Nothing above created a user: the fixture's 15 are all there are.
                let list = try await client.execute(
                    uri: "/v1/users?limit=100", method: .get, headers: bearer(admin.token))
                #expect((list.json["data"] as? [Any])?.count == 15)
            }
        }
    }

    @Test("an admin creates a user and a token; the secret is shown once and works at once")
    func createUserAndToken() async throws {
        try await cluster.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let admin = try #require(fixture.members[.admin]).token
            try await ServerHarness.withServer(database: database) { client in
                let created = try await client.execute(
                    uri: "/v1/users",
                    method: .post,
                    headers: json(admin),
                    body: ByteBuffer(
                        string:
                            #"{"name": "Demo Advocate", "role": "advocate", "organization_id": "\#(fixture.organizationA.uuidString.lowercased())"}"#
                    )
                )
                #expect(created.status == .created)
                let userID = try #require(created.json["id"] as? String)

                let token = try await client.execute(
                    uri: "/v1/tokens",
                    method: .post,
                    headers: json(admin),
                    body: ByteBuffer(string: #"{"user_id": "\#(userID)", "name": "laptop"}"#)
                )
                #expect(token.status == .created)
                let secret = try #require(token.json["token"] as? String)
                #expect(secret.hasPrefix("hvn_"))

                let whoami = try await client.execute(uri: "/v1/whoami", method: .get, headers: bearer(secret))
                #expect((whoami.json["user"] as? [String: Any])?["id"] as? String == userID)

                let listed = try await client.execute(uri: "/v1/tokens", method: .get, headers: bearer(secret))
                let tokens = try #require(listed.json["data"] as? [[String: Any]])
                #expect(tokens.count == 1)
                #expect(tokens.first?["token"] == nil)
                #expect(!String(buffer: listed.body).contains(secret))
            }
        }
    }
}

@Suite("API contract and domain agree")
struct ContractAgreementTests {
    @Test("the contract's roles are exactly the domain's roles")
    func roles() {
        #expect(
            Set(Components.Schemas.Role.allCases.map(\.rawValue)) == Set(HavenCore.Role.allCases.map(\.rawValue))
        )
    }
}
