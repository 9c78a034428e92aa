import Foundation
import HavenStorage
import HavenTestSupport
import Logging
import PostgresNIO
import Testing

@Suite("Field encryption")
struct FieldEncryptionTests {
    static let secret = "Safe word: lighthouse. Call after 6 pm only."

    @Test("a sealed value opens only in its own place, and its bytes never contain the plaintext")
    func sealAndOpen() throws {
        let cipher = FieldCipher(keyring: .generate())
        let place = FieldContext(table: "families", column: "safe_contact", recordID: UUID())
        let sealed = try cipher.seal(Self.secret, for: place)

        #expect(try cipher.open(sealed, for: place) == Self.secret)
        #expect(sealed.range(of: Data(Self.secret.utf8)) == nil)
        #expect(sealed.range(of: Data("lighthouse".utf8)) == nil)
        #expect(try cipher.seal(Self.secret, for: place) != sealed, "every seal uses a fresh nonce")
        #expect(FieldCipher.keyID(of: sealed) == (try cipher.currentKeyID))

        let otherRecord = FieldContext(table: "families", column: "safe_contact", recordID: UUID())
        let otherColumn = FieldContext(table: "families", column: "notes", recordID: place.recordID)
        for wrongPlace in [otherRecord, otherColumn] {
            let error = #expect(throws: FieldCipherError.self) { try cipher.open(sealed, for: wrongPlace) }
            #expect(error.map { "\($0)" }?.contains("lighthouse") == false)
        }

        var tampered = sealed
        tampered[tampered.count - 1] ^= 0x01
        #expect(throws: FieldCipherError.self) { try cipher.open(tampered, for: place) }
        #expect(throws: FieldCipherError.self) { try cipher.open(Data(Self.secret.utf8), for: place) }

        let stranger = FieldCipher(keyring: .generate())
        let unknown = #expect(throws: FieldCipherError.self) { try stranger.open(sealed, for: place) }
        #expect(unknown.map { "\($0)" }?.contains("does not hold") == true)
    }

