import HavenCore
import Testing

@Suite("Idempotency keys")
struct IdempotencyKeyTests {
    @Test("a key is read bare or quoted, without surrounding spaces")
    func readsBareAndQuoted() {
        #expect(
            IdempotencyKey(header: "8e03978e-40d5-43e8-bc93-6894a57f9324")?.value
                == "8e03978e-40d5-43e8-bc93-6894a57f9324")
        #expect(IdempotencyKey(header: #""8e03978e""#)?.value == "8e03978e")
        #expect(IdempotencyKey(header: "  intake-7\t")?.value == "intake-7")
        #expect(IdempotencyKey(header: String(repeating: "k", count: 255))?.value.count == 255)
    }

    @Test("empty, overlong, spaced, quoted-inside and non-ASCII keys are refused with a reason")
    func refusesUnusableKeys() {
        #expect(IdempotencyKey.problem(with: "")?.contains("empty") == true)
        #expect(IdempotencyKey.problem(with: #""""#)?.contains("empty") == true)
        #expect(IdempotencyKey.problem(with: String(repeating: "k", count: 256))?.contains("255") == true)
        for unusable in ["two words", "caf\u{E9}", #"a"b"#, "tab\there"] {
            #expect(IdempotencyKey(header: unusable) == nil, "\(unusable)")
            #expect(IdempotencyKey.problem(with: unusable)?.contains("visible ASCII") == true, "\(unusable)")
        }
        #expect(IdempotencyKey.problem(with: "intake-7") == nil)
    }

    @Test("every POST but a new token takes a key, and only successes are kept")
    func rules() {
        #expect(IdempotencyKey.isAccepted(by: .createFamily))
        #expect(IdempotencyKey.isAccepted(by: .createPlan))
        #expect(!IdempotencyKey.isAccepted(by: .createToken))
        #expect(IdempotencyKey.keepsAnswer(status: 201))
        #expect(IdempotencyKey.keepsAnswer(status: 200))
        #expect(!IdempotencyKey.keepsAnswer(status: 422))
        #expect(!IdempotencyKey.keepsAnswer(status: 500))
    }
}
