import Crypto
import Foundation

/// The keys that protect restricted and confidential fields, by key id; one of them is current.
///
/// Text form, one key per line, `#` comments allowed: `<key-id> <base64 of 32 random bytes>`.
/// The last line's key is the current one, so rotation only ever appends. Old keys stay until no
/// ciphertext uses them (`haven keys status` shows which are still in use).
public struct Keyring: Sendable {
    public struct Key: Sendable {
        public let id: String
        public let material: SymmetricKey
    }

    public private(set) var keys: [Key]

    public var current: Key { keys[keys.count - 1] }

    public init(keys: [Key]) throws {
        guard !keys.isEmpty else { throw KeyringError.empty }
        var seen = Set<String>()
        for key in keys {
            guard Self.isValidID(key.id) else { throw KeyringError.invalidID(key.id) }
            guard seen.insert(key.id).inserted else { throw KeyringError.duplicateID(key.id) }
            guard key.material.bitCount == 256 else { throw KeyringError.wrongKeyLength(key.id) }
        }
        self.keys = keys
    }

    public func key(id: String) -> Key? { keys.first { $0.id == id } }

    /// A keyring with one fresh random key.
    public static func generate() -> Keyring {
        // A generated key always validates.
        try! Keyring(keys: [Key.generate()])
    }

    /// This keyring with a fresh key appended as the current one.
    public func addingFreshKey() -> Keyring {
        var fresh = Key.generate()
        while key(id: fresh.id) != nil { fresh = Key.generate() }
        return try! Keyring(keys: keys + [fresh])
    }

    /// This keyring without the keys `ids` names; the current key can never be removed.
    public func removing(ids: Set<String>) throws -> Keyring {
        guard !ids.contains(current.id) else { throw KeyringError.removingCurrent(current.id) }
        return try Keyring(keys: keys.filter { !ids.contains($0.id) })
    }

    // MARK: Text form

    public init(parsing text: String) throws {
        var keys: [Key] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2, let bytes = Data(base64Encoded: String(fields[1])) else {
                throw KeyringError.malformedLine(index + 1)
            }
            keys.append(Key(id: String(fields[0]), material: SymmetricKey(data: bytes)))
        }
        try self.init(keys: keys)
    }

    public var text: String {
        var lines = [
            "# Haven field-encryption keys. Keep this file secret, backed up and 0600.",
            "# One key per line: <key-id> <base64>. The last key encrypts; the others only decrypt.",
        ]
        for key in keys {
            let base64 = key.material.withUnsafeBytes { Data($0).base64EncodedString() }
            lines.append("\(key.id) \(base64)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Key ids travel inside every ciphertext, so they are short and plain.
    static func isValidID(_ id: String) -> Bool {
        (1...32).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
            }
    }
}

extension Keyring.Key {
    /// A new 256-bit key whose id says when it was made: `k20261121-3fa9c2`.
    static func generate() -> Keyring.Key {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        let day = String(format: "%04d%02d%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        let suffix = (0..<3).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        return Keyring.Key(id: "k\(day)-\(suffix)", material: SymmetricKey(size: .bits256))
    }
}

public enum KeyringError: Error, CustomStringConvertible, Equatable {
    case empty
    case malformedLine(Int)
    case invalidID(String)
    case duplicateID(String)
    case wrongKeyLength(String)
    case removingCurrent(String)
    case unreadableFile(path: String, reason: String)
    case tooOpen(path: String, mode: String)
    case noKeyConfigured
    case busy(path: String)

    public var description: String {
        switch self {
        case .empty: "the keyring holds no key"
        case .malformedLine(let line): "keyring line \(line) is not '<key-id> <base64 key>'"
        case .invalidID(let id):
            "key id '\(id)' must be 1–32 characters of lowercase letters, digits, '-' or '_'"
        case .duplicateID(let id): "key id '\(id)' appears twice in the keyring"
        case .wrongKeyLength(let id): "key '\(id)' is not 32 bytes (AES-256)"
        case .removingCurrent(let id): "key '\(id)' is the current key and cannot be removed"
        case .unreadableFile(let path, let reason): "cannot read the key file \(path): \(reason)"
        case .tooOpen(let path, let mode):
            "the key file \(path) has mode \(mode); other accounts must not read it (chmod 600 \(path))"
        case .busy(let path): "another `haven keys` command is changing \(path); run this one after it"
        case .noKeyConfigured:
            "no encryption key: set HAVEN_ENCRYPTION_KEY_FILE to a key file (create one with `haven keys init`)"
                + " or HAVEN_ENCRYPTION_KEYS to its contents"
        }
    }
}
