import Crypto
import Foundation
import HTTPTypes
import HavenCore
import HavenStorage
import Logging
import OpenAPIRuntime
import PostgresNIO

/// `Idempotency-Key` on POST: a retry of a request whose answer was lost gets the first answer
/// back, and nothing is written twice (a second family record, a second referral).
///
/// Runs after `AccessMiddleware`, so keys belong to the authenticated user and a replay is
/// authorized like any request. The key is claimed before the request runs: a retry that
/// arrives while the first request is still running is told to wait (409) instead of running
/// alongside it. A success is kept, sealed, for 24 hours; a failure frees the key.
struct IdempotencyMiddleware: ServerMiddleware {
    static let headerName = HTTPField.Name("Idempotency-Key")!
    /// Set on an answer that was kept from an earlier request with the same key.
    static let replayedName = HTTPField.Name("Idempotent-Replayed")!
    /// The headers of an answer worth giving back on a replay; the rest (request id, date) belong
    /// to each request.
    static let keptHeaders: [HTTPField.Name] = [.contentType, .location, .eTag]
    /// Answers larger than this are not kept; a retry of such a request runs again.
    static let largestKeptAnswer = 1 << 20

    let postgres: PostgresClient
    let keys: IdempotencyRepository
    let audit: AuditLog
    let bodyLimit: Int
    let logger: Logger

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard request.method == .post, let header = request.headerFields[Self.headerName] else {
            return try await next(request, body, metadata)
        }
        let key: IdempotencyKey
        do { key = try IdempotencyKey(header: header) } catch { throw HTTPProblem.idempotencyKey(error.detail) }
        guard let operation = HavenCore.Operation(rawValue: operationID), IdempotencyKey.isAccepted(by: operation)
        else {
            throw HTTPProblem.idempotencyKey(
                "This request does not take an Idempotency-Key: a new token's secret is shown once and never kept, so its answer cannot be given again. Send it without the header."
            )
        }
        guard let scope = RequestScope.current,
            let caller = scope.caller, let userID = UUID(uuidString: caller.userID)
        else { return try await next(request, body, metadata) }

        let content = try await Self.bytes(of: body, upTo: bodyLimit)
        let fingerprint = Self.fingerprint(
            operation: operationID, path: request.path ?? "", body: content, access: Self.access(of: caller))
        let claim = try await postgres.withConnection { connection in
            try await keys.claim(
                key, userID: userID, operation: operationID, fingerprint: fingerprint, on: connection)
        }
        switch claim {
        case .inProgress:
            throw HTTPProblem(
                .conflict, type: "urn:haven:problem:idempotency-key-in-use", title: "Request still running",
                detail:
                    "A request with this Idempotency-Key is still running. Wait for it, then send this again to get its answer.",
                headers: [.retryAfter: "1"])
        case .usedForAnotherRequest:
            throw HTTPProblem(
                .unprocessableContent, type: "urn:haven:problem:idempotency-key-reused", title: "Key already used",
                detail:
                    "This Idempotency-Key was used in the last 24 hours for a different request, or by you with another role or organization. Use a new key for each new request."
            )
        case .answered(let id, let answer):
            try await postgres.withConnection { connection in
                try await audit.record(
                    AuditEvent(
                        caller: caller, action: "\(operationID).replay", recordType: "idempotency_key",
                        recordID: id.uuidString.lowercased(), outcome: .allowed, requestID: scope.requestID,
                        clientAddress: scope.clientAddress),
                    on: connection)
            }
            return Self.replay(answer)
        case .claimed(let id):
            return try await run(claim: id, request, content: content, metadata: metadata, next: next)
        }
    }

    private func run(
        claim id: UUID,
        _ request: HTTPRequest,
        content: [UInt8],
        metadata: ServerRequestMetadata,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let response: HTTPResponse
        let answer: [UInt8]
        do {
            let (head, responseBody) = try await next(request, HTTPBody(content), metadata)
            response = head
            answer = try await Self.bytes(of: responseBody, upTo: .max)
        } catch {
            await release(id)
            throw error
        }
        guard IdempotencyKey.keepsAnswer(status: response.status.code), answer.count <= Self.largestKeptAnswer,
            let text = String(validating: answer, as: UTF8.self)
        else {
            await release(id)
            return (response, HTTPBody(answer))
        }
        let headers = Self.keptHeaders.compactMap { name in response.headerFields[name].map { [name.rawName, $0] } }
        do {
            try await postgres.withConnection { connection in
                try await keys.keep(
                    .init(status: response.status.code, headers: headers, body: text), claim: id, on: connection)
            }
        } catch {
            // The request itself succeeded and its answer goes out. Without a kept answer the
            // claim frees itself after `IdempotencyKey.abandonedAfter`.
            logger.error(
                "could not keep an answer for its idempotency key", metadata: ["error.type": "\(type(of: error))"])
        }
        return (response, HTTPBody(answer))
    }

    /// Frees the key, in a task of its own so that a request cancelled mid-way (its client gone)
    /// still frees it.
    private func release(_ id: UUID) async {
        let (postgres, keys, logger) = (postgres, keys, logger)
        await Task {
            do {
                try await postgres.withConnection { try await keys.release(claim: id, on: $0) }
            } catch {
                logger.error("could not free an idempotency key", metadata: ["error.type": "\(type(of: error))"])
            }
        }.value
    }

    private static func bytes(of body: HTTPBody?, upTo limit: Int) async throws -> [UInt8] {
        guard let body else { return [] }
        return try await [UInt8](collecting: body, upTo: limit)
    }

    static func replay(_ answer: IdempotencyRepository.Answer) -> (HTTPResponse, HTTPBody?) {
        var response = HTTPResponse(status: .init(code: answer.status))
        for pair in answer.headers where pair.count == 2 {
            if let name = HTTPField.Name(pair[0]) { response.headerFields[name] = pair[1] }
        }
        response.headerFields[Self.replayedName] = "true"
        return (response, HTTPBody(answer.body))
    }

    /// The request as the key must keep meaning it: the operation, the path with its query, the
    /// body's exact bytes, and the access it was first made with. A replay skips the handler and
    /// its per-record checks, so a user whose role or organization changed since (and who might
    /// no longer see the record the kept answer shows) is refused instead of answered.
    static func fingerprint(operation: String, path: String, body: [UInt8], access: String) -> Data {
        var hash = SHA256()
        hash.update(data: Data("\(operation)\n\(path)\n\(access)\n".utf8))
        hash.update(data: body)
        return Data(hash.finalize())
    }

    static func access(of caller: Caller) -> String { "\(caller.role.rawValue) \(caller.organizationID ?? "-")" }
}

extension HTTPProblem {
    static func idempotencyKey(_ detail: String) -> HTTPProblem {
        HTTPProblem(
            .badRequest, type: "urn:haven:problem:idempotency-key", title: "Unusable Idempotency-Key", detail: detail)
    }
}
