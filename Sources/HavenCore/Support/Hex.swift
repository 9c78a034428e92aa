/// Lowercase hexadecimal, written by hand: `String(format: "%02x")` goes through C's `printf`
/// once per byte, which was most of the cost of tagging a directory read (`ConditionalGetMiddleware`).
public enum Hex {
    /// `0`–`9`, `a`–`f` as ASCII bytes.
    public static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Two lowercase digits per byte.
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        let bytes = Array(bytes)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { text in
            var at = 0
            for byte in bytes {
                text[at] = digits[Int(byte >> 4)]
                text[at + 1] = digits[Int(byte & 0x0F)]
                at += 2
            }
            return at
        }
    }
}
