import Foundation

/// A moment given in a query or a body (`open_at`, a crisis search's `at`, `due_before`,
/// `expires_at`): an ISO 8601 date-time with a zone, with or without fractional seconds, so a
/// browser's `toISOString()` is understood too.
///
/// Only years 1 to 9999 are moments: the parser also reads six-digit years, and PostgreSQL's
/// driver stops the whole process when it is handed a date that far out (its microseconds do not
/// fit 64 bits), so one request with `300000-01-01T00:00:00Z` could stop the server for everyone.
public enum ISO8601Moment {
    /// 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z.
    public static let earliest = Date(timeIntervalSince1970: -62_135_596_800)
    public static let end = Date(timeIntervalSince1970: 253_402_300_800)

    public static func date(from text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        var date = formatter.date(from: text)
        if date == nil {
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            date = formatter.date(from: text)
        }
        guard let date, isWithinRange(date) else { return nil }
        return date
    }

    public static func isWithinRange(_ date: Date) -> Bool {
        earliest <= date && date < end
    }
}
