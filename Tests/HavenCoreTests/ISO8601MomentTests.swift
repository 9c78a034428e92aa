import Foundation
import HavenCore
import Testing

@Suite("Moments callers send")
struct ISO8601MomentTests {
    @Test("a date that does not exist is refused, not rolled over to another day")
    func impossibleDates() {
        for text in [
            "2026-02-30T12:00:00Z", "2026-04-31T09:00:00-05:00", "2026-11-22T24:00:00Z", "2025-02-29T00:00:00Z",
        ] {
            #expect(ISO8601Moment.date(from: text) == nil, "\(text)")
        }
        let cases: [(String, TimeInterval)] = [
            ("2028-02-29T12:00:00Z", 1_835_438_400),
            ("2026-03-01T00:30:00-05:00", 1_772_343_000),
            ("2026-11-22T10:00:00.250Z", 1_795_341_600.25),
        ]
        for (text, seconds) in cases {
            #expect(ISO8601Moment.date(from: text)?.timeIntervalSince1970 == seconds, "\(text)")
        }
    }
}
