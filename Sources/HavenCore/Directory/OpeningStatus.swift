import Foundation

/// Whether something is open at an instant, and until when, in its own time zone.
public struct OpeningStatus: Sendable, Equatable {
    public var isOpen: Bool
    /// Open round the clock (and no exception closes it today).
    public var alwaysOpen: Bool
    /// Local closing time of the opening the instant falls in.
    public var closesAt: LocalTime?

    public init(isOpen: Bool, alwaysOpen: Bool = false, closesAt: LocalTime? = nil) {
        self.isOpen = isOpen
        self.alwaysOpen = alwaysOpen
        self.closesAt = closesAt
    }

    public static let closed = OpeningStatus(isOpen: false)
}

extension WeeklySchedule {
    /// The status at `instant`, evaluated in the schedule's own time zone; nil when the zone is
    /// unknown. Rules:
    /// - a dated exception replaces the hours that *start* on its dates (closed, or special
    ///   hours); an opening that began the evening before still runs past midnight;
    /// - a closing time earlier than the opening time runs into the next day; `24:00` closes at
    ///   midnight;
    /// - 24/7 is open unless an exception closes that date.
    public func status(at instant: Date) -> OpeningStatus? {
        LocalMoment(instant, timeZone: timeZone).map(status(at:))
    }

    /// As `status(at:)`, for a moment already read in the schedule's time zone. Reading the
    /// wall clock is the costly part on Linux; callers evaluating many schedules read it once per
    /// zone.
    public func status(at moment: LocalMoment) -> OpeningStatus {
        let (today, weekday, now) = (moment.today, moment.weekday, moment.minutes)
        let (yesterday, yesterdayWeekday) = (moment.yesterday, moment.yesterdayWeekday)

        if alwaysOpen {
            if let exception = exception(on: today), exception.closed { return .closed }
            return OpeningStatus(isOpen: true, alwaysOpen: true)
        }
        for (opens, closes) in openings(starting: today, weekday: weekday) {
            if closes > opens {
                if now >= opens && now < closes {
                    return OpeningStatus(isOpen: true, closesAt: LocalTime(minutes: closes))
                }
            } else if now >= opens {
                return OpeningStatus(isOpen: true, closesAt: LocalTime(minutes: closes))
            }
        }
        for (opens, closes) in openings(starting: yesterday, weekday: yesterdayWeekday) where closes < opens {
            if now < closes { return OpeningStatus(isOpen: true, closesAt: LocalTime(minutes: closes)) }
        }
        return .closed
    }

    /// Openings (in minutes of the day) that start on `date`.
    private func openings(starting date: CalendarDate, weekday: Weekday) -> [(Int, Int)] {
        if let exception = exception(on: date) {
            guard !exception.closed, let opens = exception.opens, let closes = exception.closes else { return [] }
            return [(opens.minutes, closes.minutes)]
        }
        return hours.filter { $0.days.contains(weekday) }.map { ($0.opens.minutes, $0.closes.minutes) }
    }

    private func exception(on date: CalendarDate) -> ScheduleException? {
        exceptions.first { $0.startsOn <= date && date <= $0.endsOn }
    }
}

/// An instant as the wall clock of one time zone shows it: today's date, weekday and minute, and
/// yesterday's date and weekday (for openings that run past midnight).
public struct LocalMoment: Sendable, Equatable {
    public let today: CalendarDate
    public let weekday: Weekday
    public let minutes: Int
    public let yesterday: CalendarDate
    public let yesterdayWeekday: Weekday

    /// Nil when the time zone is unknown.
    public init?(_ instant: Date, timeZone: String) {
        guard let zone = TimeZone(identifier: timeZone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: instant)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
            let minute = parts.minute, let weekdayNumber = parts.weekday,
            let weekday = Weekday(gregorian: weekdayNumber),
            let today = CalendarDate(calendarYear: year, month: month, day: day),
            let yesterdayInstant = calendar.date(byAdding: .day, value: -1, to: instant)
        else { return nil }
        let previous = calendar.dateComponents([.year, .month, .day, .weekday], from: yesterdayInstant)
        guard let previousYear = previous.year, let previousMonth = previous.month, let previousDay = previous.day,
            let previousWeekday = previous.weekday.flatMap(Weekday.init(gregorian:)),
            let yesterday = CalendarDate(calendarYear: previousYear, month: previousMonth, day: previousDay)
        else { return nil }
        (self.today, self.weekday, self.minutes) = (today, weekday, hour * 60 + minute)
        (self.yesterday, self.yesterdayWeekday) = (yesterday, previousWeekday)
    }
}
