import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

/// Why an access operation could not be done, in terms the HTTP layer turns into problems.
enum AccessFailure: Error {
    /// Missing, or outside the caller's scope: the two are indistinguishable on purpose.
    case notFound
    /// A record that exists but is outside the caller's scope. Answers exactly like `notFound`;
    /// `AccessMiddleware` records the denied attempt first.
    case outOfScope(recordType: String, recordID: UUID)
    /// A record named in a request body that is outside the caller's scope. Answers exactly like
    /// a record that does not exist (a 422 on the field, `field`); `AccessMiddleware` records the
    /// denied attempt first, as for `outOfScope`.
    case outOfScopeField(recordType: String, recordID: UUID, field: FieldError)
    /// Public reference data (a ZIP code) that does not exist: saying which is safe and kind.
    case unknownReference(String)
    case invalid([FieldError])
    /// A write to a versioned record without `If-Match`: 428.
    case preconditionRequired
    /// `If-Match` names a version that is no longer current: 412.
    case preconditionFailed(current: Int)
    /// The request is valid but the state does not allow it now (a volunteer with no room left,
    /// a family already waiting): 409, saying what is in the way.
    case conflict(String)

    /// A `cursor` that is not a `next_cursor` Haven gave out (or one from another list).
    static let unknownCursor = AccessFailure.invalid([
        FieldError(pointer: "/cursor", detail: "is not one Haven gave out: pass next_cursor back as it came")
    ])
}

/// Users, tokens and the audit log: the rules behind the Access endpoints. Every change is
/// written in one transaction together with its audit record.
struct AccessService: Sendable {
    let postgres: PostgresClient
    /// Emptied after this server revokes a token or changes a user, so its own next request
    /// already sees the change; other servers hear of it from the database's notice.
    let callers: CallerCache
    let users: UserRepository
    let tokens: TokenRepository
    let audit: AuditLog
    let logger: Logger

    init(postgres: PostgresClient, callers: CallerCache, logger: Logger) {
        self.postgres = postgres
        self.callers = callers
        self.logger = logger
        self.users = UserRepository(logger: logger)
        self.tokens = TokenRepository(logger: logger)
        self.audit = AuditLog(logger: logger)
    }

    // MARK: Caller

    func whoami(_ scope: RequestScope) async throws -> (User, organizationName: String?, tokenID: String) {
        let caller = try scope.requireCaller()
        guard let id = UUID(uuidString: caller.userID) else { throw AccessFailure.notFound }
        return try await postgres.withConnection { connection in
            guard let user = try await users.find(id: id, on: connection) else { throw AccessFailure.notFound }
            let organizationName: String? =
                if let organization = user.organizationID {
                    try await users.organizationName(organization, on: connection)
                } else {
                    nil
                }
            return (user, organizationName, caller.tokenID)
        }
    }

    // MARK: Users

    func listUsers(_ scope: RequestScope, limit: Int?, cursor: String?) async throws -> Page<User> {
        let (limit, after) = try Paging.parse(limit: limit, cursor: cursor)
        let found = try await postgres.withConnection { connection in
            let found = try await users.list(after: after, limit: limit + 1, on: connection)
            try await audit.record(scope.event("listUsers", record: ("user", nil)), on: connection)
            return found
        }
        return Paging.page(found, limit: limit) { PageCursor(createdAt: $0.createdAt, id: $0.id).encoded }
    }

    func createUser(_ scope: RequestScope, name: String, role: Role, organizationID: String?) async throws -> User {
        var errors: [FieldError] = []
        let validName = AccessValidation.name(name)
        if case .failure(let error) = validName { errors.append(error) }
        var organization: UUID?
        if let organizationID {
            organization = UUID(uuidString: organizationID)
            if organization == nil { errors.append(FieldError(pointer: "/organization_id", detail: "is not a UUID")) }
        }
        if let error = AccessValidation.organization(organization, for: role), organizationID == nil {
            errors.append(error)
        }
        guard errors.isEmpty, case .success(let name) = validName else { throw AccessFailure.invalid(errors) }

        return try await postgres.transaction(logger: logger) { connection in
            if let organization, !(try await users.organizationExists(organization, on: connection)) {
                throw AccessFailure.invalid([
                    FieldError(pointer: "/organization_id", detail: "names no known organization")
                ])
            }
            let user = try await users.create(name: name, role: role, organizationID: organization, on: connection)
            try await audit.record(scope.event("createUser", record: ("user", user.id)), on: connection)
            return user
        }
    }

    func getUser(_ scope: RequestScope, id: String) async throws -> User {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        return try await postgres.withConnection { connection in
            guard let user = try await users.find(id: id, on: connection) else { throw AccessFailure.notFound }
            try await audit.record(scope.event("getUser", record: ("user", user.id)), on: connection)
            return user
        }
    }

