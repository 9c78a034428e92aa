import Foundation
import HTTPTypes
import HavenAPI
import HavenCore
import OpenAPIRuntime

/// Answers `GET /v1/search/services` with the page written by `SearchPageJSON` instead of the
/// generated server's `JSONEncoder`: search is the hottest read, and encoding was a fifth of its
/// server time. It runs innermost, after authentication and rate limits, and calls the same
/// `SearchHandler.page` as the generated handler.
///
/// It takes only requests it reads exactly as the generated code would: anything unusual (a
/// malformed `limit`, a repeated single-valued parameter, undecodable escapes, an `Accept` header
/// it would have to negotiate) goes on to the generated handler, whose answers and errors are
/// the reference.
struct SearchPageMiddleware: ServerMiddleware {
    let search: SearchHandler

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard operationID == HavenCore.Operation.searchServices.rawValue, request.method == .get,
            Self.acceptsJSON(request.headerFields[values: .accept]),
            let parameters = SearchParameters(queryOf: request.path ?? "")
        else { return try await next(request, body, metadata) }
        let page = try await search.page(parameters)
        let bytes = try SearchPageJSON.encode(page)
        var response = HTTPResponse(status: .ok)
        response.headerFields[.contentType] = "application/json; charset=utf-8"
        return (response, HTTPBody(bytes))
    }

    /// True when `Accept` is absent or plainly takes JSON; a header with parameters (`q=`) is
    /// left to the generated code's negotiation.
    static func acceptsJSON(_ values: [String]) -> Bool {
        guard !values.isEmpty else { return true }
        return values.lazy.flatMap { $0.split(separator: ",") }.contains { range in
            let type = range.trimmingCharacters(in: .whitespaces).lowercased()
            return type == "application/json" || type == "application/*" || type == "*/*"
        }
    }
}

extension SearchParameters {
    /// The parameters of a search's query string, read as the generated server reads them (form
    /// style, exploded arrays, `+` for a space); nil for anything that reading might not match.
    init?(queryOf path: String) {
        self.init(needs: [], audiences: [])
        guard let mark = path.firstIndex(of: "?") else { return }
        var seen = Set<Substring>()
        for pair in path[path.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "=") else { return nil }
            let key = pair[..<equals]
            guard let value = Self.decoded(pair[pair.index(after: equals)...]), !value.isEmpty else { return nil }
            if key == "needs" || key == "audience" {
                key == "needs" ? needs.append(value) : audiences.append(value)
                continue
            }
            guard seen.insert(key).inserted else { return nil }
            switch key {
            case "zip": zip = value
            case "near": near = value
            case "radius_km": radiusKm = value
            case "q": text = value
            case "language": language = value
            case "age": age = value
            case "open_now": openNow = value
            case "open_at": openAt = value
            case "free": free = value
            case "include_closed": includeClosed = value
            case "include_stale": includeStale = value
            case "limit":
                guard let number = Int(value) else { return nil }
                limit = number
            case "cursor": cursor = value
            default:
                // Unknown names are ignored, as the generated code ignores them; an escaped
                // name might spell a known one, so that is left to it.
                if key.contains("%") || key.contains("+") { return nil }
            }
        }
    }

    private static func decoded(_ raw: Substring) -> String? {
        guard raw.contains(where: { $0 == "%" || $0 == "+" }) else { return String(raw) }
        return raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
