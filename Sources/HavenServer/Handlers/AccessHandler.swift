import Foundation
import HavenAPI
import HavenCore
import HavenStorage

/// Users, tokens, the caller and the audit log: translates between the API's types and
/// `AccessService`, nothing more.
struct AccessHandler: Sendable {
    let service: AccessService

    private var scope: RequestScope {
        get throws {
            guard let scope = RequestScope.current else { throw HTTPProblem.internalError() }
            return scope
        }
    }

    func whoami(_ input: Operations.Whoami.Input) async throws -> Operations.Whoami.Output {
        let (user, organizationName, tokenID) = try await service.whoami(try scope)
        let organization: Components.Schemas.OrganizationSummary? =
            if let id = user.organizationID, let organizationName {
                .init(id: id.apiString, name: organizationName)
            } else {
                nil
            }
        return .ok(.init(body: .json(.init(user: .init(user), organization: organization, tokenId: tokenID))))
    }

    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        let page = try await service.listUsers(try scope, limit: input.query.limit, cursor: input.query.cursor)
        return .ok(
            .init(body: .json(.init(data: page.items.map(Components.Schemas.User.init), nextCursor: page.nextCursor))))
    }

    func createUser(_ input: Operations.CreateUser.Input) async throws -> Operations.CreateUser.Output {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let user = try await service.createUser(
            try scope,
            name: body.name,
            role: Role(body.role),
            organizationID: body.organizationId
        )
        return .created(.init(body: .json(.init(user))))
    }

    func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        .ok(.init(body: .json(.init(try await service.getUser(try scope, id: input.path.id)))))
    }

    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let user = try await service.updateUser(
            try scope,
            id: input.path.id,
            name: body.name,
            role: body.role.map(Role.init),
            disabled: body.disabled
        )
        return .ok(.init(body: .json(.init(user))))
    }

    func listTokens(_ input: Operations.ListTokens.Input) async throws -> Operations.ListTokens.Output {
        let page = try await service.listTokens(
            try scope,
            userID: input.query.userId,
            limit: input.query.limit,
            cursor: input.query.cursor
        )
        return .ok(
            .init(body: .json(.init(data: page.items.map(Components.Schemas.Token.init), nextCursor: page.nextCursor))))
    }

    func createToken(_ input: Operations.CreateToken.Input) async throws -> Operations.CreateToken.Output {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let (token, secret) = try await service.createToken(
            try scope,
            userID: body.userId,
            name: body.name,
            expiresAt: body.expiresAt
        )
        return .created(
            .init(
                body: .json(
                    .init(
                        id: token.id.apiString,
                        userId: token.userID.apiString,
                        name: token.name,
                        createdAt: token.createdAt,
                        expiresAt: token.expiresAt,
                        token: secret
                    )
                )
            )
        )
    }

    func revokeToken(_ input: Operations.RevokeToken.Input) async throws -> Operations.RevokeToken.Output {
        try await service.revokeToken(try scope, id: input.path.id)
        return .noContent(.init())
    }

    func listAudit(_ input: Operations.ListAudit.Input) async throws -> Operations.ListAudit.Output {
        let query = input.query
        var filter = AuditLog.Filter(
            recordType: query.recordType,
            recordID: query.recordId,
            action: query.action,
            since: query.since,
            until: query.until
        )
        if let userID = query.userId {
            guard let parsed = UUID(uuidString: userID) else {
                throw AccessFailure.invalid([FieldError(pointer: "/user_id", detail: "must be a user's id (a UUID)")])
            }
            filter.userID = parsed
        }
        let page = try await service.listAudit(try scope, filter: filter, limit: query.limit, cursor: query.cursor)
        return .ok(
            .init(
                body: .json(
                    .init(data: page.items.map(Components.Schemas.AuditEntry.init), nextCursor: page.nextCursor)))
        )
    }
}

extension UUID {
    /// UUIDs in the API are lowercase, as PostgreSQL prints them.
    ///
    /// Written by hand: Foundation's `uuidString` goes through C's `snprintf` with sixteen fields,
    /// and a page of search results writes about sixty of them.
    var apiString: String {
        String(unsafeUninitializedCapacity: 36) { text in
            withUnsafeBytes(of: uuid) { bytes in
                var at = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    text[at] = Hex.digits[Int(byte >> 4)]
                    text[at + 1] = Hex.digits[Int(byte & 0x0F)]
                    at += 2
                }
                return at
            }
        }
    }
}

// The contract's role enum and the domain's are the same list (a test holds them together), so
// the raw value converts one into the other.
extension Role {
    init(_ role: Components.Schemas.Role) {
        self = Role(rawValue: role.rawValue) ?? .partner
    }
}

extension Components.Schemas.Role {
    init(_ role: Role) {
        self = Components.Schemas.Role(rawValue: role.rawValue) ?? .partner
    }
}

extension Components.Schemas.User {
    init(_ user: User) {
        self.init(
            id: user.id.apiString,
            name: user.name,
            role: .init(user.role),
            organizationId: user.organizationID?.apiString,
            disabled: user.isDisabled,
            createdAt: user.createdAt,
            updatedAt: user.updatedAt
        )
    }
}

extension Components.Schemas.Token {
    init(_ token: APIToken) {
        self.init(
            id: token.id.apiString,
            userId: token.userID.apiString,
            name: token.name,
            createdAt: token.createdAt,
            lastUsedAt: token.lastUsedAt,
            expiresAt: token.expiresAt,
            revokedAt: token.revokedAt
        )
    }
}

extension Components.Schemas.AuditEntry {
    init(_ record: AuditRecord) {
        let event = record.event
        self.init(
            seq: record.seq,
            occurredAt: record.occurredAt,
            userId: event.userID,
            tokenId: event.tokenID,
            role: event.role,
            action: event.action,
            recordType: event.recordType,
            recordId: event.recordID,
            outcome: .init(rawValue: event.outcome.rawValue) ?? .failed,
            requestId: event.requestID,
            clientAddress: event.clientAddress
        )
    }
}
