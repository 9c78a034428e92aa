/// A five-digit US ZIP code. ZIP+4 (`60614-1234`) is accepted and reduced to its five digits.
public struct ZIPCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let digits: String

    public init?(_ text: String) {
        let trimmed = text.trimmed
        let utf8 = Array(trimmed.utf8)
        let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
        switch utf8.count {
        case 5 where utf8.allSatisfy(isDigit):
            digits = trimmed
        case 10 where utf8[5] == 0x2D && utf8[..<5].allSatisfy(isDigit) && utf8[6...].allSatisfy(isDigit):
            digits = String(trimmed.prefix(5))
        default:
            return nil
        }
    }

    public var description: String { digits }

    public static func < (lhs: ZIPCode, rhs: ZIPCode) -> Bool { lhs.digits < rhs.digits }
}
