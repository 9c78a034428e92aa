/// One CSV file of a data package, as text: the header and the rows, each with the line it starts
/// on, so every problem can name the file, the line and the column a person sees in an editor.
///
/// The parser follows RFC 4180 (quoted fields, doubled quotes, line breaks inside quotes, CRLF or
/// LF) and skips a UTF-8 byte-order mark. It works on bytes because an import reads hundreds of
/// thousands of rows; an empty field and a missing one both read as "no value", as the
/// Frictionless table schema's default `missingValues` says.
public struct CSVTable: Sendable {
    public let header: [String]
    public private(set) var rows: [[String]]
    /// The line each row starts on; the header is line 1.
    public private(set) var lines: [Int]
    private let columnIndex: [String: Int]

    public init(header: [String], rows: [[String]] = [], lines: [Int]? = nil) {
        self.header = header
        self.rows = rows
        self.lines = lines ?? rows.indices.map { $0 + 2 }
        var index: [String: Int] = [:]
        for (position, name) in header.enumerated() where index[name] == nil { index[name] = position }
        columnIndex = index
    }

    public var count: Int { rows.count }

    public func hasColumn(_ name: String) -> Bool { columnIndex[name] != nil }

    /// Where `column` is in each row, for reading many rows without looking the name up each time.
    public func position(of column: String) -> Int? { columnIndex[column] }

    /// The value of `column` in row `row`, or nil when it is empty, missing or not a column.
    public func value(_ row: Int, _ column: String) -> String? {
        guard let position = columnIndex[column] else { return nil }
        let fields = rows[row]
        guard position < fields.count else { return nil }
        let value = fields[position]
        return value.isEmpty ? nil : value
    }

    public mutating func append(_ fields: [String], line: Int) {
        rows.append(fields)
        lines.append(line)
    }
}

/// A CSV file that cannot be read as rows at all.
public struct CSVSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let message: String
    public var description: String { "line \(line): \(message)" }

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }
}

extension CSVTable {
    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    /// Reads a whole file. Blank lines between rows are skipped; a quote left open is an error.
    public static func parse<Bytes: Collection>(_ bytes: Bytes) throws -> CSVTable
    where Bytes.Element == UInt8 {
        let buffer = Array(bytes)
        return try buffer.withUnsafeBufferPointer { try parse(buffer: $0) }
    }

    /// A value's text. A file saved in another encoding (Latin-1, Windows-1252) would otherwise
    /// be read with its accented letters replaced, and imported garbled without a word.
    private static func text<Bytes: Collection>(_ bytes: Bytes, line: Int) throws -> String
    where Bytes.Element == UInt8 {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CSVSyntaxError(
                line: line, message: "is not UTF-8 text: save the file as UTF-8 (CSV UTF-8) and try again")
        }
        return text
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>) throws -> CSVTable {
        var position = 0
        if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }
        var line = 1
        var header: [String]?
        var rows: [[String]] = []
        var lines: [Int] = []
        var fields: [String] = []
        var scratch: [UInt8] = []
        var rowLine = 1
        let end = buffer.count

        func finishRow() {
            // A line holding nothing at all is not a row.
            if !(fields.count == 1 && fields[0].isEmpty) {
                if header == nil {
                    header = fields
                } else {
                    rows.append(fields)
                    lines.append(rowLine)
                }
            }
            fields = []
        }

        while position < end {
            if fields.isEmpty { rowLine = line }
            if buffer[position] == quote {
                let opened = line
                position += 1
                scratch.removeAll(keepingCapacity: true)
                var closed = false
                while position < end {
                    let byte = buffer[position]
                    if byte == quote {
                        if position + 1 < end, buffer[position + 1] == quote {
                            scratch.append(quote)
                            position += 2
                            continue
                        }
                        position += 1
                        closed = true
                        break
                    }
                    if byte == lineFeed { line += 1 }
                    scratch.append(byte)
                    position += 1
                }
                guard closed else {
                    throw CSVSyntaxError(line: opened, message: "a quoted value is never closed")
                }
                fields.append(try text(scratch, line: opened))
                // Only a separator or the end of the line may follow a closing quote.
                guard position < end else { break }
                let next = buffer[position]
                if next == comma {
                    position += 1
                    if position == end { fields.append("") }
                } else if next == lineFeed || next == carriageReturn {
                    position +=
                        (next == carriageReturn && position + 1 < end && buffer[position + 1] == lineFeed) ? 2 : 1
                    line += 1
                    finishRow()
                } else {
                    throw CSVSyntaxError(line: line, message: "text follows a closing quote")
                }
            } else {
                let start = position
                while position < end {
                    let byte = buffer[position]
                    if byte == comma || byte == lineFeed || byte == carriageReturn { break }
                    position += 1
                }
                fields.append(try text(UnsafeBufferPointer(rebasing: buffer[start..<position]), line: line))
                guard position < end else { break }
                let next = buffer[position]
                if next == comma {
                    position += 1
                    if position == end { fields.append("") }
                } else {
                    position +=
                        (next == carriageReturn && position + 1 < end && buffer[position + 1] == lineFeed) ? 2 : 1
                    line += 1
                    finishRow()
                }
            }
        }
        if !fields.isEmpty { finishRow() }
        return CSVTable(header: header ?? [], rows: rows, lines: lines)
    }
}

/// Writes RFC 4180 CSV: a value is quoted only when it holds a comma, a quote or a line break.
public struct CSVWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(header: [String]) {
        appendRow(header)
    }

    /// `nil` and "" both write an empty field (CSV cannot tell them apart).
    public mutating func appendRow(_ fields: [String?]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard let field, !field.isEmpty else { continue }
            let utf8 = field.utf8
            if utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
                bytes.append(0x22)
                for byte in utf8 {
                    if byte == 0x22 { bytes.append(0x22) }
                    bytes.append(byte)
                }
                bytes.append(0x22)
            } else {
                bytes.append(contentsOf: utf8)
            }
        }
        bytes.append(contentsOf: [0x0D, 0x0A])
    }
}
