/// Something wrong with a data package, where a person can find it: the file, the line (the
/// header is line 1) and the column.
///
/// An error stops the import. A warning names a row Haven cannot hold and leaves out (an opening
/// time it cannot evaluate, a service area it cannot place); everything else still imports.
public struct PackageProblem: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error, warning
    }

    public let severity: Severity
    public let file: String
    public let line: Int?
    public let column: String?
    public let message: String

    public init(_ severity: Severity, file: String, line: Int? = nil, column: String? = nil, message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `services.csv:14 status: must be one of …`
    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += " \(column)" }
        return "\(severity.rawValue): \(place): \(message)"
    }

    /// The order a curator fixes them in: errors before warnings, and among errors those about a
    /// whole file or line (an unclosed quote, a missing column) before the value-by-value ones,
    /// which are often the thousands of rows that point into a file that could not be read.
    public static func readingOrder(_ problems: [PackageProblem]) -> [PackageProblem] {
        let errors = problems.filter { $0.severity == .error }
        return errors.filter { $0.column == nil } + errors.filter { $0.column != nil }
            + problems.filter { $0.severity == .warning }
    }

    public static func < (lhs: PackageProblem, rhs: PackageProblem) -> Bool {
        (lhs.file, lhs.line ?? 0, lhs.column ?? "", lhs.message) < (
            rhs.file, rhs.line ?? 0, rhs.column ?? "", rhs.message
        )
    }
}

/// The Frictionless field rules of a descriptor, applied to a package's tables: required columns
/// and values, types and formats, enumerations, unique values, primary and foreign keys.
///
/// Tables are keyed by resource name; `files` gives the file name each problem names. A foreign
/// key must point at a row of the same package: a package is a whole directory, not a patch.
public struct PackageValidator: Sendable {
    public let rules: DataPackageDescriptor

    public init(rules: DataPackageDescriptor) { self.rules = rules }

    public func validate(_ tables: [String: CSVTable], files: [String: String]) -> [PackageProblem] {
        var problems: [PackageProblem] = []
        var keys: [String: Set<String>] = [:]
        for resource in rules.resources {
            guard let table = tables[resource.name] else { continue }
            let file = files[resource.name] ?? resource.path
            problems += checkHeader(table, of: resource, file: file)
            problems += checkRows(table, of: resource, file: file, keys: &keys)
        }
        for resource in rules.resources {
            guard let table = tables[resource.name] else { continue }
            let file = files[resource.name] ?? resource.path
            for foreignKey in resource.schema.foreignKeys ?? [] {
                guard let column = foreignKey.fields.names.first, table.hasColumn(column) else { continue }
                let target = foreignKey.reference.resource
                let targetFile = rules.resource(named: target)?.path ?? "\(target).csv"
                let known = keys[target]
                for row in 0..<table.count {
                    guard let value = table.value(row, column) else { continue }
                    guard let known else {
                        problems.append(
                            .init(
                                .error, file: file, line: table.lines[row], column: column,
                                message: "refers to \(target) \(value), but the package has no \(targetFile)"))
                        continue
                    }
                    if !known.contains(FieldValueRules.key(value)) {
                        problems.append(
                            .init(
                                .error, file: file, line: table.lines[row], column: column,
                                message: "refers to \(target) \(value), which is not in \(targetFile)"))
                    }
                }
            }
        }
        return problems
    }

    private func checkHeader(_ table: CSVTable, of resource: DataResource, file: String) -> [PackageProblem] {
        var problems: [PackageProblem] = []
        var seen: Set<String> = []
        for name in table.header {
            if !seen.insert(name).inserted {
                problems.append(
                    .init(.error, file: file, line: 1, column: name, message: "appears twice in the header"))
            } else if resource.schema.field(named: name) == nil {
                problems.append(
                    .init(
                        .warning, file: file, line: 1, column: name,
                        message: "is not a field of \(resource.name); its values are ignored"))
            }
        }
        for field in resource.schema.fields where field.isRequired && !seen.contains(field.name) {
            problems.append(
                .init(
                    .error, file: file, line: 1, column: field.name, message: "is required but missing from the header")
            )
        }
        return problems
    }

