import Foundation
import HavenCore
import HavenStorage
import HavenTestSupport
import PostgresNIO
import Testing

@Suite("Access storage")
struct AccessStorageTests {
    let cluster = TestDatabaseCluster.shared

    @Test("a token is stored only as its SHA-256; the secret appears nowhere in the table")
    func tokensStoredHashed() async throws {
        try await cluster.withMigratedDatabase { database in
            try await database.withClient { client in
                let fixture = try await AccessFixture.make(on: client, logger: database.logger)
                let member = try #require(fixture.members[.advocate])
                #expect(member.token.hasPrefix("hvn_"))
                #expect(member.token.count == 47)

                let rows = try await client.query(
                    "SELECT token_hash, row_to_json(t)::text FROM api_tokens t WHERE id = \(member.tokenID)"
                )
                var checked = false
                for try await (hash, json) in rows.decode((Data, String).self) {
                    #expect(Array(hash) == TokenSecret.hash(member.token))
                    #expect(!json.contains(member.token))
                    #expect(!json.contains(String(member.token.dropFirst(4).prefix(16))))
                    checked = true
                }
                #expect(checked)
            }
        }
    }

    @Test("a token stops authenticating when revoked, expired, or when its user is disabled")
    func authenticationFollowsState() async throws {
        try await cluster.withMigratedDatabase { database in
            try await database.withClient { client in
                let fixture = try await AccessFixture.make(on: client, logger: database.logger)
                let tokens = TokenRepository(logger: database.logger)
                let users = UserRepository(logger: database.logger)
                let member = try #require(fixture.members[.coordinator])
                let colleague = try #require(fixture.colleagues[.coordinator])
                try await client.withConnection { connection in
                    let caller = try await tokens.authenticate(secret: member.token, on: connection)?.caller
                    #expect(caller?.role == .coordinator)
                    #expect(caller?.userID == member.user.id.uuidString.lowercased())
                    #expect(
                        try await tokens.authenticate(
                            secret: "hvn_" + String(repeating: "A", count: 43), on: connection) == nil)
                    #expect(try await tokens.authenticate(secret: "not a token", on: connection) == nil)

                    #expect(try await tokens.revoke(id: member.tokenID, on: connection))
                    #expect(try await tokens.authenticate(secret: member.token, on: connection) == nil)

                    _ = try await users.update(
                        id: colleague.user.id, name: nil, role: nil, disabled: true, on: connection)
                    #expect(try await tokens.authenticate(secret: colleague.token, on: connection) == nil)
                    _ = try await users.update(
                        id: colleague.user.id, name: nil, role: nil, disabled: false, on: connection)
                    #expect(try await tokens.authenticate(secret: colleague.token, on: connection) != nil)

                    let expiring = try await tokens.create(
                        userID: colleague.user.id,
                        name: "short",
                        expiresAt: Date().addingTimeInterval(3600),
                        on: connection
                    )
                    let found = try await tokens.authenticate(secret: expiring.secret, on: connection)
                    // The expiry comes back with the caller, so a cached answer never outlives it.
                    let expiresAt = try #require(found?.expiresAt)
                    #expect(abs(expiresAt.timeIntervalSince(expiring.token.expiresAt!)) < 0.001)
                    try await connection.query(
                        "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = \(expiring.token.id)",
                        logger: database.logger
                    )
                    #expect(try await tokens.authenticate(secret: expiring.secret, on: connection) == nil)
                }
            }
        }
    }

    @Test("the audit log refuses edits and deletes, and verification finds a tampered or removed row")
    func auditChain() async throws {
        try await cluster.withMigratedDatabase { database in
            try await database.withClient { client in
                let audit = AuditLog(logger: database.logger)
                try await client.withConnection { connection in
                    for action in ["createUser", "getUser", "revokeToken", "listAudit"] {
                        let event = AuditEvent(
                            caller: nil,
                            action: action,
                            recordType: "user",
                            recordID: UUID().uuidString.lowercased(),
                            outcome: .allowed,
                            requestID: "req-\(action)",
                            clientAddress: "127.0.0.1"
                        )
                        try await audit.record(event, on: connection)
                    }
                    #expect(try await audit.verify(on: connection) == .intact(rows: 4))

                    await #expect(throws: PSQLError.self) {
                        try await connection.query(
                            "UPDATE audit_log SET action = 'nothing' WHERE seq = 2", logger: database.logger)
                    }
                    await #expect(throws: PSQLError.self) {
                        try await connection.query("DELETE FROM audit_log WHERE seq = 2", logger: database.logger)
                    }
                    await #expect(throws: PSQLError.self) {
                        try await connection.query("TRUNCATE audit_log", logger: database.logger)
                    }

                    // Someone with the power to switch the guard off can still edit a row, but
                    // not without the chain showing it.
                    try await connection.query(
                        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update", logger: database.logger)
                    try await connection.query(
                        "UPDATE audit_log SET outcome = 'denied' WHERE seq = 2", logger: database.logger)
                    #expect(
                        try await audit.verify(on: connection)
                            == .broken(seq: 2, reason: "its content does not match its hash")
                    )
                    try await connection.query("DELETE FROM audit_log WHERE seq = 2", logger: database.logger)
                    #expect(
                        try await audit.verify(on: connection)
                            == .broken(seq: 3, reason: "a row before this one is missing")
                    )
                }
            }
        }
    }
}
