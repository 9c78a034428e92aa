import Foundation
import HavenCore
import Testing

@Suite("Opening hours")
struct OpeningStatusTests {
    static func instant(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    static func hours(_ days: String, _ opens: String, _ closes: String) -> OpeningHours {
        OpeningHours(days: Weekday.parseList(days)!, opens: LocalTime(opens)!, closes: LocalTime(closes)!)
    }

    static let weekdays9to5 = [hours("MO,TU,WE,TH,FR", "09:00", "17:00")]

    @Test("times and dates are written with leading zeros, as people and HSDS read them")
    func writtenForms() {
        #expect(
            ["00:00", "09:05", "17:30", "24:00"].map { LocalTime($0)!.description } == [
                "00:00", "09:05", "17:30", "24:00",
            ])
        #expect(CalendarDate("2026-01-02")?.description == "2026-01-02")
        #expect(CalendarDate("0999-12-31")?.description == "0999-12-31")
    }

    @Test("the same instant is open in one time zone and closed in the next")
    func timeZoneBoundary() throws {
        // Friday 2026-11-20, 22:30 UTC: 16:30 in Chicago, 17:30 in New York.
        let instant = Self.instant("2026-11-20T22:30:00Z")
        let chicago = WeeklySchedule(timeZone: "America/Chicago", alwaysOpen: false, hours: Self.weekdays9to5)
        let newYork = WeeklySchedule(timeZone: "America/New_York", alwaysOpen: false, hours: Self.weekdays9to5)
        #expect(chicago.status(at: instant) == OpeningStatus(isOpen: true, closesAt: LocalTime("17:00")))
        #expect(newYork.status(at: instant)?.isOpen == false)
        // Phoenix keeps standard time all year: 15:30 there.
        let phoenix = WeeklySchedule(timeZone: "America/Phoenix", alwaysOpen: false, hours: Self.weekdays9to5)
        #expect(phoenix.status(at: instant)?.isOpen == true)
    }

    @Test("hours that run past midnight are open after midnight and closed once they end")
    func aroundMidnight() throws {
        let lateLine = WeeklySchedule(
            timeZone: "America/Chicago", alwaysOpen: false, hours: [Self.hours("FR,SA", "20:00", "02:00")])
        // Saturday 00:30 and 01:59 Chicago time: Friday's opening is still running.
        #expect(lateLine.status(at: Self.instant("2026-11-21T06:30:00Z"))?.isOpen == true)
        #expect(lateLine.status(at: Self.instant("2026-11-21T06:30:00Z"))?.closesAt == LocalTime("02:00"))
        #expect(lateLine.status(at: Self.instant("2026-11-21T07:59:00Z"))?.isOpen == true)
        // 02:00 sharp: closed.
        #expect(lateLine.status(at: Self.instant("2026-11-21T08:00:00Z"))?.isOpen == false)
        // Friday 19:59: not yet open.
        #expect(lateLine.status(at: Self.instant("2026-11-21T01:59:00Z"))?.isOpen == false)
        // Monday 00:30: Sunday has no opening, so closed.
        #expect(lateLine.status(at: Self.instant("2026-11-23T06:30:00Z"))?.isOpen == false)

        let untilMidnight = WeeklySchedule(
            timeZone: "America/Chicago", alwaysOpen: false, hours: [Self.hours("MO", "18:00", "24:00")])
        #expect(untilMidnight.status(at: Self.instant("2026-11-24T05:59:00Z"))?.isOpen == true)  // Mon 23:59
        #expect(untilMidnight.status(at: Self.instant("2026-11-24T06:00:00Z"))?.isOpen == false)  // Tue 00:00
    }

