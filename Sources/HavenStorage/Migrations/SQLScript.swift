/// Splits a SQL script into single statements.
///
/// PostgresNIO speaks only the extended query protocol, which runs one statement
/// at a time, so migration and seed files are split here. The lexer understands
/// exactly what can hide a semicolon: quoted strings (including `E'…'` escapes),
/// quoted identifiers, dollar-quoted bodies and both comment styles. SQL-standard
/// `BEGIN ATOMIC … END` function bodies are not supported; use a dollar-quoted body.
public struct SQLScript: Sendable {
    public struct Statement: Sendable, Equatable {
        /// The statement text, without its terminating semicolon.
        public let sql: String
        /// 1-based line where the statement starts, for error messages.
        public let line: Int
    }

    public enum SplitError: Error, Equatable, CustomStringConvertible {
        case unterminated(what: String, line: Int)

        public var description: String {
            switch self {
            case .unterminated(let what, let line): "unterminated \(what) starting on line \(line)"
            }
        }
    }

    public let statements: [Statement]

    public init(_ text: String) throws(SplitError) {
        statements = try Self.split(Array(text.unicodeScalars))
    }

    private static func split(_ chars: [Unicode.Scalar]) throws(SplitError) -> [Statement] {
        var statements: [Statement] = []
        var current = String.UnicodeScalarView()
        var currentLine = 1
        var startLine: Int?
        var index = 0

        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < chars.count ? chars[index + offset] : nil
        }
        func append(_ count: Int) {
            for scalar in chars[index..<min(index + count, chars.count)] {
                current.append(scalar)
                if scalar == "\n" { currentLine += 1 }
            }
            index += count
        }
        func flush() {
            let text = String(current).trimmingWhitespace()
            if !text.isEmpty, let line = startLine {
                statements.append(Statement(sql: text, line: line))
            }
            current = String.UnicodeScalarView()
            startLine = nil
        }

        while index < chars.count {
            let scalar = chars[index]
            if startLine == nil {
                // Whitespace between statements belongs to none of them.
                if scalar.properties.isWhitespace || scalar == ";" {
                    if scalar == "\n" { currentLine += 1 }
                    index += 1
                    continue
                }
                startLine = currentLine
            }
            switch scalar {
            case "-" where peek(1) == "-":
                // A line comment is dropped so a statement that is only comments stays empty.
                while index < chars.count, chars[index] != "\n" { index += 1 }
                if startLine != nil, current.isEmpty { startLine = nil }
            case "/" where peek(1) == "*":
                // Comments are dropped (a block comment becomes one space, as the server reads it)
                // so a statement made only of comments is never sent.
                let opened = currentLine
                var depth = 0
                repeat {
                    if peek(0) == "/", peek(1) == "*" {
                        depth += 1
                        index += 2
                    } else if peek(0) == "*", peek(1) == "/" {
                        depth -= 1
                        index += 2
                    } else if index < chars.count {
                        if chars[index] == "\n" { currentLine += 1 }
                        index += 1
                    } else {
                        throw .unterminated(what: "block comment", line: opened)
                    }
                } while depth > 0
                if current.isEmpty {
                    startLine = nil
                } else {
                    current.append(" ")
                }
            case "'":
                let backslashEscapes = index > 0 && (chars[index - 1] == "E" || chars[index - 1] == "e")
                try consumeQuoted(quote: "'", backslashEscapes: backslashEscapes, what: "string")
            case "\"":
                try consumeQuoted(quote: "\"", backslashEscapes: false, what: "quoted identifier")
            case "$":
                if let tag = dollarTag(at: index) {
                    let opened = currentLine
                    append(tag.count)
                    while true {
                        guard index < chars.count else { throw .unterminated(what: "dollar-quoted body", line: opened) }
                        if chars[index] == "$", dollarTag(at: index) == tag {
                            append(tag.count)
                            break
                        }
                        append(1)
                    }
                } else {
                    append(1)
                }
            case ";":
                index += 1
                flush()
            default:
                append(1)
            }
        }
        flush()
        return statements

        func consumeQuoted(quote: Unicode.Scalar, backslashEscapes: Bool, what: String) throws(SplitError) {
            let opened = currentLine
            append(1)
            while true {
                guard index < chars.count else { throw .unterminated(what: what, line: opened) }
                let scalar = chars[index]
                if backslashEscapes, scalar == "\\" {
                    append(2)
                } else if scalar == quote {
                    if peek(1) == quote {
                        append(2)  // a doubled quote is an escaped quote
                    } else {
                        append(1)
                        return
                    }
                } else {
                    append(1)
                }
            }
        }

        /// `$tag$` or `$$` starting at `start`, or nil when the `$` is a parameter or part of a name.
        func dollarTag(at start: Int) -> [Unicode.Scalar]? {
            if start > 0 {
                let previous = chars[start - 1]
                if previous.properties.isAlphabetic || previous == "_" || ("0"..."9").contains(previous) {
                    return nil
                }
            }
            var end = start + 1
            while end < chars.count, chars[end] != "$" {
                let scalar = chars[end]
                let allowed =
                    scalar.properties.isAlphabetic || scalar == "_"
                    || (end > start + 1 && ("0"..."9").contains(scalar))
                guard allowed else { return nil }
                end += 1
            }
            guard end < chars.count else { return nil }
            return Array(chars[start...end])
        }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
