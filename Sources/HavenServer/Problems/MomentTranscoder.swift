import Foundation
import HavenCore
import OpenAPIRuntime

/// How the API reads and writes date-times: RFC 3339, fractional seconds accepted, and only
/// years 1 to 9999 (see `ISO8601Moment`). A date outside them, or not a date at all, is a
/// decoding error, which the problem middleware answers with a 422 naming the field, where
/// Foundation's own parser error was a 500 and a far-future date stopped the server.
struct MomentTranscoder: DateTranscoder {
    static let message = "must be an ISO 8601 date-time with a zone, in the years 1 to 9999"

    /// Writes as the runtime's default does, so answers are unchanged.
    private static let writer: ISO8601DateTranscoder = .iso8601

    func encode(_ date: Date) throws -> String {
        try Self.writer.encode(date)
    }

    func decode(_ text: String) throws -> Date {
        guard let date = ISO8601Moment.date(from: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: Self.message))
        }
        return date
    }
}
