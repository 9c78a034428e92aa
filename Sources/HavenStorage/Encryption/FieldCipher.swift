import Crypto
import Foundation

/// Where a protected value lives: the ciphertext is bound to its table, column and record, so a
/// value copied into another row or column no longer opens.
public struct FieldContext: Sendable, Hashable, CustomStringConvertible {
    public let table: String
    public let column: String
    public let recordID: UUID

    public init(table: String, column: String, recordID: UUID) {
        self.table = table
        self.column = column
        self.recordID = recordID
    }

    public init(_ column: EncryptedColumn, recordID: UUID) {
        self.init(table: column.table, column: column.column, recordID: recordID)
    }

    /// Names the place, never the value: safe for logs and errors.
    public var description: String { "\(table).\(column) of \(recordID.uuidString.lowercased())" }

    var authenticatedData: Data { Data("haven-field-v1|\(table)|\(column)|\(recordID.uuidString.lowercased())".utf8) }
}

/// Encrypts and decrypts restricted and confidential fields with AES-256-GCM.
///
/// Stored form (a `bytea`): version byte `1`, key-id length, key id (ASCII), then the AES-GCM
/// combined box (12-byte nonce, ciphertext, 16-byte tag). The key id lets old rows open after a
/// rotation; the context (table, column, record) is authenticated but not stored.
public struct FieldCipher: Sendable {
    static let version: UInt8 = 1

    private let keys: KeyringStore

    public init(keys: KeyringStore) { self.keys = keys }

    public init(keyring: Keyring) { self.init(keys: KeyringStore(fixed: keyring)) }

    /// The id of the key that new values are sealed with.
    public var currentKeyID: String { get throws { try keys.keyring().current.id } }

    public func seal(_ plaintext: String, for context: FieldContext) throws -> Data {
        let key = try keys.keyring().current
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key.material, authenticating: context.authenticatedData)
        guard let combined = box.combined else { throw FieldCipherError.cannotSeal(context) }
        var stored = Data([Self.version, UInt8(key.id.utf8.count)])
        stored.append(contentsOf: key.id.utf8)
        stored.append(combined)
        return stored
    }

    public func open(_ stored: Data, for context: FieldContext) throws -> String {
        let (keyID, combined) = try Self.split(stored, context: context)
        guard let key = try keys.key(id: keyID) else { throw FieldCipherError.unknownKey(keyID, context) }
        do {
            let box = try AES.GCM.SealedBox(combined: combined)
            let plaintext = try AES.GCM.open(box, using: key.material, authenticating: context.authenticatedData)
            guard let text = String(data: plaintext, encoding: .utf8) else {
                throw FieldCipherError.unreadable(context)
            }
            return text
        } catch let error as FieldCipherError {
            throw error
        } catch {
            throw FieldCipherError.unreadable(context)
        }
    }

    /// The id of the key a stored value was sealed with.
    public static func keyID(of stored: Data) -> String? {
        try? split(stored, context: nil).keyID
    }

    private static func split(_ stored: Data, context: FieldContext?) throws -> (keyID: String, combined: Data) {
        let bytes = [UInt8](stored)
        guard bytes.count >= 2, bytes[0] == version else { throw FieldCipherError.malformed(context) }
        let idLength = Int(bytes[1])
        guard bytes.count > 2 + idLength + 28 else { throw FieldCipherError.malformed(context) }
        let keyID = String(decoding: bytes[2..<(2 + idLength)], as: UTF8.self)
        return (keyID, Data(bytes[(2 + idLength)...]))
    }
}

/// What can go wrong opening a field. The descriptions name the place, never the contents.
public enum FieldCipherError: Error, CustomStringConvertible {
    case cannotSeal(FieldContext)
    case malformed(FieldContext?)
    case unknownKey(String, FieldContext)
    case unreadable(FieldContext)

    public var description: String {
        switch self {
        case .cannotSeal(let context): "cannot encrypt \(context)"
        case .malformed(let context):
            "the stored value of \(context.map(String.init(describing:)) ?? "a field") is not Haven ciphertext"
        case .unknownKey(let id, let context):
            "\(context) was encrypted with key '\(id)', which the keyring does not hold"
        case .unreadable(let context):
            "\(context) does not decrypt: wrong key, or the value was altered or moved from another record"
        }
    }
}
