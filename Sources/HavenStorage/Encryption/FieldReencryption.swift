import Foundation
import Logging
import PostgresNIO

/// How many stored values each key protects, per column.
public struct KeyUsage: Sendable, Equatable {
    public let column: EncryptedColumn
    public let rowsByKeyID: [String: Int]

    public init(column: EncryptedColumn, rowsByKeyID: [String: Int]) {
        self.column = column
        self.rowsByKeyID = rowsByKeyID
    }
}

/// Re-encrypts stored values under the current key, in small transactions, so a rotation can run
/// beside a live server and be resumed after an interruption.
public struct FieldReencryption: Sendable {
    let client: PostgresClient
    let cipher: FieldCipher
    let logger: Logger

    public init(client: PostgresClient, cipher: FieldCipher, logger: Logger) {
        self.client = client
        self.cipher = cipher
        self.logger = logger
    }

    public func usage(of columns: [EncryptedColumn]) async throws -> [KeyUsage] {
        var result: [KeyUsage] = []
        for column in columns {
            let (table, field) = (SQLIdentifier.quote(column.table), SQLIdentifier.quote(column.column))
            // The key id sits after the version byte and its own length byte (see FieldCipher).
            let rows = try await client.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT convert_from(substring(\(field) FROM 3 FOR get_byte(\(field), 1)), 'UTF8'), count(*)
                        FROM \(table) WHERE \(field) IS NOT NULL GROUP BY 1 ORDER BY 1
                        """),
                logger: logger
            )
            var counts: [String: Int] = [:]
            for try await (keyID, count) in rows.decode((String, Int).self) { counts[keyID] = count }
            result.append(KeyUsage(column: column, rowsByKeyID: counts))
        }
        return result
    }

    /// Opens one stored value per key in each column and returns what failed: a key the keyring
    /// lacks, or one that holds the right id but the wrong bytes (another host's key file). A
    /// server started with such keys would say it was ready and then fail every protected read.
    public func unopenable(in columns: [EncryptedColumn]) async throws -> [FieldCipherError] {
        var failures: [FieldCipherError] = []
        for column in columns {
            let (table, field) = (SQLIdentifier.quote(column.table), SQLIdentifier.quote(column.column))
            let rows = try await client.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT DISTINCT ON (substring(\(field) FROM 3 FOR get_byte(\(field), 1))) id, \(field)
                        FROM \(table) WHERE \(field) IS NOT NULL
                        """),
                logger: logger
            )
            for try await (id, stored) in rows.decode((UUID, Data).self) {
                do {
                    _ = try cipher.open(stored, for: FieldContext(column, recordID: id))
                } catch let error as FieldCipherError {
                    failures.append(error)
                }
            }
        }
        return failures
    }

    /// Re-encrypts every value in `columns` not yet under the current key; returns how many.
    /// `progress` hears each column's running total after every batch.
    public func reencrypt(
        _ columns: [EncryptedColumn],
        batchSize: Int = 500,
        progress: @Sendable (EncryptedColumn, Int) -> Void = { _, _ in }
    ) async throws -> Int {
        let currentKeyID = try cipher.currentKeyID
        var total = 0
        for column in columns {
            var done = 0
            while true {
                let changed = try await reencryptBatch(of: column, to: currentKeyID, limit: batchSize)
                if changed == 0 { break }
                done += changed
                progress(column, done)
            }
            total += done
        }
        return total
    }

    private func reencryptBatch(of column: EncryptedColumn, to keyID: String, limit: Int) async throws -> Int {
        let (table, field) = (SQLIdentifier.quote(column.table), SQLIdentifier.quote(column.column))
        let current = Data(keyID.utf8)
        return try await client.transaction(logger: logger) { connection in
            // FOR UPDATE: a live request changing the same row waits, and writes after us.
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT id, \(field) FROM \(table)
                        WHERE \(field) IS NOT NULL AND substring(\(field) FROM 3 FOR get_byte(\(field), 1)) <> $1
                        ORDER BY id LIMIT $2 FOR UPDATE
                        """,
                    binds: try binds(current, limit)),
                logger: logger
            )
            var pending: [(UUID, Data)] = []
            for try await (id, stored) in rows.decode((UUID, Data).self) {
                let context = FieldContext(column, recordID: id)
                pending.append((id, try cipher.seal(try cipher.open(stored, for: context), for: context)))
            }
            for (id, sealed) in pending {
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: "UPDATE \(table) SET \(field) = $1 WHERE id = $2",
                        binds: try binds(sealed, id)),
                    logger: logger
                )
            }
            return pending.count
        }
    }

    private func binds(_ first: some PostgresEncodable, _ second: some PostgresEncodable) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        try bindings.append(first)
        try bindings.append(second)
        return bindings
    }
}

/// `haven keys rotate`: a fresh current key, then every stored value re-encrypted under it.
public struct KeyRotation: Sendable {
    public struct Outcome: Sendable {
        public let keyID: String
        public let reencrypted: Int
    }

    let store: KeyringStore
    let client: PostgresClient
    let logger: Logger

    public init(store: KeyringStore, client: PostgresClient, logger: Logger) {
        self.store = store
        self.client = client
        self.logger = logger
    }

    /// With `addingKey` false, finishes an interrupted rotation to the current key.
    public func rotate(
        _ columns: [EncryptedColumn],
        addingKey: Bool = true,
        progress: @Sendable (EncryptedColumn, Int) -> Void = { _, _ in }
    ) async throws -> Outcome {
        // The key file changes first: a server reading the file then opens re-encrypted values.
        if addingKey { try await store.changing { try store.replace(with: try store.keyring().addingFreshKey()) } }
        let cipher = FieldCipher(keys: store)
        let keyID = try cipher.currentKeyID
        try await client.withConnection { connection in
            try await AuditLog(logger: logger).record(
                AuditEvent(
                    caller: nil, action: "keys.rotate", recordType: "encryption_key", recordID: keyID,
                    outcome: .allowed, requestID: nil, clientAddress: nil),
                on: connection)
        }
        let count = try await FieldReencryption(client: client, cipher: cipher, logger: logger)
            .reencrypt(columns, progress: progress)
        return Outcome(keyID: keyID, reencrypted: count)
    }

    /// Removes keys that are not current and that no stored value uses; returns their ids.
    public func prune(_ columns: [EncryptedColumn]) async throws -> [String] {
        try await store.changing {
            let keyring = try store.keyring()
            let usage = try await FieldReencryption(client: client, cipher: FieldCipher(keys: store), logger: logger)
                .usage(of: columns)
            let inUse = Set(usage.flatMap(\.rowsByKeyID.keys))
            let unused = keyring.keys.map(\.id).filter { $0 != keyring.current.id && !inUse.contains($0) }
            if !unused.isEmpty { try store.replace(with: try keyring.removing(ids: Set(unused))) }
            return unused
        }
    }
}
