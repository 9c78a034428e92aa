/// Haven's trauma-informed language check: words and phrases that stigmatize, blame or imply a
/// child's consent, with the preferred alternative and the reason. It warns, it never blocks:
/// a specialist may be quoting a family or a document.
public struct LanguageRule: Sendable, Equatable {
    public enum Severity: String, Sendable, Equatable {
        /// Replace it.
        case avoid
        /// Read it again: often wrong, sometimes fine.
        case review
    }

    /// Alternatives that mean the same thing ("child prostitute", "teen prostitute"), each one
    /// or more words.
    public var patterns: [String]
    public var prefer: String
    public var severity: Severity
    public var basis: String

    public init(patterns: [String], prefer: String, severity: Severity, basis: String) {
        self.patterns = patterns
        self.prefer = prefer
        self.severity = severity
        self.basis = basis
    }
}

/// One flagged phrase in a text.
public struct LanguageFinding: Sendable, Equatable {
    /// The words as written.
    public var found: String
    /// Where they start, in characters from the start of the text.
    public var offset: Int
    public var length: Int
    public var prefer: String
    public var severity: LanguageRule.Severity
    public var basis: String
}

/// The rules, matched on whole words, case-insensitively, across punctuation and hyphens:
/// "John" is flagged but "Johnson" is not; "non-compliant" and "non compliant" both match.
public struct LanguageGuide: Sendable {
    struct Pattern: Sendable {
        var words: [String]
        var rule: Int
    }

    public let rules: [LanguageRule]
    /// Patterns by their first word, longest first, so "put herself in" wins over a shorter one.
    private let byFirstWord: [String: [Pattern]]

    public init(rules: [LanguageRule]) {
        self.rules = rules
        var index: [String: [Pattern]] = [:]
        for (number, rule) in rules.enumerated() {
            for pattern in rule.patterns {
                let words = Self.words(in: pattern).map(\.word)
                guard let first = words.first else { continue }
                index[first, default: []].append(Pattern(words: words, rule: number))
            }
        }
        byFirstWord = index.mapValues { $0.sorted { $0.words.count > $1.words.count } }
    }

    /// This guide with another's rules added (an organization's own list, say).
    public func adding(_ other: LanguageGuide) -> LanguageGuide { LanguageGuide(rules: rules + other.rules) }

    public func check(_ text: String) -> [LanguageFinding] {
        let words = Self.words(in: text)
        var findings: [LanguageFinding] = []
        var position = 0
        while position < words.count {
            var matched = false
            for pattern in byFirstWord[words[position].word] ?? [] {
                let end = position + pattern.words.count
                guard end <= words.count, zip(pattern.words, words[position..<end]).allSatisfy({ $0 == $1.word })
                else { continue }
                let start = words[position].start
                let stop = words[end - 1].end
                let rule = rules[pattern.rule]
                findings.append(
                    LanguageFinding(
                        found: String(text[start..<stop]), offset: text.distance(from: text.startIndex, to: start),
                        length: text.distance(from: start, to: stop), prefer: rule.prefer, severity: rule.severity,
                        basis: rule.basis))
                position = end
                matched = true
                break
            }
            if !matched { position += 1 }
        }
        return findings
    }

    /// Lowercased words (letters and digits) with where each sits in the text.
    static func words(in text: String) -> [(word: String, start: String.Index, end: String.Index)] {
        var result: [(String, String.Index, String.Index)] = []
        var start: String.Index?
        var index = text.startIndex
        while index < text.endIndex {
            let isWordCharacter = text[index].isLetter || text[index].isNumber
            if isWordCharacter, start == nil { start = index }
            if !isWordCharacter, let begun = start {
                result.append((text[begun..<index].lowercased(), begun, index))
                start = nil
            }
            index = text.index(after: index)
        }
        if let begun = start { result.append((text[begun...].lowercased(), begun, text.endIndex)) }
        return result
    }
}
