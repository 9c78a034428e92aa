/// Codes of the needs and audience taxonomies: lowercase words joined by `-`, levels joined by
/// `.` (`mental-health.trauma-therapy`). A parent code matches its descendants.
public enum TaxonomyCode {
    public static func isValid(_ code: String) -> Bool {
        guard !code.isEmpty, code.utf8.count <= 100 else { return false }
        return code.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { level in
            !level.isEmpty && level.first != "-" && level.last != "-" && !level.contains("--")
                && level.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        }
    }

    /// Whether `code` is `ancestor` or lies beneath it.
    public static func code(_ code: String, isWithin ancestor: String) -> Bool {
        // Bytes, not characters: codes are ASCII, and search asks this of every need of every
        // candidate (building `ancestor + "."` allocated each time).
        let (code, ancestor) = (code.utf8, ancestor.utf8)
        let (length, prefix) = (code.count, ancestor.count)
        // Lengths and the byte after the prefix (both read in constant time) settle most pairs
        // before any bytes are compared.
        guard length == prefix || (length > prefix && code[code.index(code.startIndex, offsetBy: prefix)] == 0x2E)
        else { return false }
        return code.starts(with: ancestor)
    }
}