    @Test("the key file's text form round-trips, and bad key files are refused with the reason")
    func keyringText() throws {
        let keyring = Keyring.generate().addingFreshKey()
        let parsed = try Keyring(parsing: keyring.text)
        #expect(parsed.keys.map(\.id) == keyring.keys.map(\.id))
        #expect(parsed.current.id == keyring.keys[1].id)

        #expect(throws: KeyringError.empty) { try Keyring(parsing: "# nothing here\n") }
        #expect(throws: KeyringError.malformedLine(1)) { try Keyring(parsing: "k1 not-base64!\n") }
        #expect(throws: KeyringError.wrongKeyLength("k1")) { try Keyring(parsing: "k1 c2hvcnQ=\n") }
        #expect(throws: KeyringError.removingCurrent(keyring.current.id)) {
            try keyring.removing(ids: [keyring.current.id])
        }
    }

    @Test("a key file is created 0600, and one that other accounts can read is refused")
    func keyFilePermissions() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/keys/encryption-keys"
            #expect(try KeyFile.createIfMissing(at: path))
            #expect(try KeyFile.createIfMissing(at: path) == false)
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            _ = try KeyringStore(file: path).keyring()

            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            #expect(throws: KeyringError.tooOpen(path: path, mode: "644")) { try KeyringStore(file: path) }
        }
    }

    @Test("one keys command at a time changes the key file: a second one waits for the first (or is told it is busy)")
    func keyFileChangesOneAtATime() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/encryption-keys"
            try KeyFile.createIfMissing(at: path)
            let store = try KeyringStore(file: path)
            let (first, second) = (try KeyringStore(file: path), try KeyringStore(file: path))
            try await first.changing {
                await #expect(throws: KeyringError.busy(path: path)) {
                    try await second.changing(waiting: false) {}
                }
            }
            // Released once the first is done.
            let keys = try await second.changing(waiting: false) { try store.keyring().keys.count }
            #expect(keys == 1)
        }
    }

    @Test("rotation re-encrypts every stored value under a new key; values stay readable, also to a running server")
    func rotation() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/encryption-keys"
            try KeyFile.createIfMissing(at: path)
            // Two readers of one key file: the server already running, and `haven keys rotate`.
            let server = FieldCipher(keys: try KeyringStore(file: path))
            let rotator = try KeyringStore(file: path)
            let firstKey = try server.currentKeyID
            let column = EncryptedColumn(table: "protected_notes", column: "note")

            try await TestDatabaseCluster.shared.withMigratedDatabase { database in
                try await database.withClient { client in
                    let logger = database.logger
                    let written = try await Self.storeNotes(
                        (1...3).map { "\(Self.secret) #\($0)" }, sealedWith: server, on: client, logger: logger)
                    _ = try await client.query(
                        "INSERT INTO protected_notes (id, note) VALUES (\(UUID()), NULL)", logger: logger)

                    let leaked = try await client.query(
                        "SELECT count(*) FROM protected_notes WHERE position(convert_to('lighthouse', 'UTF8') IN note) > 0",
                        logger: logger)
                    for try await count in leaked.decode(Int.self) { #expect(count == 0) }

                    let reencryption = FieldReencryption(client: client, cipher: server, logger: logger)
                    #expect(
                        try await reencryption.usage(of: [column]) == [
                            KeyUsage(column: column, rowsByKeyID: [firstKey: 3])
                        ])

                    let outcome = try await KeyRotation(store: rotator, client: client, logger: logger)
                        .rotate([column])
                    #expect(outcome.keyID != firstKey)
                    #expect(outcome.reencrypted == 3)
                    #expect(
                        try await reencryption.usage(of: [column])
                            == [KeyUsage(column: column, rowsByKeyID: [outcome.keyID: 3])])

                    // The server never restarted: it re-reads the changed key file.
                    let rows = try await client.query(
                        "SELECT id, note FROM protected_notes WHERE note IS NOT NULL", logger: logger)
                    var opened: [UUID: String] = [:]
                    for try await (id, note) in rows.decode((UUID, Data).self) {
                        opened[id] = try server.open(note, for: FieldContext(column, recordID: id))
                    }
                    #expect(opened == written)
                    #expect(try server.currentKeyID == outcome.keyID)

                    #expect(
                        try await KeyRotation(store: rotator, client: client, logger: logger).prune([column]) == [
                            firstKey
                        ])
                    #expect(try rotator.keyring().keys.map(\.id) == [outcome.keyID])

                    let audit = try await client.query(
                        "SELECT count(*) FROM audit_log WHERE action = 'keys.rotate' AND record_id = \(outcome.keyID)",
                        logger: logger)
                    for try await count in audit.decode(Int.self) { #expect(count == 1) }
                }
            }
        }
    }

    @Test("the keys are checked against stored values: a missing key and a same-named wrong key are both found")
    func keysCheckedAgainstStoredValues() async throws {
        let keyring = Keyring.generate()
        let column = EncryptedColumn(table: "protected_notes", column: "note")
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                _ = try await Self.storeNotes(
                    ["note 1", "note 2", "note 3"], sealedWith: FieldCipher(keyring: keyring), on: client,
                    logger: logger)
                func failures(_ keys: Keyring) async throws -> [String] {
                    try await FieldReencryption(client: client, cipher: FieldCipher(keyring: keys), logger: logger)
                        .unopenable(in: [column]).map(\.description)
                }
                #expect(try await failures(keyring).isEmpty)
                #expect(try await failures(keyring.addingFreshKey()).isEmpty, "an older key still opens")

                let other = try await failures(.generate())
                #expect(other.count == 1, "one sample per key, not one per row: \(other)")
                #expect(other.first?.contains("which the keyring does not hold") == true)

                // Another host's key file that happens to use the same id.
                let sameName = try Keyring(
                    parsing: "\(keyring.current.id) \(Data(repeating: 7, count: 32).base64EncodedString())")
                let wrong = try await failures(sameName)
                #expect(wrong.count == 1)
                #expect(wrong.first?.contains("does not decrypt") == true)
                #expect(wrong.first?.contains("note 1") == false, "the message never holds the contents")
            }
        }
    }

    /// A scratch table of sealed notes, one row per text; returns the texts by row id.
    static func storeNotes(
        _ texts: [String], sealedWith cipher: FieldCipher, on client: PostgresClient, logger: Logger
    ) async throws -> [UUID: String] {
        let column = EncryptedColumn(table: "protected_notes", column: "note")
        _ = try await client.query("CREATE TABLE protected_notes (id uuid PRIMARY KEY, note bytea)", logger: logger)
        var written: [UUID: String] = [:]
        for text in texts {
            let id = UUID()
            written[id] = text
            let sealed = try cipher.seal(text, for: FieldContext(column, recordID: id))
            _ = try await client.query(
                "INSERT INTO protected_notes (id, note) VALUES (\(id), \(sealed))", logger: logger)
        }
        return written
    }

    @Test("a ciphertext copied into another record does not open there")
    func movedCiphertext() async throws {
        let cipher = FieldCipher(keyring: .generate())
        let column = EncryptedColumn(table: "protected_notes", column: "note")
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                let (first, second) = (UUID(), UUID())
                _ = try await client.query(
                    "CREATE TABLE protected_notes (id uuid PRIMARY KEY, note bytea)", logger: logger)
                for id in [first, second] {
                    let sealed = try cipher.seal("note of \(id)", for: FieldContext(column, recordID: id))
                    _ = try await client.query(
                        "INSERT INTO protected_notes (id, note) VALUES (\(id), \(sealed))", logger: logger)
                }
                _ = try await client.query(
                    "UPDATE protected_notes SET note = (SELECT note FROM protected_notes WHERE id = \(first)) WHERE id = \(second)",
                    logger: logger)
                let rows = try await client.query(
                    "SELECT note FROM protected_notes WHERE id = \(second)", logger: logger)
                var notes = 0
                for try await note in rows.decode(Data.self) {
                    notes += 1
                    #expect(throws: FieldCipherError.self) {
                        try cipher.open(note, for: FieldContext(column, recordID: second))
                    }
                }
                #expect(notes == 1, "the moved ciphertext was read back")
            }
        }
    }
}

private func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("haven-keys-\(UUID().uuidString)")
        .path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(directory)
}
