import Foundation

/// A moment given in a query (`open_at`, a crisis search's `at`): an ISO 8601 date-time with a
/// zone, with or without fractional seconds, so a browser's `toISOString()` is understood too.
public enum ISO8601Moment {
    public static func date(from text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
