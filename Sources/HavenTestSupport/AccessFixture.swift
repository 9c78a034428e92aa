import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

/// Fictional organizations and users for access tests: one user of every role in organization
/// A, each with a token, and a second user of every role in A and in B to act as "someone
/// else's" records.
public struct AccessFixture: Sendable {
    public struct Member: Sendable {
        public let user: User
        public let token: String
        public let tokenID: UUID
    }

    public let organizationA: UUID
    public let organizationB: UUID
    /// One member of every role in organization A.
    public let members: [Role: Member]
    /// Another user of every role in organization A.
    public let colleagues: [Role: Member]
    /// A user of every role in organization B.
    public let outsiders: [Role: Member]

    public static func make(on client: PostgresClient, logger: Logger) async throws -> AccessFixture {
        try await client.withConnection { connection in
            let users = UserRepository(logger: logger)
            let organizationA = try await users.createOrganization(name: "Demo Advocacy Center A", on: connection)
            let organizationB = try await users.createOrganization(name: "Demo Partner Services B", on: connection)
            func members(_ label: String, _ organization: UUID) async throws -> [Role: Member] {
                var result: [Role: Member] = [:]
                for role in Role.allCases {
                    result[role] = try await member(
                        name: "Demo \(label) \(role.rawValue)",
                        role: role,
                        organization: organization,
                        on: connection,
                        logger: logger
                    )
                }
                return result
            }
            return AccessFixture(
                organizationA: organizationA,
                organizationB: organizationB,
                members: try await members("member", organizationA),
                colleagues: try await members("colleague", organizationA),
                outsiders: try await members("outsider", organizationB)
            )
        }
    }

    public static func member(
        name: String,
        role: Role,
        organization: UUID,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Member {
        let user = try await UserRepository(logger: logger).create(
            name: name,
            role: role,
            organizationID: organization,
            on: connection
        )
        let (token, secret) = try await TokenRepository(logger: logger).create(
            userID: user.id,
            name: "test",
            expiresAt: nil,
            on: connection
        )
        return Member(user: user, token: secret, tokenID: token.id)
    }

    /// A second token for a user, for tests that revoke one.
    public static func spareToken(for user: UUID, on client: PostgresClient, logger: Logger) async throws -> (
        id: UUID, secret: String
    ) {
        try await client.withConnection { connection in
            let (token, secret) = try await TokenRepository(logger: logger).create(
                userID: user,
                name: "spare",
                expiresAt: nil,
                on: connection
            )
            return (token.id, secret)
        }
    }
}
