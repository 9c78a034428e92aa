import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Sends entity tags as HTTP writes them (`"v3"`). The generated code encodes header values as
/// URI components, which turns the required quotes into `%22`; clients comparing ETags byte for
/// byte (and caches) need the quotes back.
struct EntityTagMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var (response, responseBody) = try await next(request, body, metadata)
        if let tag = response.headerFields[.eTag], let decoded = tag.removingPercentEncoding {
            response.headerFields[.eTag] = decoded
        }
        return (response, responseBody)
    }
}
