import Foundation
import HTTPTypes
import HavenCore
import OpenAPIRuntime

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Every write the CLI sends carries an `Idempotency-Key` of its own, so a write whose answer was
/// lost (the connection dropped, the answer timed out) is sent again under the same key: the
/// server answers with what it did the first time instead of recording a family, a plan or a
/// service twice.
struct IdempotentRetryMiddleware: ClientMiddleware {
    static let headerName = HTTPField.Name("Idempotency-Key")!
    static let attempts = 3
    /// Larger than any body the CLI sends; the server's own limit is 1 MiB by default.
    static let largestBody = 16 << 20

    /// Half a second, then a second and a half: long enough for a network to come back, short
    /// enough for someone waiting at a terminal.
    static let pause: @Sendable (Int) async throws -> Void = { attempt in
        try await Task.sleep(for: .milliseconds(attempt == 1 ? 500 : 1500))
    }

    let pause: @Sendable (_ attempt: Int) async throws -> Void

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        // The server's own rule: a new token's answer is never kept, so it cannot be asked for twice.
        guard request.method == .post, let operation = HavenCore.Operation(rawValue: operationID),
            IdempotencyKey.isAccepted(by: operation)
        else {
            return try await next(request, body, baseURL)
        }
        var request = request
        request.headerFields[Self.headerName] = UUID().uuidString.lowercased()
        let bytes: [UInt8]? = if let body { try await [UInt8](collecting: body, upTo: Self.largestBody) } else { nil }
        var attempt = 1
        while true {
            do {
                let (response, responseBody) = try await next(request, bytes.map { HTTPBody($0) }, baseURL)
                // The first request with this key is still running: ask again for its answer.
                if response.status == .conflict, response.headerFields[.retryAfter] != nil, attempt < Self.attempts {
                    try await pause(attempt)
                    attempt += 1
                    continue
                }
                return (response, responseBody)
            } catch  where Self.mayHaveReachedServer(error) {
                guard attempt < Self.attempts else { throw WriteOutcomeUnknown(attempts: attempt, cause: error) }
                try await pause(attempt)
                attempt += 1
            }
        }
    }

    /// Failures after the request may have been sent. A refused connection or an unknown host
    /// never reached the server, and retrying them would only delay the message.
    static func mayHaveReachedServer(_ error: any Error) -> Bool {
        // The generated client wraps what the transport threw before a middleware sees it.
        let cause = (error as? OpenAPIRuntime.ClientError)?.underlyingError ?? error
        guard let failure = cause as? URLError else { return false }
        return [.networkConnectionLost, .timedOut, .badServerResponse, .cannotParseResponse].contains(failure.code)
    }
}

/// Every try of a write was lost on the way back: the server may or may not have done it.
struct WriteOutcomeUnknown: Error {
    let attempts: Int
    let cause: any Error
}
