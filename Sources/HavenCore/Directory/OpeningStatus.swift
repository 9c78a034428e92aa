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

/// A status with the instants it changes at (`WeeklySchedule.window(at:)`).
public struct OpeningWindow: Sendable, Equatable {
    public var status: OpeningStatus
    /// The zone the hours are kept in.
    public var timeZone: String
    /// When the current opening ends; nil when closed or open round the clock.
    public var closes: Date?
    /// When closed: when it next opens, if within eight days.
    public var nextOpens: Date?
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
        guard let closes = openSpanEnd(at: moment) else { return .closed }
        return OpeningStatus(isOpen: true, closesAt: LocalTime(minutes: closes % 1440))
    }

    /// The end of the opening `moment` falls in, in minutes from today's midnight (past 1440 when
    /// it runs into tomorrow); nil when closed. Yesterday's openings that run past midnight count,
    /// and so do tomorrow's that an opening running to midnight meets.
    private func openSpanEnd(at moment: LocalMoment) -> Int? {
        func spans(starting date: CalendarDate, weekday: Weekday, shift: Int) -> [(Int, Int)] {
            openings(starting: date, weekday: weekday).map { opens, closes in
                (opens + shift, (closes > opens ? closes : closes + 1440) + shift)
            }
        }
        let spans =
            spans(starting: moment.yesterday, weekday: moment.yesterdayWeekday, shift: -1440)
            + spans(starting: moment.today, weekday: moment.weekday, shift: 0)
            + spans(starting: moment.tomorrow, weekday: moment.tomorrowWeekday, shift: 1440)
        let now = moment.minutes
        guard var closes = spans.first(where: { $0.0 <= now && now < $0.1 })?.1 else { return nil }
        while let longer = spans.first(where: { $0.0 <= closes && $0.1 > closes }) { closes = longer.1 }
        return closes
    }

    /// The status at `instant` with the instants it changes: when the opening ends (nil round
    /// the clock), or when the next one begins (looking up to eight days ahead). Instants let a
    /// reader in another time zone be told the times on their own clock. Nil when the zone is
    /// unknown.
    public func window(at instant: Date) -> OpeningWindow? {
        guard let zone = TimeZone(identifier: timeZone), let moment = LocalMoment(instant, timeZone: timeZone) else {
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let midnight = calendar.startOfDay(for: instant)
        // Wall-clock minutes from today's midnight, so a day with a daylight-saving change keeps
        // its hours.
        func wallClock(_ minutes: Int) -> Date? {
            guard let day = calendar.date(byAdding: .day, value: minutes / 1440, to: midnight) else { return nil }
            let rest = minutes % 1440
            return calendar.date(bySettingHour: rest / 60, minute: rest % 60, second: 0, of: day)
        }
        if alwaysOpen && exception(on: moment.today) == nil {
            return OpeningWindow(
                status: OpeningStatus(isOpen: true, alwaysOpen: true), timeZone: timeZone, closes: nil, nextOpens: nil)
        }
        if let end = openSpanEnd(at: moment) {
            return OpeningWindow(
                status: OpeningStatus(isOpen: true, closesAt: LocalTime(minutes: end % 1440)), timeZone: timeZone,
                closes: wallClock(end), nextOpens: nil)
        }
        let status = OpeningStatus.closed
        for offset in 0...8 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: midnight),
                let (date, weekday) = calendar.localDay(of: day)
            else { break }
            let starts = openings(starting: date, weekday: weekday).map(\.0).sorted()
            for opens in starts {
                if let next = wallClock(offset * 1440 + opens), next > instant {
                    return OpeningWindow(status: status, timeZone: timeZone, closes: nil, nextOpens: next)
                }
            }
        }
        return OpeningWindow(status: status, timeZone: timeZone, closes: nil, nextOpens: nil)
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
/// yesterday's and tomorrow's dates and weekdays (for openings that run past midnight).
public struct LocalMoment: Sendable, Equatable {
    public let today: CalendarDate
    public let weekday: Weekday
    public let minutes: Int
    public let yesterday: CalendarDate
    public let yesterdayWeekday: Weekday
    public let tomorrow: CalendarDate
    public let tomorrowWeekday: Weekday

    /// Nil when the time zone is unknown.
    public init?(_ instant: Date, timeZone: String) {
        guard let zone = TimeZone(identifier: timeZone) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: instant)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
            let minute = parts.minute, let weekdayNumber = parts.weekday,
            let weekday = Weekday(gregorian: weekdayNumber),
            let today = CalendarDate(calendarYear: year, month: month, day: day)
        else { return nil }
        func neighbour(_ offset: Int) -> (CalendarDate, Weekday)? {
            calendar.date(byAdding: .day, value: offset, to: instant).flatMap(calendar.localDay(of:))
        }
        guard let yesterday = neighbour(-1), let tomorrow = neighbour(1) else { return nil }
        (self.today, self.weekday, self.minutes) = (today, weekday, hour * 60 + minute)
        (self.yesterday, self.yesterdayWeekday) = yesterday
        (self.tomorrow, self.tomorrowWeekday) = tomorrow
    }
}

extension Calendar {
    /// The date and weekday `instant` falls on, on this calendar's clock.
    fileprivate func localDay(of instant: Date) -> (CalendarDate, Weekday)? {
        let parts = dateComponents([.year, .month, .day, .weekday], from: instant)
        guard let year = parts.year, let month = parts.month, let day = parts.day,
            let weekday = parts.weekday.flatMap(Weekday.init(gregorian:)),
            let date = CalendarDate(calendarYear: year, month: month, day: day)
        else { return nil }
        return (date, weekday)
    }
}
