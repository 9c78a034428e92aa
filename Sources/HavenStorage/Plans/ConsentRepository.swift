import Foundation
import HavenCore
import Logging
import PostgresNIO

/// A consent as stored, with the name of the family member who gave it opened.
public struct ConsentRecord: Sendable {
    public var id: UUID
    public var familyID: UUID
    public var draft: ConsentDraft
    public var recordedAt: Date
    public var revokedAt: Date?

    /// The consent as the gate reads it.
    public var consent: Consent {
        Consent(
            id: id, recipientOrganizationID: draft.recipientOrganizationID, purposes: draft.purposes,
            categories: draft.categories, givenAt: draft.givenAt, expiresOn: draft.expiresOn, revokedAt: revokedAt)
    }
}

/// Consents' SQL. Who gave a consent is sealed; what it covers stays plain, because the gate
/// filters on it.
public struct ConsentRepository: Sendable {
    public static let givenBy = EncryptedColumn(table: "consents", column: "given_by")

    let logger: Logger
    let cipher: FieldCipher

    public init(logger: Logger, cipher: FieldCipher) {
        self.logger = logger
        self.cipher = cipher
    }

    public func insert(
        id: UUID, familyID: UUID, _ draft: ConsentDraft, recordedBy: UUID?, on connection: PostgresConnection
    ) async throws {
        let givenBy = try cipher.seal(draft.givenBy, for: FieldContext(Self.givenBy, recordID: id))
        try await connection.query(
            """
            INSERT INTO consents (id, family_id, recipient_organization_id, given_by, relationship, purposes, categories,
                                  given_at, expires_on, recorded_by)
            VALUES (\(id), \(familyID), \(draft.recipientOrganizationID), \(givenBy), \(draft.relationship.rawValue),
                    \(draft.purposes.map(\.rawValue).sorted()), \(draft.categories.map(\.rawValue).sorted()),
                    \(draft.givenAt), \(draft.expiresOn.description)::date, \(recordedBy))
            """,
            logger: logger)
    }

    /// The family's consents, newest first.
    public func list(familyID: UUID, on connection: PostgresConnection) async throws -> [ConsentRecord] {
        try await read(
            PostgresQuery(
                unsafeSQL: Self.select + " WHERE family_id = $1 ORDER BY given_at DESC, id", binds: binds(familyID)),
            on: connection)
    }

    public func find(id: UUID, on connection: PostgresConnection) async throws -> ConsentRecord? {
        try await read(PostgresQuery(unsafeSQL: Self.select + " WHERE id = $1", binds: binds(id)), on: connection).first
    }

    /// Revokes the consent now; false when it was already revoked.
    public func revoke(id: UUID, by user: UUID?, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE consents SET revoked_at = now(), revoked_by = \(user)
            WHERE id = \(id) AND revoked_at IS NULL RETURNING id
            """,
            logger: logger)
        return try await rows.collect().count == 1
    }

    private static let select = """
        SELECT id, family_id, recipient_organization_id, given_by, relationship, purposes, categories, given_at,
               expires_on::text, recorded_at, revoked_at
        FROM consents
        """

    private func binds(_ id: UUID) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(id)
        return binds
    }

    private func read(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [ConsentRecord] {
        let rows = try await connection.query(query, logger: logger)
        var records: [ConsentRecord] = []
        for try await c in rows.decode(
            (UUID, UUID, UUID, Data, String, [String], [String], Date, String, Date, Date?).self)
        {
            let draft = ConsentDraft(
                givenBy: try cipher.open(c.3, for: FieldContext(Self.givenBy, recordID: c.0)),
                relationship: ConsentRelationship(rawValue: c.4) ?? .other, recipientOrganizationID: c.2,
                purposes: Set(c.5.compactMap(SharingPurpose.init(rawValue:))),
                categories: Set(c.6.compactMap(InformationCategory.init(rawValue:))), givenAt: c.7,
                expiresOn: CalendarDate(c.8) ?? CalendarDate("1970-01-01")!)
            records.append(ConsentRecord(id: c.0, familyID: c.1, draft: draft, recordedAt: c.9, revokedAt: c.10))
        }
        return records
    }
}
