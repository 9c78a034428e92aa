import Foundation
import HavenCore
import Testing

@Suite("Hex")
struct HexTests {
    @Test("writes every byte as printf's %02x does, so stored checksums and tags keep their spelling")
    func matchesPrintf() {
        let every = (0...255).map(UInt8.init)
        #expect(Hex.string(every) == every.map { String(format: "%02x", $0) }.joined())
        #expect(Hex.string([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Hex.string([UInt8]()) == "")
    }
}