    private func checkRows(
        _ table: CSVTable, of resource: DataResource, file: String, keys: inout [String: Set<String>]
    ) -> [PackageProblem] {
        var problems: [PackageProblem] = []
        let width = table.header.count
        for row in 0..<table.count where table.rows[row].count != width {
            problems.append(
                .init(
                    .error, file: file, line: table.lines[row],
                    message: "has \(table.rows[row].count) values; the header has \(width)"))
        }
        let primaryKey = resource.schema.primaryKey?.names.first
        for field in resource.schema.fields where table.hasColumn(field.name) {
            let unique = field.isUnique || field.name == primaryKey
            var firstLine: [String: Int] = [:]
            for row in 0..<table.count {
                let line = table.lines[row]
                guard let value = table.value(row, field.name) else {
                    if field.isRequired {
                        problems.append(
                            .init(.error, file: file, line: line, column: field.name, message: "is required"))
                    }
                    continue
                }
                if let message = FieldValueRules.problem(with: value, for: field) {
                    problems.append(.init(.error, file: file, line: line, column: field.name, message: message))
                    continue
                }
                if unique {
                    let key = field.format == "uuid" ? FieldValueRules.key(value) : value
                    if let earlier = firstLine[key] {
                        problems.append(
                            .init(
                                .error, file: file, line: line, column: field.name,
                                message: "repeats \(value.prefix(60)) from line \(earlier); it must be unique"))
                    } else {
                        firstLine[key] = line
                    }
                }
            }
            if field.name == primaryKey { keys[resource.name] = Set(firstLine.keys) }
        }
        if let primaryKey, keys[resource.name] == nil, !table.hasColumn(primaryKey) {
            keys[resource.name] = []
        }
        return problems
    }
}

/// Whether one text value fits a table-schema field's type, format and enumeration, as the
/// Frictionless table schema defines them (default formats; times may leave out the seconds and
/// instants may carry an offset, as real packages do).
public enum FieldValueRules {
    /// The longest text Haven keeps in one value, as its API allows (a description, a note).
    /// A service area's `extent` (a GeoJSON or WKT shape) may be longer.
    public static let longestText = 10_000
    /// PostgreSQL's `integer`, where Haven keeps counts, intervals and ages.
    static let largestWholeNumber = Double(Int32.max)

