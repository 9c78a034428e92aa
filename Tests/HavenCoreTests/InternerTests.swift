import HavenCore
import Testing

@Suite("Interner")
struct InternerTests {
    @Test("equal lists come back as one shared buffer; different ones stay apart")
    func sharing() {
        let interner = Interner<[String]>(capacity: 10)
        let first = interner.intern(["mental-health.crisis-counseling", "legal-aid.advocacy"])
        let second = interner.intern(["mental-health.crisis-counseling", "legal-aid.advocacy"])
        let other = interner.intern(["housing.emergency-shelter"])
        #expect(second == first)
        #expect(buffer(of: second) == buffer(of: first), "the second list is the first one's buffer")
        #expect(buffer(of: other) != buffer(of: first))
        #expect(interner.count == 2)
    }

    @Test("a full interner starts again and still hands back equal values")
    func bounded() {
        let interner = Interner<[Int]>(capacity: 2)
        for number in 0..<5 { #expect(interner.intern([number]) == [number]) }
        #expect(interner.count == 1)
    }

    private func buffer<Element>(of list: [Element]) -> UnsafeRawPointer? {
        list.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }
}
