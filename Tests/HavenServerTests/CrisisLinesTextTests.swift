import Foundation
import HavenAPI
import HavenClient
import Testing

@Suite("haven crisis, as a specialist reads it")
struct CrisisLinesTextTests {
    static func instant(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    static let chicago = Components.Schemas.Place(
        zip: "60614", city: "Chicago", state: "IL", county: "Cook County", timeZone: "America/Chicago",
        latitude: 41.92, longitude: -87.65, kind: "standard", active: true)

    static func line(_ channels: [Components.Schemas.CrisisChannelNow]) -> Components.Schemas.CrisisSearchResult {
        .init(
            id: UUID().uuidString, slug: "demo-line", name: "Demo Family Line", reachesBy: "state", channels: channels)
    }

    @Test("times are on the family's clock, a chosen moment says 'then', and each channel's own notes are shown")
    func familyClock() {
        // A line kept on Los Angeles time, asked about at 16:30 there (18:30 in Chicago).
        let text = Components.Schemas.CrisisChannelNow(
            channel: "sms", value: "55599", keyword: "HOME", label: "Text line for young people",
            hoursNote: "Weekdays only", languages: ["en"], languageNote: "Other languages through an interpreter",
            whatToExpect: "Texting is useful when someone may be listening.",
            open: .init(
                isOpen: true, alwaysOpen: false, closesAt: "18:00", timeZone: "America/Los_Angeles",
                openUntil: Self.instant("2026-11-24T02:00:00Z")),
            speaksLanguage: true)
        let voice = Components.Schemas.CrisisChannelNow(
            channel: "voice", value: "+13105550100", languages: ["en", "es"],
            open: .init(
                isOpen: false, alwaysOpen: false, timeZone: "America/Los_Angeles",
                nextOpening: Self.instant("2026-11-24T17:00:00Z")),
            speaksLanguage: true)
        let list = Components.Schemas.CrisisSearchList(
            data: [Self.line([text, voice])], nextCursor: nil, place: Self.chicago)
        let moment = Self.instant("2026-11-24T00:30:00Z")
        let now = CrisisLinesText(list, language: nil, atChosenMoment: false, moment: moment).lines
        #expect(now.contains("  text HOME to 55599  ·  open now until 20:00  ·  English"), "\(now)")
        #expect(now.contains("    Text line for young people"))
        #expect(now.contains("    hours: Weekdays only"))
        #expect(now.contains("    languages: Other languages through an interpreter"))
        #expect(now.contains("    Texting is useful when someone may be listening."))
        // Opens at 09:00 in Los Angeles: 11:00 the next day in Chicago.
        #expect(now.contains("  call +13105550100  ·  closed now, opens tomorrow 11:00  ·  English, Spanish"))
        let then = CrisisLinesText(list, language: nil, atChosenMoment: true, moment: moment).lines
        #expect(then.contains("  text HOME to 55599  ·  open then until 20:00  ·  English"))
    }

    @Test("a place Haven does not know: the notice first, and times in the line's own zone, named")
    func unknownPlace() {
        let voice = Components.Schemas.CrisisChannelNow(
            channel: "voice", value: "988", languages: ["en"],
            open: .init(
                isOpen: true, alwaysOpen: false, timeZone: "America/New_York",
                openUntil: Self.instant("2026-11-24T04:00:00Z")),
            speaksLanguage: true)
        let list = Components.Schemas.CrisisSearchList(
            data: [Self.line([voice])], nextCursor: nil, notice: "Haven does not know ZIP code 09001.")
        let lines = CrisisLinesText(
            list, language: nil, atChosenMoment: false, moment: Self.instant("2026-11-24T00:00:00Z")
        )
        .lines
        #expect(lines.first == "Note: Haven does not know ZIP code 09001.")
        #expect(lines.contains("  call 988  ·  open now until 23:00 America/New_York time  ·  English"), "\(lines)")
    }
}
