import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Every list answers `{"data": [...], "next_cursor": "…" | null}`: the last page says `null`
/// rather than leaving the key out, as the API document requires and as partners reading it
/// expect. The generated code writes an absent optional by omitting its key (a known limit of
/// swift-openapi-generator for required, nullable properties), so the key is added here, to the
/// lists' 200 answers only.
///
/// It runs innermost: service search answers from `SearchPageMiddleware`, which writes the key
/// itself, and only what the generated handlers write comes through here.
struct ListCursorMiddleware: ServerMiddleware {
    /// Operations whose answer is a list with `next_cursor` (`APIDocument.listOperations`).
    let operations: Set<String>
    /// A list holds at most 100 records; far more than any page, far less than memory.
    static let bodyLimit = 16 << 20

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var (response, responseBody) = try await next(request, body, metadata)
        guard operations.contains(operationID), response.status == .ok, let listBody = responseBody,
            response.headerFields[.contentType]?.lowercased().hasPrefix("application/json") == true
        else { return (response, responseBody) }
        let bytes = try await [UInt8](collecting: listBody, upTo: Self.bodyLimit)
        guard let amended = ListEnvelope.addingNullCursor(to: bytes) else { return (response, HTTPBody(bytes)) }
        if response.headerFields[.contentLength] != nil {
            response.headerFields[.contentLength] = String(amended.count)
        }
        return (response, HTTPBody(amended))
    }
}

/// The top-level object of a list's JSON, read just enough to add a key.
enum ListEnvelope {
    static let cursorKey = Array("next_cursor".utf8)

    /// `json` with `"next_cursor":null` added to its top-level object, where sorted keys put it
    /// (the generated server sorts them); nil when the object has the key already, or `json` is
    /// not an object.
    static func addingNullCursor(to json: [UInt8]) -> [UInt8]? {
        let (quote, backslash) = (UInt8(ascii: "\""), UInt8(ascii: "\\"))
        var index = json.startIndex
        while index < json.endIndex,
            json[index] == 0x20 || json[index] == 0x0A || json[index] == 0x0D
                || json[index] == 0x09
        {
            index += 1
        }
        guard index < json.endIndex, json[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var depth = 1
        var atKey = true
        // Where the first top-level key that sorts after `next_cursor` starts, if any.
        var firstAfter: Int?
        var hasKeys = false
        var closing: Int?
        scan: while index < json.endIndex {
            switch json[index] {
            case quote:
                let start = index
                index += 1
                // A backslash escapes the byte after it, whatever it is (`\"`, `\\`, `\u…`).
                while index < json.endIndex, json[index] != quote { index += json[index] == backslash ? 2 : 1 }
                guard index < json.endIndex else { return nil }
                if depth == 1 && atKey {
                    let key = json[(start + 1)..<index]
                    if key.elementsEqual(cursorKey) { return nil }
                    if firstAfter == nil, key.lexicographicallyPrecedes(cursorKey) == false { firstAfter = start }
                    hasKeys = true
                    atKey = false
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    closing = index
                    break scan
                }
            case UInt8(ascii: ","):
                if depth == 1 { atKey = true }
            default:
                break
            }
            index += 1
        }
        guard let closing else { return nil }
        var amended = json
        if let firstAfter {
            amended.insert(contentsOf: Array("\"next_cursor\":null,".utf8), at: firstAfter)
        } else {
            amended.insert(
                contentsOf: Array((hasKeys ? ",\"next_cursor\":null" : "\"next_cursor\":null").utf8), at: closing)
        }
        return amended
    }
}
