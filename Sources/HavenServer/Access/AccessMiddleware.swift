import Foundation
import HTTPTypes
import HavenCore
import HavenStorage
import Logging
import OpenAPIRuntime
import PostgresNIO

/// Authentication and role-level authorization for every API operation, in one place.
///
/// It runs inside the OpenAPI layer, so it knows each request's `operationId` and asks
/// `AccessPolicy` about it; an operation the policy does not know is refused (deny by default).
/// Public operations never look at credentials. Denied attempts are audited.
struct AccessMiddleware: ServerMiddleware {
    let postgres: PostgresClient
    let authenticator: Authenticator
    let audit: AuditLog
    /// Each token's request budget.
    let tokenLimiter: RateLimiter
    /// Each address's budget of failed authentications (a refused token, or none sent): once it
    /// is spent, the address gets 429 for every operation that needs a token, right or wrong.
    let failureLimiter: RateLimiter
    let logger: Logger

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let operation = HavenCore.Operation(rawValue: operationID) else {
            logger.error("operation missing from the access policy", metadata: ["operation": "\(operationID)"])
            throw HTTPProblem(.forbidden, detail: "This operation is not open to anyone.")
        }
        if AccessPolicy.audience(of: operation) == .everyone {
            return try await next(request, body, metadata)
        }

        var scope = RequestScope.current ?? RequestScope(requestID: "unknown", clientAddress: nil)
        let address = scope.clientAddress ?? "unknown"
        // An address that has spent its failures is refused before its token is even looked
        // up: a right guess after many wrong ones gets 429 too, and costs no database work.
        try failureLimiter.check(address)
        let credentials = BearerCredentials(request.headerFields[.authorization])
        var caller: Caller?
        if case .token(let secret) = credentials {
            caller = try await authenticator.caller(secret: secret)
        }

        switch AccessPolicy.decide(operation, caller: caller) {
        case .allow:
            if let caller { try tokenLimiter.spend(caller.tokenID) }
            scope.caller = caller
            do {
                return try await RequestScope.$current.withValue(scope) {
                    try await next(request, body, metadata)
                }
            } catch {
                // A record of another organization answers 404 like an absent one, and the
                // attempt is recorded: probing for families' ids leaves a trace. An absent
                // record of the same kinds is recorded too, so that the two cannot be told
                // apart by how long the answer took either. Only where the path names the record
                // alone: a missing version of a plan the caller may see is not a denial.
                switch AccessFailure(unwrapping: error) {
                case .outOfScope(let type, let id), .outOfScopeField(let type, let id, _):
                    await recordDenial(operation, caller: caller, scope: scope, record: (type, id))
                case .notFound where AccessPolicy.hidesRecords(operation) && metadata.pathParameters.count <= 1:
                    let id = metadata.pathParameters["id"].flatMap { UUID(uuidString: String($0)) }
                    let type = Self.recordType(ofPath: request.path ?? "")
                    await recordDenial(
                        operation, caller: caller, scope: scope, record: type.flatMap { type in id.map { (type, $0) } })
                default: break
                }
                throw error
            }
        // Budgets are spent before a denial is recorded: the audit log keeps every row for good,
        // so a loop of refused requests must run out of budget, not fill the log.
        case .unauthenticated:
            try failureLimiter.spend(address)
            await recordDenial(operation, caller: nil, scope: scope)
            throw HTTPProblem.unauthenticated(credentials)
        case .forbidden, .outOfScope:
            if let caller { try tokenLimiter.spend(caller.tokenID) }
            await recordDenial(operation, caller: caller, scope: scope)
            throw HTTPProblem(.forbidden, detail: "Your role does not allow this.")
        }
    }

    /// The kind of record a path names, as audit rows call it (`/v1/families/{id}/plans` names
    /// a family).
    static func recordType(ofPath path: String) -> String? {
        let segments = path.prefix { $0 != "?" }.split(separator: "/")
        guard segments.count >= 3, segments[0] == "v1" else { return nil }
        return switch segments[1] {
        case "families": "family"
        case "plans": "plan"
        case "referrals": "referral"
        case "volunteers": "volunteer"
        case "mentor-matches": "mentor_match"
        case "consents": "consent"
        case "tokens": "token"
        case "users": "user"
        default: nil
        }
    }

    private func recordDenial(
        _ operation: HavenCore.Operation, caller: Caller?, scope: RequestScope, record: (type: String, id: UUID)? = nil
    ) async {
        let event = AuditEvent(
            caller: caller,
            action: operation.rawValue,
            recordType: record?.type,
            recordID: record?.id.uuidString.lowercased(),
            outcome: .denied,
            requestID: scope.requestID,
            clientAddress: scope.clientAddress
        )
        await audit.recordDenial(event, using: postgres)
    }
}

/// The token check: from `CallerCache` when it may answer, otherwise from the database, whose
/// answer the cache then keeps.
struct Authenticator: Sendable {
    let postgres: PostgresClient
    let tokens: TokenRepository
    let cache: CallerCache

    func caller(secret: String) async throws -> Caller? {
        guard TokenSecret.isWellFormed(secret) else { return nil }
        let hash = TokenSecret.hash(secret)
        if let known = cache.caller(forHash: hash) { return known }
        // Taken before the database is read: a notice arriving meanwhile voids it.
        let ticket = cache.ticket()
        guard let found = try await postgres.withConnection({ try await tokens.authenticate(hash: hash, on: $0) })
        else { return nil }
        if let ticket { cache.store(found.caller, expiresAt: found.expiresAt, forHash: hash, ticket: ticket) }
        return found.caller
    }
}

/// What the `Authorization` header holds.
enum BearerCredentials: Equatable {
    case none
    case malformed
    case token(String)

    init(_ header: String?) {
        guard let header, !header.isEmpty else {
            self = .none
            return
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            self = .malformed
            return
        }
        self = .token(parts[1].trimmingCharacters(in: .whitespaces))
    }
}

extension HTTPProblem {
    /// 401 with the challenge RFC 6750 asks for; says whether a token was sent and refused.
    static func unauthenticated(_ credentials: BearerCredentials) -> HTTPProblem {
        var headers = HTTPFields()
        let detail: String
        switch credentials {
        case .none:
            headers[.wwwAuthenticate] = "Bearer realm=\"haven\""
            detail = "This request needs an API token: Authorization: Bearer hvn_…"
        case .malformed:
            headers[.wwwAuthenticate] = "Bearer realm=\"haven\", error=\"invalid_request\""
            detail = "The Authorization header is not of the form: Bearer hvn_…"
        case .token:
            headers[.wwwAuthenticate] = "Bearer realm=\"haven\", error=\"invalid_token\""
            detail = "The API token is unknown, expired or revoked, or its user is disabled."
        }
        return HTTPProblem(.unauthorized, detail: detail, headers: headers)
    }
}

extension AccessFailure {
    /// The failure a handler threw, as it reaches a middleware: the OpenAPI layer wraps it.
    init?(unwrapping error: any Error) {
        switch error {
        case let failure as AccessFailure: self = failure
        case let wrapped as ServerError:
            guard let failure = wrapped.underlyingError as? AccessFailure else { return nil }
            self = failure
        default: return nil
        }
    }
}
