import Foundation
import Testing

@testable import HavenServer

@Suite("Access log")
struct AccessLogTests {
    @Test("a request's duration reads as printf's %.3f milliseconds wrote it")
    func durationText() {
        for micros in [0, 7, 42, 919, 1_000, 12_040, 2_500_001, 987_654_321] {
            let written = AccessLogMiddleware<PlainContext>.milliseconds(.microseconds(micros))
            #expect(written == String(format: "%.3f", Double(micros) / 1000), "\(micros) µs")
        }
        #expect(AccessLogMiddleware<PlainContext>.milliseconds(.nanoseconds(1_999)) == "0.002")
    }
}
