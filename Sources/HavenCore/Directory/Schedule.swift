import Foundation

/// A day of the week, as HSDS writes it in `byday` (RFC 5545 codes).
public enum Weekday: String, Sendable, CaseIterable, Codable, Comparable {
    case monday = "MO"
    case tuesday = "TU"
    case wednesday = "WE"
    case thursday = "TH"
    case friday = "FR"
    case saturday = "SA"
    case sunday = "SU"

    /// Gregorian calendar numbering: Sunday is 1.
    public init?(gregorian weekday: Int) {
        let days: [Weekday] = [.sunday, .monday, .tuesday, .wednesday, .thursday, .friday, .saturday]
        guard (1...7).contains(weekday) else { return nil }
        self = days[weekday - 1]
    }

    var order: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.order < rhs.order }

    /// `MO,TU,WE`, or nil when any part is not a day.
    public static func parseList(_ text: String) -> [Weekday]? {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        guard !parts.isEmpty else { return nil }
        var days: [Weekday] = []
        for part in parts {
            guard let day = Weekday(rawValue: part) else { return nil }
            if !days.contains(day) { days.append(day) }
        }
        return days.sorted()
    }
}

/// A wall-clock time of day, minute precision; `24:00` is allowed as a closing time.
public struct LocalTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let minutes: Int

    public init?(minutes: Int) {
        guard (0...1440).contains(minutes) else { return nil }
        self.minutes = minutes
    }

    /// `HH:MM` or `HH:MM:SS` (seconds must be zero).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
            let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...59).contains(minutes),
            parts.count == 2 || parts[2] == "00"
        else { return nil }
        guard (0...23).contains(hours) || (hours == 24 && minutes == 0) else { return nil }
        self.minutes = hours * 60 + minutes
    }

    // By hand: `String(format:)` went through C's printf, a measurable part of a search's reasons.
    public var description: String { Self.twoDigits(minutes / 60) + ":" + Self.twoDigits(minutes % 60) }

    static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.minutes < rhs.minutes }
}

/// Opening hours on some weekdays. A closing time before the opening time runs past midnight.
public struct OpeningHours: Sendable, Equatable {
    public var days: [Weekday]
    public var opens: LocalTime
    public var closes: LocalTime

    public init(days: [Weekday], opens: LocalTime, closes: LocalTime) {
        self.days = days
        self.opens = opens
        self.closes = closes
    }
}

/// A dated exception: closed (a holiday, a temporary closure) or open at special hours.
public struct ScheduleException: Sendable, Equatable {
    public var startsOn: CalendarDate
    public var endsOn: CalendarDate
    public var closed: Bool
    public var opens: LocalTime?
    public var closes: LocalTime?
    public var reason: String?

    public init(
        startsOn: CalendarDate, endsOn: CalendarDate, closed: Bool, opens: LocalTime? = nil, closes: LocalTime? = nil,
        reason: String? = nil
    ) {
        self.startsOn = startsOn
        self.endsOn = endsOn
        self.closed = closed
        self.opens = opens
        self.closes = closes
        self.reason = reason
    }
}

/// A date without a time or zone, `YYYY-MM-DD`.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        var components = DateComponents(year: year, month: month, day: day)
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")
        guard (1...12).contains(month), (1...31).contains(day), components.isValidDate else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
    }

    /// A date a `Calendar` produced, so already valid: checking it again through a calendar cost
    /// more than the search ranking that reads the time.
    init?(calendarYear year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
    }

    public var description: String {
        let digits = String(year)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "-" + LocalTime.twoDigits(month)
            + "-" + LocalTime.twoDigits(day)
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

/// When a service, a location or a crisis channel is open: weekly hours in an IANA time zone,
/// or round the clock, with dated exceptions.
public struct WeeklySchedule: Sendable, Equatable {
    public var timeZone: String
    public var alwaysOpen: Bool
    public var hours: [OpeningHours]
    public var exceptions: [ScheduleException]

    public init(timeZone: String, alwaysOpen: Bool, hours: [OpeningHours], exceptions: [ScheduleException] = []) {
        self.timeZone = timeZone
        self.alwaysOpen = alwaysOpen
        self.hours = hours
        self.exceptions = exceptions
    }

    /// Why hours cannot be kept in `identifier`, said for the person who typed it; nil when they
    /// can. A place's own zone (America/Chicago) follows its clocks through daylight saving time.
    /// The fixed offsets under `Etc/` do not, and their signs run backwards (Etc/GMT+5 is five
    /// hours *behind* UTC), so hours kept in one would be an hour wrong half the year, or ten
    /// hours wrong, and a family told a line is open when it is not.
    public static func timeZoneProblem(_ identifier: String) -> String? {
        if identifier == "UTC" || identifier == "Etc/UTC" { return nil }
        if identifier.hasPrefix("Etc/") && TimeZone(identifier: identifier) != nil {
            return "'\(identifier.prefix(60))' is a fixed offset without daylight saving time, and its sign is "
                + "reversed; use the place's own time zone (e.g. America/Chicago)"
        }
        guard identifier.contains("/"), TimeZone(identifier: identifier) != nil else {
            return "'\(identifier.prefix(60))' is not an IANA time zone (e.g. America/Chicago)"
        }
        return nil
    }
}

extension WeeklySchedule {
    /// A schedule as written in a record (HSDS field names), or nil when it does not validate.
    public init?(_ input: ServiceInput.Schedule) {
        var valid = true
        let check = DirectoryValidation(errors: { _ in valid = false })
        guard let schedule = check.schedule(input, at: ""), valid else { return nil }
        self = schedule
    }
}
