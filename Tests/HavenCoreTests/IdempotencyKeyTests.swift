import HavenCore
import Testing

@Suite("Idempotency keys")
struct IdempotencyKeyTests {
    @Test("a key is read bare or quoted, without surrounding spaces")
    func readsBareAndQuoted() {
        #expect(
            (try? IdempotencyKey(header: "8e03978e-40d5-43e8-bc93-6894a57f9324"))?.value
                == "8e03978e-40d5-43e8-bc93-6894a57f9324")
        #expect((try? IdempotencyKey(header: #""8e03978e""#))?.value == "8e03978e")
        #expect((try? IdempotencyKey(header: "  intake-7\t"))?.value == "intake-7")
        #expect((try? IdempotencyKey(header: String(repeating: "k", count: 255)))?.value.count == 255)
    }

    @Test("empty, overlong, spaced, quoted-inside and non-ASCII keys are refused with a reason")
    func refusesUnusableKeys() {
        #expect(problem(with: "")?.contains("empty") == true)
        #expect(problem(with: #""""#)?.contains("empty") == true)
        #expect(problem(with: String(repeating: "k", count: 256))?.contains("255") == true)
        for unusable in ["two words", "caf\u{E9}", #"a"b"#, "tab\there"] {
            #expect((try? IdempotencyKey(header: unusable)) == nil, "\(unusable)")
            #expect(problem(with: unusable)?.contains("visible ASCII") == true, "\(unusable)")
        }
        #expect(problem(with: "intake-7") == nil)
    }

    /// Why `header` is refused, nil when it is a key.
    private func problem(with header: String) -> String? {
        do {
            _ = try IdempotencyKey(header: header)
            return nil
        } catch {
            return error.detail
        }
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
