import Foundation
import HavenAPI
import HavenCore

/// `haven crisis` as a specialist reads it aloud to a family: each line, how to reach it, whether
/// it answers at that moment and until when on the family's own clock, in which languages, and
/// what to expect, channel by channel.
public struct CrisisLinesText {
    public let list: Components.Schemas.CrisisSearchList
    /// The family's language, when asked: the Spanish account is added for Spanish readers.
    public let language: String?
    /// A moment other than now was asked for: "open then", not "open now".
    public let atChosenMoment: Bool
    /// The instant the answer is about, for "today" and "tomorrow".
    public let moment: Date

    public init(
        _ list: Components.Schemas.CrisisSearchList, language: String?, atChosenMoment: Bool, moment: Date
    ) {
        self.list = list
        self.language = language
        self.atChosenMoment = atChosenMoment
        self.moment = moment
    }

    public var lines: [String] {
        var lines: [String] = []
        if let notice = list.notice { lines += ["Note: \(notice)", ""] }
        for result in list.data {
            let reach = result.reachesBy == "national" ? "national" : "covers your \(result.reachesBy)"
            lines.append("\(result.name)  (\(reach))")
            for channel in result.channels {
                let languages =
                    channel.languages.map { LanguageNames.name($0) }.joined(separator: ", ")
                    + (channel.interpretation == true ? " + interpreters" : "")
                lines.append(
                    "  \(Self.how(channel))  ·  \(status(channel))  ·  "
                        + (languages.isEmpty ? "languages not listed" : languages))
                if let label = channel.label { lines.append("    \(label)") }
                if channel.open?.alwaysOpen != true, channel.open != nil, let note = channel.hoursNote {
                    lines.append("    hours: \(note)")
                }
                if let note = channel.languageNote { lines.append("    languages: \(note)") }
                if let expect = channel.whatToExpect { lines.append("    \(expect)") }
            }
            if let expect = result.whatToExpect { lines.append("  what to expect: \(expect)") }
            // For a family who reads Spanish, the words to pass on as they are.
            if language?.lowercased() == "es", let expect = result.whatToExpectEs {
                lines.append("  en español: \(expect)")
            }
            lines.append("")
        }
        return lines
    }

    static func how(_ channel: Components.Schemas.CrisisChannelNow) -> String {
        switch channel.channel {
        case "voice": "call \(channel.value)"
        case "sms": "text \(channel.keyword.map { "\($0) to " } ?? "")\(channel.value)"
        case "chat": "chat \(channel.value)"
        default: "report \(channel.value)"
        }
    }

    /// "open now until 20:00", "closed now, opens tomorrow 09:00", with times on the family's
    /// clock (the place's time zone), or the line's own zone named when the place is unknown.
    func status(_ channel: Components.Schemas.CrisisChannelNow) -> String {
        guard let open = channel.open else { return "hours: " + (channel.hoursNote ?? "not confirmed") }
        if open.alwaysOpen { return "open 24/7" }
        let when = atChosenMoment ? "then" : "now"
        if open.isOpen {
            guard let until = open.openUntil else {
                return "open \(when)" + (open.closesAt.map { " until \($0)" } ?? "")
            }
            return "open \(when) until \(clock(until, lineZone: open.timeZone))"
        }
        guard let next = open.nextOpening else { return "closed \(when)" }
        return "closed \(when), opens \(day(next, lineZone: open.timeZone)) \(clock(next, lineZone: open.timeZone))"
    }

    /// The family's zone when known; else the line's own, named.
    private func zone(lineZone: String?) -> (TimeZone, named: Bool) {
        if let family = list.place?.timeZone, let zone = TimeZone(identifier: family) { return (zone, false) }
        if let line = lineZone, let zone = TimeZone(identifier: line) { return (zone, true) }
        return (TimeZone(identifier: "UTC")!, true)
    }

    private func clock(_ instant: Date, lineZone: String?) -> String {
        let (zone, named) = zone(lineZone: lineZone)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: instant)
        let time = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        return named ? "\(time) \(zone.identifier) time" : time
    }

    /// "today", "tomorrow" or the weekday, on the same clock as the time.
    private func day(_ instant: Date, lineZone: String?) -> String {
        let (zone, _) = zone(lineZone: lineZone)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        if calendar.isDate(instant, inSameDayAs: moment) { return "today" }
        if let tomorrow = calendar.date(byAdding: .day, value: 1, to: moment),
            calendar.isDate(instant, inSameDayAs: tomorrow)
        {
            return "tomorrow"
        }
        let names = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        return names[calendar.component(.weekday, from: instant) - 1]
    }
}
