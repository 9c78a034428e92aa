import Foundation

/// The hours of a week someone can talk, as 168 one-hour slots in UTC (slot 0 is Monday
/// 00:00–01:00 UTC), so a volunteer's availability and a family's preferred times in different
/// time zones compare with a few bit operations.
public struct WeekHours: Sendable, Equatable {
    var low: UInt64 = 0
    var middle: UInt64 = 0
    var high: UInt64 = 0

    public static let empty = WeekHours()

    public init() {}

    /// Weekly hours in `timeZone`, converted at the zone's offset on `reference` (the offset of
    /// the week being planned; a daylight-saving change shifts slots by an hour). An hour counts
    /// when the window covers it whole; a window that closes at or before it opens runs past
    /// midnight.
    public init(_ hours: [OpeningHours], timeZone: String, reference: Date) {
        let offsetHours = (TimeZone(identifier: timeZone)?.secondsFromGMT(for: reference) ?? 0) / 3600
        for window in hours {
            let opens = (window.opens.minutes + 59) / 60
            var closes = window.closes.minutes / 60
            if window.closes <= window.opens { closes += 24 }
            guard opens < closes else { continue }
            for day in window.days {
                let dayStart = Weekday.allCases.firstIndex(of: day)! * 24
                for hour in opens..<closes { insert(slot: dayStart + hour - offsetHours) }
            }
        }
    }

    /// Adds the UTC slot `slot`, wrapping around the week.
    public mutating func insert(slot: Int) {
        let index = ((slot % 168) + 168) % 168
        let bit = UInt64(1) << UInt64(index % 64)
        switch index / 64 {
        case 0: low |= bit
        case 1: middle |= bit
        default: high |= bit
        }
    }

    public var count: Int { low.nonzeroBitCount + middle.nonzeroBitCount + high.nonzeroBitCount }

    public var isEmpty: Bool { low == 0 && middle == 0 && high == 0 }

    public func overlap(_ other: WeekHours) -> Int {
        (low & other.low).nonzeroBitCount + (middle & other.middle).nonzeroBitCount
            + (high & other.high).nonzeroBitCount
    }
}
