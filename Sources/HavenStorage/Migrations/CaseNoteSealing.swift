import Foundation
import Logging
import PostgresNIO

/// Migration 0028's data step: seals the decline reasons and outcomes written in plain text
/// before it, into the sealed columns it added, in the migration's own transaction. Only the
/// server and the `haven` command hold the key, so this runs in Swift, not SQL.
enum CaseNoteSealing {
    static let version = 28

    /// The notes of each table: the plain-text column, and the sealed one that takes its name in
    /// migration 0029 (the ciphertext is bound to that final name).
    static let columns: [(plain: String, sealed: String, final: EncryptedColumn)] = [
        ("decline_reason", "decline_reason_sealed", ReferralRepository.declineReason),
        ("outcome", "outcome_sealed", ReferralRepository.outcome),
        ("decline_reason", "decline_reason_sealed", MentorMatchRepository.declineReason),
        ("outcome", "outcome_sealed", MentorMatchRepository.outcome),
    ]

    static func run(on connection: PostgresConnection, cipher: (@Sendable () throws -> FieldCipher)?, logger: Logger)
        async throws
    {
        var sealer: FieldCipher?
        for (plain, sealed, final) in columns {
            let table = SQLIdentifier.quote(final.table)
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT id, \(SQLIdentifier.quote(plain)) FROM \(table) WHERE \(SQLIdentifier.quote(plain)) IS NOT NULL"
                ),
                logger: logger)
            var notes: [(UUID, String)] = []
            for try await note in rows.decode((UUID, String).self) { notes.append(note) }
            guard !notes.isEmpty else { continue }
            if sealer == nil {
                guard let cipher else {
                    throw Migrator.Failure(
                        reason: """
                            Migrations/0028_sealed_case_notes.sql: \(notes.count) notes in \(final.table).\(plain) \
                            are in plain text and must be sealed with the field-encryption key: run `haven migrate` \
                            with the key configured (HAVEN_ENCRYPTION_KEY_FILE, as for `haven serve`).
                            """)
                }
                sealer = try cipher()
            }
            for (id, note) in notes {
                let value = try sealer!.seal(note, for: FieldContext(final, recordID: id))
                var binds = PostgresBindings()
                try binds.append(value)
                binds.append(id)
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: "UPDATE \(table) SET \(SQLIdentifier.quote(sealed)) = $1 WHERE id = $2", binds: binds
                    ),
                    logger: logger)
            }
            logger.info("sealed case notes", metadata: ["column": "\(final)", "count": "\(notes.count)"])
        }
    }
}
