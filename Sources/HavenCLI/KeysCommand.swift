import ArgumentParser
import Foundation
import HavenStorage
import Logging
import PostgresNIO

/// Where the field-encryption keys come from.
struct EncryptionOptions: ParsableArguments {
    static let embeddedDefault = ".haven/encryption-keys"

    @Option(
        help: """
            File holding the field-encryption keys (0600). [env: HAVEN_ENCRYPTION_KEY_FILE] \
            (default with the embedded database: \(Self.embeddedDefault), created on first use)
            """
    )
    var keyFile: String?

    /// The keys for a command that reads or writes protected fields.
    ///
    /// `HAVEN_ENCRYPTION_KEYS` (the key file's lines, `;`-separated) wins; then the key file; with
    /// the embedded database a key file is created under `.haven/` when `creating` (commands that
    /// start a database's life: serve, migrate, seed). An external database without configured
    /// keys is refused: a server must never invent keys that the next host lacks. The `haven keys`
    /// commands never create one: run from the wrong folder, they would report on (or rotate)
    /// a fresh, empty keyring instead of saying the keys are elsewhere.
    func store(embedded: Bool, creating: Bool = true, logger: Logger) throws -> KeyringStore {
        if let inline = setting(nil, "HAVEN_ENCRYPTION_KEYS") {
            do {
                return KeyringStore(fixed: try Keyring(parsing: inline.replacingOccurrences(of: ";", with: "\n")))
            } catch let error as KeyringError {
                throw ConfigurationError("HAVEN_ENCRYPTION_KEYS: \(error.description)")
            }
        }
        let configured = setting(keyFile, "HAVEN_ENCRYPTION_KEY_FILE")
        guard let path = configured ?? (embedded ? Self.embeddedDefault : nil) else {
            throw ConfigurationError(KeyringError.noKeyConfigured.description)
        }
        if configured == nil, !creating, !FileManager.default.fileExists(atPath: path) {
            throw ConfigurationError(
                "no key file at \(path) under \(FileManager.default.currentDirectoryPath): run this from the "
                    + "folder that holds .haven/, or give --key-file or HAVEN_ENCRYPTION_KEY_FILE")
        }
        do {
            if configured == nil, creating, try KeyFile.createIfMissing(at: path) {
                logger.notice(
                    "Created a field-encryption key file; back it up, apart from database backups",
                    metadata: ["path": "\(path)"])
            }
            return try KeyringStore(file: path)
        } catch let error as KeyringError {
            throw ConfigurationError(error.description)
        }
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look after the keys that encrypt restricted and confidential fields.",
        discussion: """
            Keys live outside the database, in a key file (HAVEN_ENCRYPTION_KEY_FILE) or in \
            HAVEN_ENCRYPTION_KEYS. Losing them loses every encrypted field: back the key file up \
            separately from the database. See docs/security.md.
            """,
        subcommands: [Initialize.self, Status.self, Rotate.self, Prune.self]
    )

    struct Initialize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create a key file with one new key, unless it exists.",
            discussion: "Prints the path and the key id; the key itself is never printed."
        )

        @Option(
            help: "Where to create it. [env: HAVEN_ENCRYPTION_KEY_FILE] (default: \(EncryptionOptions.embeddedDefault))"
        )
        var keyFile: String?

        func run() async throws {
            let path = setting(keyFile, "HAVEN_ENCRYPTION_KEY_FILE", default: EncryptionOptions.embeddedDefault)!
            do {
                let created = try KeyFile.createIfMissing(at: path)
                let keyring = try KeyringStore(file: path).keyring()
                say(
                    "\(created ? "Created" : "Kept the existing") key file \(path) (mode 0600); current key \(keyring.current.id)."
                )
            } catch let error as KeyringError {
                throw ConfigurationError(error.description)
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the keys and how many stored values each one protects."
        )

        @OptionGroup var encryption: EncryptionOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = try logging.bootstrap()
            let store = try encryption.store(
                embedded: try database.externalURL() == nil, creating: false, logger: logger)
            let keyring = try store.keyring()
            let url = try await database.connectionURL(logger: logger)
            let usage = try await PostgresClient.withClient(url: url, logger: logger) { client in
                try await FieldReencryption(
                    client: client, cipher: FieldCipher(keys: store), logger: logger.forPostgres()
                )
                .usage(of: EncryptedColumn.all)
            }
            say("Keys from \(store.origin):")
            for key in keyring.keys {
                let count = usage.reduce(0) { $0 + ($1.rowsByKeyID[key.id] ?? 0) }
                let role = key.id == keyring.current.id ? "current" : (count == 0 ? "unused" : "decrypt only")
                say("  \(key.id)  \(role)  \(count) stored values")
            }
            let unknown = Set(usage.flatMap(\.rowsByKeyID.keys)).subtracting(keyring.keys.map(\.id))
            if !unknown.isEmpty {
                say("MISSING keys used by stored values: \(unknown.sorted().joined(separator: ", "))")
                throw ExitCode.failure
            }
            if EncryptedColumn.all.isEmpty { say("No encrypted columns exist in this schema yet.") }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new current key and re-encrypt every stored value with it.",
            discussion: """
                The key file gains the new key first, so a running server (which re-reads the \
                file when it changes) opens re-encrypted values at once. Values are re-encrypted \
                in small transactions beside live traffic. If interrupted, run again with \
                --resume. The old key stays until `haven keys prune` removes it.
                """
        )

        @Flag(help: "Do not add a key; finish re-encrypting to the current one.")
        var resume = false

        @OptionGroup var encryption: EncryptionOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = try logging.bootstrap()
            let store = try encryption.store(
                embedded: try database.externalURL() == nil, creating: false, logger: logger)
            let url = try await database.connectionURL(logger: logger)
            let outcome = try await PostgresClient.withClient(url: url, logger: logger) { client in
                try await KeyRotation(store: store, client: client, logger: logger.forPostgres())
                    .rotate(EncryptedColumn.all, addingKey: !resume) { column, done in
                        say("  \(column): \(done) re-encrypted")
                    }
            }
            say("Current key \(outcome.keyID); \(outcome.reencrypted) stored values re-encrypted.")
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove keys that no stored value uses any more (never the current key)."
        )

        @OptionGroup var encryption: EncryptionOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = try logging.bootstrap()
            let store = try encryption.store(
                embedded: try database.externalURL() == nil, creating: false, logger: logger)
            let url = try await database.connectionURL(logger: logger)
            let removed = try await PostgresClient.withClient(url: url, logger: logger) { client in
                try await KeyRotation(store: store, client: client, logger: logger.forPostgres()).prune(
                    EncryptedColumn.all)
            }
            say(removed.isEmpty ? "No unused keys." : "Removed \(removed.joined(separator: ", ")).")
        }
    }
}