    @Test("a holiday closes the day, special hours replace it, and 24/7 stays open unless closed by an exception")
    func exceptions() throws {
        let christmas = ScheduleException(
            startsOn: CalendarDate("2026-12-24")!, endsOn: CalendarDate("2026-12-25")!, closed: true, reason: "Holiday")
        let shortDay = ScheduleException(
            startsOn: CalendarDate("2026-12-31")!, endsOn: CalendarDate("2026-12-31")!, closed: false,
            opens: LocalTime("10:00"), closes: LocalTime("14:00"))
        let office = WeeklySchedule(
            timeZone: "America/Chicago", alwaysOpen: false, hours: Self.weekdays9to5, exceptions: [christmas, shortDay])
        #expect(office.status(at: Self.instant("2026-12-23T16:00:00Z"))?.isOpen == true)  // Wed 10:00
        #expect(office.status(at: Self.instant("2026-12-24T16:00:00Z"))?.isOpen == false)  // Thu, holiday
        #expect(office.status(at: Self.instant("2026-12-25T16:00:00Z"))?.isOpen == false)  // Fri, holiday
        // 09:00: the short day only starts at 10:00.
        #expect(office.status(at: Self.instant("2026-12-31T15:00:00Z"))?.isOpen == false)
        #expect(office.status(at: Self.instant("2026-12-31T17:00:00Z"))?.closesAt == LocalTime("14:00"))  // 11:00
        #expect(office.status(at: Self.instant("2026-12-31T21:00:00Z"))?.isOpen == false)  // 15:00, after the short day

        let hotline = WeeklySchedule(timeZone: "America/New_York", alwaysOpen: true, hours: [])
        #expect(
            hotline.status(at: Self.instant("2026-12-25T04:00:00Z")) == OpeningStatus(isOpen: true, alwaysOpen: true))
        let closedHotline = WeeklySchedule(
            timeZone: "America/New_York", alwaysOpen: true, hours: [],
            exceptions: [
                ScheduleException(
                    startsOn: CalendarDate("2026-12-25")!, endsOn: CalendarDate("2026-12-25")!, closed: true)
            ])
        #expect(closedHotline.status(at: Self.instant("2026-12-25T17:00:00Z"))?.isOpen == false)
        #expect(WeeklySchedule(timeZone: "Mars/Olympus", alwaysOpen: true, hours: []).status(at: Date()) == nil)
    }

    @Test("special hours on a 24/7 schedule replace its day: open only in them, with their closing time")
    func specialHoursOnAnAlwaysOpenLine() throws {
        let line = WeeklySchedule(
            timeZone: "America/New_York", alwaysOpen: true, hours: [],
            exceptions: [
                ScheduleException(
                    startsOn: CalendarDate("2026-12-25")!, endsOn: CalendarDate("2026-12-25")!, closed: false,
                    opens: LocalTime("10:00"), closes: LocalTime("14:00"))
            ])
        // Christmas Eve 23:30: an ordinary day around the clock.
        #expect(line.status(at: Self.instant("2026-12-25T04:30:00Z")) == OpeningStatus(isOpen: true, alwaysOpen: true))
        // Christmas 00:30 and 20:00: outside the day's special hours.
        #expect(line.status(at: Self.instant("2026-12-25T05:30:00Z"))?.isOpen == false)
        #expect(line.status(at: Self.instant("2026-12-26T01:00:00Z"))?.isOpen == false)
        // Christmas 11:00: open until 14:00, not "24/7".
        #expect(
            line.status(at: Self.instant("2026-12-25T16:00:00Z"))
                == OpeningStatus(isOpen: true, closesAt: LocalTime("14:00")))
        // The 26th is an ordinary day again.
        #expect(line.status(at: Self.instant("2026-12-26T15:00:00Z"))?.alwaysOpen == true)
    }

    @Test("openings that meet or overlap close at the last one's time")
    func openingsThatMeet() throws {
        let splitDay = WeeklySchedule(
            timeZone: "America/Chicago", alwaysOpen: false,
            hours: [Self.hours("MO", "09:00", "12:00"), Self.hours("MO", "12:00", "17:00")])
        // Monday 2026-11-23, 11:00 Chicago.
        #expect(splitDay.status(at: Self.instant("2026-11-23T17:00:00Z"))?.closesAt == LocalTime("17:00"))
        let nightAndDay = WeeklySchedule(
            timeZone: "America/Chicago", alwaysOpen: false,
            hours: [Self.hours("SU", "20:00", "08:00"), Self.hours("MO", "07:00", "17:00")])
        // Monday 06:00: Sunday night's opening runs into Monday's.
        #expect(nightAndDay.status(at: Self.instant("2026-11-23T12:00:00Z"))?.closesAt == LocalTime("17:00"))
        // Sunday 21:00: open until Monday 08:00, when Monday's opening has begun: until 17:00.
        #expect(nightAndDay.status(at: Self.instant("2026-11-23T03:00:00Z"))?.closesAt == LocalTime("17:00"))
        #expect(
            nightAndDay.window(at: Self.instant("2026-11-23T03:00:00Z"))?.closes == Self.instant("2026-11-23T23:00:00Z")
        )
        let separate = WeeklySchedule(
            timeZone: "America/Chicago", alwaysOpen: false,
            hours: [Self.hours("MO", "09:00", "12:00"), Self.hours("MO", "13:00", "17:00")])
        #expect(separate.status(at: Self.instant("2026-11-23T17:00:00Z"))?.closesAt == LocalTime("12:00"))
        #expect(separate.status(at: Self.instant("2026-11-23T18:30:00Z"))?.isOpen == false)  // 12:30
    }

    @Test("an opening to midnight and the next day's from midnight are one: open until the later close")
    func acrossMidnightIntoTheNextDay() throws {
        let line = WeeklySchedule(
            timeZone: "America/Chicago", alwaysOpen: false,
            hours: [Self.hours("SU", "20:00", "24:00"), Self.hours("MO", "00:00", "02:00")])
        // Sunday 2026-11-22, 21:00 in Chicago.
        #expect(line.status(at: Self.instant("2026-11-23T03:00:00Z"))?.closesAt == LocalTime("02:00"))
        // Monday 01:00: still the same opening.
        #expect(line.status(at: Self.instant("2026-11-23T07:00:00Z"))?.closesAt == LocalTime("02:00"))
    }

    @Test("the window gives the instants an opening ends and the next begins, across days and exceptions")
    func windowInstants() throws {
        let office = WeeklySchedule(
            timeZone: "America/Los_Angeles", alwaysOpen: false, hours: Self.weekdays9to5,
            exceptions: [
                ScheduleException(
                    startsOn: CalendarDate("2026-11-26")!, endsOn: CalendarDate("2026-11-27")!, closed: true)
            ])
        // Monday 2026-11-23, 10:00 in Los Angeles: open until 17:00 there, 01:00 UTC.
        let open = try #require(office.window(at: Self.instant("2026-11-23T18:00:00Z")))
        #expect(open.status.isOpen)
        #expect(open.closes == Self.instant("2026-11-24T01:00:00Z"))
        #expect(open.nextOpens == nil)
        // Wednesday 18:00: closed; Thursday and Friday are a holiday, so it opens on Monday.
        let holiday = try #require(office.window(at: Self.instant("2026-11-26T02:00:00Z")))
        #expect(holiday.status.isOpen == false)
        #expect(holiday.nextOpens == Self.instant("2026-11-30T17:00:00Z"))
        // 24/7: open with no end.
        let line = WeeklySchedule(timeZone: "America/Chicago", alwaysOpen: true, hours: [])
        #expect(line.window(at: Self.instant("2026-11-23T18:00:00Z"))?.closes == nil)
        // No hours at all: closed, and never opens.
        let never = WeeklySchedule(timeZone: "America/Chicago", alwaysOpen: false, hours: [])
        #expect(never.window(at: Self.instant("2026-11-23T18:00:00Z"))?.nextOpens == nil)
    }
}
