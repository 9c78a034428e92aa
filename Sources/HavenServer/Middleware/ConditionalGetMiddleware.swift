import Crypto
import Foundation
import HTTPTypes
import HavenCore
import OpenAPIRuntime

/// HTTP caching for directory reads: an `ETag` and `Cache-Control` on every successful read, and
/// `304 Not Modified` with no body when the caller's `If-None-Match` still matches.
///
/// Records that carry a version (a service, an organization) keep the version as their tag, the
/// one `If-Match` expects on writes; every other read is tagged with a digest of its body. The
/// answer depends on the caller's role (curators see confidential addresses), so it is `private`.
struct ConditionalGetMiddleware: ServerMiddleware {
    static let cacheControl = "private, max-age=60"
    /// Bodies larger than this are sent as they are, untagged, rather than held in memory.
    static let largestTaggedBody = 16 << 20

    static let cacheable: Set<HavenCore.Operation> = [
        .getPlace, .listNeeds, .listServices, .getService, .listOrganizations, .getOrganization, .listLocations,
        .getLocation, .listCrisisContacts, .getCrisisContact, .getAPIMetaInformation, .getPaginatedListOfServices,
        .getFullyNestedServiceById, .getPaginatedListOfOrganizations, .getOrganizationById,
        .getPaginatedListOfServiceAtLocation, .getServiceAtLocationWithNestedDataById,
        .getPaginatedListOfTaxonomies, .getTaxonomyById, .getPaginatedListOfTaxonomyTerms, .getTaxonomyTermById,
    ]

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard request.method == .get || request.method == .head,
            let operation = HavenCore.Operation(rawValue: operationID), Self.cacheable.contains(operation)
        else { return try await next(request, body, metadata) }

        var (response, responseBody) = try await next(request, body, metadata)
        // Streams (ndjson) have no length and are not held back to be tagged.
        guard response.status == .ok, let content = responseBody, case .known(let length) = content.length,
            length <= Self.largestTaggedBody
        else { return (response, responseBody) }

        let bytes = try await [UInt8](collecting: content, upTo: Self.largestTaggedBody)
        let tag = response.headerFields[.eTag] ?? Self.digestTag(bytes)
        response.headerFields[.eTag] = tag
        response.headerFields[.cacheControl] = Self.cacheControl
        response.headerFields[.vary] = "Authorization"
        if let condition = request.headerFields[.ifNoneMatch], Self.matches(condition, tag: tag) {
            var notModified = HTTPResponse(status: .notModified)
            for name in [HTTPField.Name.eTag, .cacheControl, .vary] {
                notModified.headerFields[name] = response.headerFields[name]
            }
            return (notModified, nil)
        }
        return (response, HTTPBody(bytes))
    }

    /// A strong tag naming these exact bytes.
    static func digestTag(_ bytes: [UInt8]) -> String {
        "\"" + Hex.string(SHA256.hash(data: bytes).prefix(16)) + "\""
    }

    /// `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored,
    /// `*` matches anything.
    static func matches(_ condition: String, tag: String) -> Bool {
        let wanted = opaque(tag)
        return condition.split(separator: ",").contains { candidate in
            let trimmed = candidate.trimmingCharacters(in: .whitespaces)
            return trimmed == "*" || opaque(trimmed) == wanted
        }
    }

    private static func opaque(_ tag: String) -> String {
        tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
    }
}
