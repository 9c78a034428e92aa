import Foundation

/// A training completion or a background check, with the dates that decide whether it counts.
public struct Credential: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case training
        case backgroundCheck = "background-check"
    }

    public var kind: Kind
    public var name: String
    public var issuedOn: CalendarDate
    /// Nil for a training that does not lapse; a background check always has one.
    public var expiresOn: CalendarDate?

    public init(kind: Kind, name: String, issuedOn: CalendarDate, expiresOn: CalendarDate?) {
        self.kind = kind
        self.name = name
        self.issuedOn = issuedOn
        self.expiresOn = expiresOn
    }

    /// Valid on `day`: issued by then and not yet expired (it counts through its expiry date).
    public func isValid(on day: CalendarDate) -> Bool {
        guard issuedOn <= day else { return false }
        if let expiresOn { return day <= expiresOn }
        return kind == .training
    }
}

/// A dated period a volunteer is away (both days included).
public struct AwayPeriod: Sendable, Equatable {
    public var startsOn: CalendarDate
    public var endsOn: CalendarDate

    public init(startsOn: CalendarDate, endsOn: CalendarDate) {
        self.startsOn = startsOn
        self.endsOn = endsOn
    }

    public func covers(_ day: CalendarDate) -> Bool { startsOn <= day && day <= endsOn }
}

/// Why a volunteer cannot take a family now, in the order they are checked.
public enum Ineligibility: Sendable, Equatable, Hashable {
    case notActive(VolunteerStatus)
    case trainingMissing
    case trainingExpired(CalendarDate)
    case backgroundCheckMissing
    case backgroundCheckExpired(CalendarDate)
    case away(until: CalendarDate)
    case atCapacity(active: Int, capacity: Int)

    /// The constraint, for counting exclusions ("3 volunteers: background check missing or expired").
    public var constraint: MentorConstraint {
        switch self {
        case .notActive: .active
        case .trainingMissing, .trainingExpired: .trained
        case .backgroundCheckMissing, .backgroundCheckExpired: .backgroundCheck
        case .away: .available
        case .atCapacity: .capacity
        }
    }

    public var explanation: String {
        switch self {
        case .notActive(let status): "status is \(status.rawValue)"
        case .trainingMissing: "no completed training"
        case .trainingExpired(let day): "training expired on \(day)"
        case .backgroundCheckMissing: "no background check"
        case .backgroundCheckExpired(let day): "background check expired on \(day)"
        case .away(let until): "away until \(until)"
        case .atCapacity(let active, let capacity): "mentoring \(active) of \(capacity) families"
        }
    }
}

/// The hard constraints a volunteer must pass to be suggested to a family, in checking order.
public enum MentorConstraint: String, Sendable, CaseIterable, Codable {
    case active
    case trained
    case backgroundCheck = "background-check"
    case available
    case capacity
    case language
    case gender

    public var label: String {
        switch self {
        case .active: "not active"
        case .trained: "training missing or expired"
        case .backgroundCheck: "background check missing or expired"
        case .available: "away"
        case .capacity: "at capacity"
        case .language: "does not speak the family's language"
        case .gender: "not the mentor gender the family asked for"
        }
    }
}

/// Whether a volunteer can take another family on a given day. Computed from the credentials'
/// dates each time it is asked, so an expired credential removes eligibility the day after it
/// lapses without any job flipping a flag.
public enum Eligibility {
    public static func check(
        status: VolunteerStatus, credentials: [Credential], away: [AwayPeriod], activeFamilies: Int, capacity: Int,
        on day: CalendarDate
    ) -> Ineligibility? {
        guard status == .active else { return .notActive(status) }
        if let problem = credentialProblem(.training, credentials, on: day) { return problem }
        if let problem = credentialProblem(.backgroundCheck, credentials, on: day) { return problem }
        if let period = away.filter({ $0.covers(day) }).max(by: { $0.endsOn < $1.endsOn }) {
            return .away(until: period.endsOn)
        }
        guard activeFamilies < capacity else { return .atCapacity(active: activeFamilies, capacity: capacity) }
        return nil
    }

    /// What stops a volunteer from taking up a match already proposed to them: their status,
    /// training and background check on `day`. Capacity and absences were weighed when the match
    /// was proposed; a lapsed credential since then must stop it.
    public static func checkToMentor(status: VolunteerStatus, credentials: [Credential], on day: CalendarDate)
        -> Ineligibility?
    {
        guard status == .active else { return .notActive(status) }
        return credentialProblem(.training, credentials, on: day)
            ?? credentialProblem(.backgroundCheck, credentials, on: day)
    }

    private static func credentialProblem(_ kind: Credential.Kind, _ credentials: [Credential], on day: CalendarDate)
        -> Ineligibility?
    {
        let held = credentials.filter { $0.kind == kind && $0.issuedOn <= day }
        if held.contains(where: { $0.isValid(on: day) }) { return nil }
        let lapsed = held.compactMap(\.expiresOn).max()
        switch (kind, lapsed) {
        case (.training, nil): return .trainingMissing
        case (.training, let day?): return .trainingExpired(day)
        case (.backgroundCheck, nil): return .backgroundCheckMissing
        case (.backgroundCheck, let day?): return .backgroundCheckExpired(day)
        }
    }
}

extension CalendarDate {
    /// The calendar date at `moment` in an IANA time zone (UTC when the zone is unknown), so
    /// "expires on the 22nd" means the 22nd where the volunteer lives.
    public init(_ moment: Date, timeZone: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: moment)
        self.init(String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1))!
    }

    /// Whole days from this date to `other` (negative when `other` is earlier).
    public func days(until other: CalendarDate) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        func date(_ day: CalendarDate) -> Date {
            calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day)) ?? Date()
        }
        return calendar.dateComponents([.day], from: date(self), to: date(other)).day ?? 0
    }

    /// The date `days` later.
    public func adding(days: Int) -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.date(from: DateComponents(year: year, month: month, day: day)) ?? Date()
        return CalendarDate(calendar.date(byAdding: .day, value: days, to: start) ?? start, timeZone: "UTC")
    }
}
