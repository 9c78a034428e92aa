import Crypto
import Foundation

/// API token secrets: `hvn_` followed by 256 random bits in base64url.
///
/// Only the SHA-256 of a secret is stored. A secret has far more entropy than any password, so
/// a fast hash is enough, and looking up by hash through a unique index means no stored secret
/// is ever compared byte by byte with what a caller sent.
public enum TokenSecret {
    public static let prefix = "hvn_"
    private static let encodedLength = 43  // 32 bytes, base64url, no padding

    /// A new secret and the hash to store.
    public static func generate() -> (secret: String, hash: [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let encoded = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let secret = prefix + encoded
        return (secret, hash(secret))
    }

    /// The stored form of a secret.
    public static func hash(_ secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(secret.utf8)))
    }

    /// True when the text has the shape of a Haven token, so junk is turned away without a query.
    public static func isWellFormed(_ secret: String) -> Bool {
        guard secret.hasPrefix(prefix) else { return false }
        let body = secret.utf8.dropFirst(prefix.utf8.count)
        return body.count == encodedLength
            && body.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                    true
                default:
                    false
                }
            }
    }
}