    public static func problem(with value: String, for field: TableField) -> String? {
        if field.name != "extent", value.utf8.count > longestText, value.count > longestText {
            return "must be at most \(longestText) characters (found \(value.count))"
        }
        // Tabs and line breaks are text; other control characters (a NUL) are a broken export.
        // (Checked by bytes first: C0 controls and DEL, and C1 controls' lead byte 0xC2.)
        if value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }),
            value.unicodeScalars.contains(where: {
                $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\r" && $0 != "\t"
            })
        {
            return "must not contain control characters"
        }
        if let allowed = field.constraints?.enum, !allowed.contains(value) {
            return "must be one of \(allowed.joined(separator: ", ")) (found '\(value.prefix(60))')"
        }
        switch field.type {
        case .string:
            switch field.format {
            case "uuid": return isUUID(value) ? nil : "must be a UUID (found '\(value.prefix(60))')"
            case "email": return isEmail(value) ? nil : "must be an email address (found '\(value.prefix(60))')"
            case "uri":
                return isURI(value)
                    ? nil : "must be a URI with a scheme, such as https:// (found '\(value.prefix(60))')"
            default: return nil
            }
        case .number:
            guard let number = Double(value), number.isFinite else {
                return "must be a number (found '\(value.prefix(60))')"
            }
            return abs(number) > largestWholeNumber ? "is too large (found '\(value.prefix(60))')" : nil
        case .integer:
            return Int32(value) == nil ? "must be a whole number up to 2147483647 (found '\(value.prefix(60))')" : nil
        case .boolean:
            return booleanValue(value) == nil ? "must be true or false (found '\(value.prefix(60))')" : nil
        case .date:
            return isDate(value) ? nil : "must be a date YYYY-MM-DD (found '\(value.prefix(60))')"
        case .time:
            return isTime(value) ? nil : "must be a time HH:MM:SS (found '\(value.prefix(60))')"
        case .datetime:
            return isDateTime(value)
                ? nil : "must be a date and time YYYY-MM-DDTHH:MM:SSZ (found '\(value.prefix(60))')"
        default:
            return nil
        }
    }

    public static func booleanValue(_ value: String) -> Bool? {
        switch value {
        case "true", "True", "TRUE", "1": true
        case "false", "False", "FALSE", "0": false
        default: nil
        }
    }

    public static func isUUID(_ value: String) -> Bool {
        guard value.utf8.count == 36 else { return false }
        for (index, byte) in value.utf8.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                if byte != UInt8(ascii: "-") { return false }
            } else if !isHexDigit(byte) {
                return false
            }
        }
        return true
    }

    /// The form ids are compared in: lowercase, without copying ids already written that way.
    public static func key(_ value: String) -> String {
        value.utf8.contains(where: { (0x41...0x5A).contains($0) }) ? value.lowercased() : value
    }

    public static func isEmail(_ value: String) -> Bool {
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !value.contains(where: \.isWhitespace) else { return false }
        let domain = parts[1]
        return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".")
    }

    public static func isURI(_ value: String) -> Bool {
        guard let colon = value.firstIndex(of: ":"), colon != value.startIndex,
            !value.contains(where: \.isWhitespace), value.index(after: colon) != value.endIndex
        else { return false }
        let scheme = value[..<colon].unicodeScalars
        guard let first = scheme.first, first.isASCIILetter else { return false }
        return scheme.allSatisfy { $0.isASCIILetter || ("0"..."9").contains($0) || "+.-".unicodeScalars.contains($0) }
    }

    public static func isDate(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10])
        else { return false }
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    /// `HH:MM:SS` or `HH:MM`, with optional fractions of a second; `24:00` closes a day.
    public static func isTime(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count >= 5, bytes[2] == UInt8(ascii: ":"), let hour = number(bytes[0..<2]),
            let minute = number(bytes[3..<5]), minute < 60
        else { return false }
        var second = 0
        if bytes.count > 5 {
            guard bytes.count >= 8, bytes[5] == UInt8(ascii: ":"), let parsed = number(bytes[6..<8]), parsed < 60 else {
                return false
            }
            second = parsed
            if bytes.count > 8 {
                guard bytes[8] == UInt8(ascii: "."), bytes.count > 9, number(bytes[9...]) != nil else { return false }
            }
        }
        return hour < 24 || (hour == 24 && minute == 0 && second == 0)
    }

    /// RFC 3339: a date, `T` (or a space), a time, and `Z` or an offset (a local time is read as UTC).
    public static func isDateTime(_ value: String) -> Bool {
        guard value.utf8.count >= 16 else { return false }
        let date = String(value.prefix(10))
        let separator = value[value.index(value.startIndex, offsetBy: 10)]
        guard isDate(date), separator == "T" || separator == " " else { return false }
        var time = String(value.dropFirst(11))
        if time.hasSuffix("Z") || time.hasSuffix("z") {
            time.removeLast()
        } else if let sign = time.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let offset = time[time.index(after: sign)...].replacingOccurrences(of: ":", with: "")
            guard offset.count == 4, Int(offset) != nil else { return false }
            time = String(time[..<sign])
        }
        return isTime(time)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        var result = 0
        for byte in bytes {
            guard (0x30...0x39).contains(byte) else { return nil }
            result = result * 10 + Int(byte - 0x30)
        }
        return bytes.isEmpty ? nil : result
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
