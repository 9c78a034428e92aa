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
        guard let date, isWithinRange(date), namesItsOwnMoment(text, date) else { return nil }
        return date
    }

    /// Foundation rolls an impossible date over (`2026-02-30` reads as 2 March): the text must
    /// show, in its own offset, the very day and time it was read as.
    static func namesItsOwnMoment(_ text: String, _ date: Date) -> Bool {
        let characters = Array(text.uppercased())
        guard characters.count >= 20 else { return false }
        var zoneStart = 19
        while zoneStart < characters.count, characters[zoneStart] == "." || ("0"..."9").contains(characters[zoneStart])
        {
            zoneStart += 1
        }
        let zone = String(characters[zoneStart...])
        var offset = 0
        if zone != "Z" {
            let digits = Array(zone.dropFirst().filter { $0 != ":" })
            guard let sign = zone.first, sign == "+" || sign == "-", digits.count == 4,
                let hours = Int(String(digits[0..<2])), let minutes = Int(String(digits[2..<4]))
            else { return false }
            offset = (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
        }
        guard let timeZone = TimeZone(secondsFromGMT: offset) else { return false }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.string(from: date) == String(characters[0..<19])
    }

    public static func isWithinRange(_ date: Date) -> Bool {
        earliest <= date && date < end
    }
}
