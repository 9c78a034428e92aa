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
    ///   hours), for a 24/7 schedule too; an opening that began the evening before still runs
    ///   past midnight;
    /// - a closing time earlier than the opening time runs into the next day; `24:00` closes at
    ///   midnight;
    /// - openings that overlap or meet (`09:00–12:00` and `12:00–17:00`, or a night opening
    ///   and the morning's) are one: the closing time is the last one's.
    public func status(at instant: Date) -> OpeningStatus? {
        LocalMoment(instant, timeZone: timeZone).map(status(at:))
    }

    /// As `status(at:)`, for a moment already read in the schedule's time zone. Reading the
    /// wall clock is the costly part on Linux; callers evaluating many schedules read it once per
    /// zone.
    public func status(at moment: LocalMoment) -> OpeningStatus {
        if alwaysOpen && exception(on: moment.today) == nil { return OpeningStatus(isOpen: true, alwaysOpen: true) }
        // Today's openings in minutes from today's midnight; yesterday's that run past midnight
        // start before it.
        var spans = openings(starting: moment.today, weekday: moment.weekday).map { opens, closes in
            (opens, closes > opens ? closes : closes + 1440)
        }
        spans += openings(starting: moment.yesterday, weekday: moment.yesterdayWeekday)
            .filter { opens, closes in closes < opens }
            .map { opens, closes in (opens - 1440, closes) }
        let now = moment.minutes
        guard var closes = spans.first(where: { $0.0 <= now && now < $0.1 })?.1 else { return .closed }
        while let longer = spans.first(where: { $0.0 <= closes && $0.1 > closes }) { closes = longer.1 }
        return OpeningStatus(isOpen: true, closesAt: LocalTime(minutes: closes > 1440 ? closes - 1440 : closes))
    }

    /// Openings (in minutes of the day) that start on `date`.
    private func openings(starting date: CalendarDate, weekday: Weekday) -> [(Int, Int)] {
        if let exception = exception(on: date) {
            guard !exception.closed, let opens = exception.opens, let closes = exception.closes else { return [] }
            return [(opens.minutes, closes.minutes)]
        }
        if alwaysOpen { return [(0, 1440)] }
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
