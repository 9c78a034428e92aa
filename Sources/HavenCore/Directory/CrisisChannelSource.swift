/// Reads the free-text columns of the national crisis-contacts list
/// (`Seeds/reference/national-crisis-contacts.csv`) into values a program can use, keeping
/// whatever the list says beyond them as a note, word for word.
public enum CrisisChannelSource {
    public struct Languages: Sendable, Equatable {
        /// ISO 639 codes the channel answers in.
        public var codes: [String]
        /// Other languages through an interpreter.
        public var interpretation: Bool
        public var note: String?

        public init(codes: [String], interpretation: Bool, note: String?) {
            self.codes = codes
            self.interpretation = interpretation
            self.note = note
        }
    }

    /// `en;es;+interpretation (200+ languages by phone)`, `en (other languages not verified)`.
    public static func languages(_ text: String) -> Languages {
        var head = Substring(text)
        var notes: [String] = []
        var interpretation = false
        if let marker = head.range(of: "+interpretation") {
            interpretation = true
            let rest = head[marker.upperBound...].trimmed.strippingParentheses
            if !rest.isEmpty { notes.append("interpretation: \(rest)") }
            head = head[..<marker.lowerBound]
        }
        if let open = head.firstIndex(of: "("), let close = head.lastIndex(of: ")"), open < close {
            notes.insert(String(head[head.index(after: open)..<close]).trimmed, at: 0)
            head = head[..<open] + head[head.index(after: close)...]
        }
        let codes = head.split(separator: ";").map { $0.trimmed.lowercased() }.filter(isLanguageCode)
        return Languages(
            codes: codes, interpretation: interpretation, note: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    /// Whether the stated hours mean open at any moment: `24/7`, `24/7 (online form)`,
    /// `Online tool, usable any time`. Anything else (`NOT 24/7 …`, `Not verified`) is not
    /// assumed open: its note is shown as written.
    public static func isAlwaysOpen(_ hours: String) -> Bool {
        let text = hours.trimmed.lowercased()
        return text.hasPrefix("24/7") || text.contains("usable any time")
    }

    /// Two- or three-letter lowercase ISO 639 code.
    public static func isLanguageCode(_ code: String) -> Bool {
        (2...3).contains(code.utf8.count) && code.utf8.allSatisfy { $0 >= 0x61 && $0 <= 0x7A }
    }
}

extension StringProtocol {
    var trimmed: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }

    fileprivate var strippingParentheses: String {
        let text = trimmed
        guard text.hasPrefix("("), text.hasSuffix(")") else { return text }
        return String(text.dropFirst().dropLast()).trimmed
    }
}