    func updateUser(_ scope: RequestScope, id: String, name: String?, role: Role?, disabled: Bool?) async throws
        -> User
    {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        var validName: String?
        if let name {
            switch AccessValidation.name(name) {
            case .success(let name): validName = name
            case .failure(let error): throw AccessFailure.invalid([error])
            }
        }
        if id.uuidString.lowercased() == scope.caller?.userID, disabled == true || (role != nil && role != .admin) {
            // An admin locking themselves out is almost always a mistake, and unrecoverable via the API.
            throw AccessFailure.invalid([
                FieldError(
                    pointer: disabled == true ? "/disabled" : "/role", detail: "you cannot remove your own admin access"
                )
            ])
        }
        defer { callers.invalidate() }
        return try await postgres.transaction(logger: logger) { connection in
            guard let current = try await users.find(id: id, on: connection) else { throw AccessFailure.notFound }
            let newRole = role ?? current.role
            if newRole == .partner, current.organizationID == nil {
                throw AccessFailure.invalid([FieldError(pointer: "/role", detail: "a partner needs an organization")])
            }
            guard
                let user = try await users.update(
                    id: id,
                    name: validName,
                    role: role,
                    disabled: disabled,
                    on: connection
                )
            else { throw AccessFailure.notFound }
            try await audit.record(scope.event("updateUser", record: ("user", user.id)), on: connection)
            return user
        }
    }

    // MARK: Tokens

    func listTokens(_ scope: RequestScope, userID: String?, limit: Int?, cursor: String?) async throws
        -> Page<APIToken>
    {
        let caller = try scope.requireCaller()
        let (limit, after) = try Paging.parse(limit: limit, cursor: cursor)
        var owner: UUID? = caller.role == .admin ? nil : UUID(uuidString: caller.userID)
        if let userID {
            guard let requested = UUID(uuidString: userID) else { throw AccessFailure.notFound }
            let relationship: Relationship = userID.lowercased() == caller.userID ? .own : .otherOrganization
            guard AccessPolicy.decide(.listTokens, caller: caller, relationship: relationship) == .allow else {
                throw AccessFailure.outOfScope(recordType: "user", recordID: requested)
            }
            owner = requested
        }
        let found = try await postgres.withConnection { connection in
            let found = try await tokens.list(userID: owner, after: after, limit: limit + 1, on: connection)
            try await audit.record(scope.event("listTokens", record: ("user", owner)), on: connection)
            return found
        }
        return Paging.page(found, limit: limit) { PageCursor(createdAt: $0.createdAt, id: $0.id).encoded }
    }

    func createToken(_ scope: RequestScope, userID: String, name: String, expiresAt: Date?) async throws -> (
        APIToken, secret: String
    ) {
        var errors: [FieldError] = []
        let owner = UUID(uuidString: userID)
        if owner == nil { errors.append(FieldError(pointer: "/user_id", detail: "is not a UUID")) }
        let validName = AccessValidation.name(name)
        if case .failure(let error) = validName { errors.append(error) }
        if let error = AccessValidation.expiry(expiresAt, now: Date()) { errors.append(error) }
        guard errors.isEmpty, let owner, case .success(let name) = validName else {
            throw AccessFailure.invalid(errors)
        }
        return try await postgres.transaction(logger: logger) { connection in
            guard let user = try await users.find(id: owner, on: connection) else {
                throw AccessFailure.invalid([FieldError(pointer: "/user_id", detail: "names no known user")])
            }
            if user.isDisabled {
                throw AccessFailure.invalid([FieldError(pointer: "/user_id", detail: "names a disabled user")])
            }
            let created = try await tokens.create(userID: owner, name: name, expiresAt: expiresAt, on: connection)
            try await audit.record(scope.event("createToken", record: ("token", created.token.id)), on: connection)
            return created
        }
    }

    func revokeToken(_ scope: RequestScope, id: String) async throws {
        let caller = try scope.requireCaller()
        guard let id = UUID(uuidString: id),
            let token = try await postgres.withConnection({ try await tokens.find(id: id, on: $0) })
        else { throw AccessFailure.notFound }
        let relationship: Relationship =
            token.userID.uuidString.lowercased() == caller.userID ? .own : .otherOrganization
        guard AccessPolicy.decide(.revokeToken, caller: caller, relationship: relationship) == .allow else {
            throw AccessFailure.outOfScope(recordType: "token", recordID: id)
        }
        try await postgres.transaction(logger: logger) { connection in
            _ = try await tokens.revoke(id: id, on: connection)
            try await audit.record(scope.event("revokeToken", record: ("token", id)), on: connection)
        }
        callers.invalidate()
    }

    // MARK: Audit

    func listAudit(_ scope: RequestScope, filter: AuditLog.Filter, limit: Int?, cursor: String?) async throws
        -> Page<AuditRecord>
    {
        let (limit, _) = try Paging.parse(limit: limit, cursor: nil)
        var before: Int64?
        if let cursor {
            guard let seq = Int64(cursor), seq > 0 else {
                throw AccessFailure.unknownCursor
            }
            before = seq
        }
        let found = try await postgres.withConnection { connection in
            let found = try await audit.list(filter, before: before, limit: limit + 1, on: connection)
            try await audit.record(scope.event("listAudit", record: ("audit", nil)), on: connection)
            return found
        }
        return Paging.page(found, limit: limit) { String($0.seq) }
    }
}

extension RequestScope {
    func requireCaller() throws -> Caller {
        // AccessMiddleware guarantees a caller on every non-public operation.
        guard let caller else { throw HTTPProblem.unauthenticated(.none) }
        return caller
    }

    func event(_ action: String, record: (type: String, id: UUID?)) -> AuditEvent {
        AuditEvent(
            caller: caller,
            action: action,
            recordType: record.type,
            recordID: record.id?.uuidString.lowercased(),
            outcome: .allowed,
            requestID: requestID,
            clientAddress: clientAddress
        )
    }
}
