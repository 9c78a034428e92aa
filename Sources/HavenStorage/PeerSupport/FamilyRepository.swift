import Foundation
import HavenCore
import Logging
import PostgresNIO

/// A family as stored, with the reference opened, and its place on the waiting list.
public struct FamilyRecord: Sendable {
    public var id: UUID
    public var organizationID: UUID
    public var draft: FamilyDraft
    public var timeZone: String
    public var latitude: Double
    public var longitude: Double
    /// The waiting request, when the family is on the waiting list.
    public var waitingSince: Date?
    public var requestID: UUID?
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date
}

/// Families' SQL for peer support: the record, mentor requests and the waiting list. The
/// pseudonymous reference is sealed like a volunteer's name.
public struct FamilyRepository: Sendable {
    public static let reference = EncryptedColumn(table: "families", column: "reference")
    /// The children's ages and the safe-contact preferences, sealed together as JSON.
    public static let details = EncryptedColumn(table: "families", column: "details")

    let logger: Logger
    let cipher: FieldCipher

    public init(logger: Logger, cipher: FieldCipher) {
        self.logger = logger
        self.cipher = cipher
    }

    public func insert(
        id: UUID, organizationID: UUID, _ draft: FamilyDraft, demo: Bool = false, on connection: PostgresConnection
    ) async throws {
        let reference = try cipher.seal(draft.reference, for: FieldContext(Self.reference, recordID: id))
        let details = try sealDetails(draft, id: id)
        try await connection.query(
            """
            INSERT INTO families (id, organization_id, reference, home_zip, languages, situations, child_age_band, needs,
                                  preferred_mentor_gender, same_language_required, same_situation_preferred,
                                  contact_hours, details, wants_mentor, demo)
            VALUES (\(id), \(organizationID), \(reference), \(draft.homeZip.digits), \(draft.languages),
                    \(draft.situations.map(\.rawValue)), \(draft.childAgeBand?.rawValue), \(draft.needs),
                    \(draft.preferredMentorGender?.rawValue), \(draft.sameLanguageRequired),
                    \(draft.sameSituationPreferred), \(VolunteerRepository.hoursJSON(draft.contactHours))::jsonb,
                    \(details), \(draft.wantsMentor), \(demo))
            """,
            logger: logger)
    }

    public func update(id: UUID, _ draft: FamilyDraft, on connection: PostgresConnection) async throws {
        let reference = try cipher.seal(draft.reference, for: FieldContext(Self.reference, recordID: id))
        let details = try sealDetails(draft, id: id)
        try await connection.query(
            """
            UPDATE families SET reference = \(reference), details = \(details), wants_mentor = \(draft.wantsMentor), home_zip = \(draft.homeZip.digits),
                   languages = \(draft.languages), situations = \(draft.situations.map(\.rawValue)),
                   child_age_band = \(draft.childAgeBand?.rawValue), needs = \(draft.needs),
                   preferred_mentor_gender = \(draft.preferredMentorGender?.rawValue),
                   same_language_required = \(draft.sameLanguageRequired),
                   same_situation_preferred = \(draft.sameSituationPreferred),
                   contact_hours = \(VolunteerRepository.hoursJSON(draft.contactHours))::jsonb,
                   version = version + 1, updated_at = now()
            WHERE id = \(id)
            """,
            logger: logger)
    }

    /// Locks the family's row for a write and returns its organization and version.
    public func lock(id: UUID, on connection: PostgresConnection) async throws -> (organizationID: UUID, version: Int)?
    {
        let rows = try await connection.query(
            "SELECT organization_id, version FROM families WHERE id = \(id) FOR UPDATE", logger: logger)
        for try await (organization, version) in rows.decode((UUID, Int).self) { return (organization, version) }
        return nil
    }

    /// Puts the family on the waiting list (since `requestedAt`, default now); nil when it is
    /// already waiting.
    public func requestMentor(
        familyID: UUID, requestedBy: UUID?, id: UUID = UUID(), requestedAt: Date? = nil,
        on connection: PostgresConnection
    ) async throws -> UUID? {
        let rows = try await connection.query(
            """
            INSERT INTO mentor_requests (id, family_id, status, requested_by, requested_at)
            VALUES (\(id), \(familyID), 'waiting', \(requestedBy), COALESCE(\(requestedAt)::timestamptz, now()))
            ON CONFLICT DO NOTHING
            RETURNING id
            """,
            logger: logger)
        for try await inserted in rows.decode(UUID.self) { return inserted }
        return nil
    }

    public func exists(id: UUID, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query("SELECT 1 FROM families WHERE id = \(id)", logger: logger).collect().count > 0
    }

    /// Removes the demo families with their requests and matches.
    public func removeDemo(on connection: PostgresConnection) async throws -> Int {
        try await connection.query("DELETE FROM families WHERE demo RETURNING id", logger: logger).collect().count
    }

    public func find(_ ids: [UUID], on connection: PostgresConnection) async throws -> [FamilyRecord] {
        try await read(ids: ids, waitingOnly: false, organization: nil, on: connection)
    }

    /// The organization's waiting list (every organization's when nil), oldest request first.
    /// Locks the rows of the organization's waiting families, in id order: a batch of proposals
    /// takes families before volunteers, the order a single proposal takes them in, so the two
    /// never wait on each other in a circle (a deadlock PostgreSQL would end by failing one).
    public func lockWaiting(organization: UUID, on connection: PostgresConnection) async throws {
        let rows = try await connection.query(
            """
            SELECT f.id FROM families f
            JOIN mentor_requests r ON r.family_id = f.id AND r.status = 'waiting'
            WHERE f.organization_id = \(organization)
            ORDER BY f.id FOR UPDATE OF f
            """,
            logger: logger)
        for try await _ in rows {}
    }

    public func waiting(organization: UUID?, on connection: PostgresConnection) async throws -> [FamilyRecord] {
        try await read(ids: nil, waitingOnly: true, organization: organization, on: connection)
            .sorted {
                ($0.waitingSince ?? .distantFuture, $0.id.uuidString) < (
                    $1.waitingSince ?? .distantFuture, $1.id.uuidString
                )
            }
    }

    private func read(ids: [UUID]?, waitingOnly: Bool, organization: UUID?, on connection: PostgresConnection)
        async throws -> [FamilyRecord]
    {
        let rows = try await connection.query(
            """
            SELECT f.id, f.organization_id, f.reference, f.home_zip, f.languages, f.situations, f.child_age_band,
                   f.needs, f.preferred_mentor_gender, f.same_language_required, f.same_situation_preferred,
                   f.contact_hours::text, z.time_zone, ST_Y(z.point::geometry), ST_X(z.point::geometry), r.requested_at,
                   r.id, f.version, f.created_at, f.updated_at, f.details, f.wants_mentor
            FROM families f
            JOIN zip_codes z ON z.zip = f.home_zip
            LEFT JOIN mentor_requests r ON r.family_id = f.id AND r.status = 'waiting'
            WHERE (\(ids)::uuid[] IS NULL OR f.id = ANY(\(ids)))
              AND (NOT \(waitingOnly) OR r.id IS NOT NULL)
              AND (\(organization)::uuid IS NULL OR f.organization_id = \(organization))
            """,
            logger: logger)
        var records: [FamilyRecord] = []
        for try await row in rows {
            let c = try row.decode(
                (
                    UUID, UUID, Data, String, [String], [String], String?, [String], String?, Bool, Bool, String,
                    String,
                    Double, Double, Date?, UUID?, Int, Date, Date, Data?, Bool
                ).self)
            let (sealedDetails, wantsMentor) = (c.20, c.21)
            let reference = try cipher.open(c.2, for: FieldContext(Self.reference, recordID: c.0))
            var draft = FamilyDraft(
                reference: reference, homeZip: ZIPCode(c.3)!, languages: c.4,
                situations: c.5.compactMap(LivedExperience.init(rawValue:)),
                childAgeBand: c.6.flatMap(AgeBand.init(rawValue:)), needs: c.7,
                preferredMentorGender: c.8.flatMap(MentorGender.init(rawValue:)), sameLanguageRequired: c.9,
                sameSituationPreferred: c.10, contactHours: VolunteerRepository.hours(c.11))
            draft.wantsMentor = wantsMentor
            if let sealedDetails {
                let details = try StoredDetails.open(
                    try cipher.open(sealedDetails, for: FieldContext(Self.details, recordID: c.0)))
                draft.children = details.children
                draft.safeContact = details.safeContact
            }
            records.append(
                FamilyRecord(
                    id: c.0, organizationID: c.1, draft: draft, timeZone: c.12, latitude: c.13, longitude: c.14,
                    waitingSince: c.15, requestID: c.16, version: c.17, createdAt: c.18, updatedAt: c.19))
        }
        return records
    }
}

extension FamilyRepository {
    func sealDetails(_ draft: FamilyDraft, id: UUID) throws -> Data {
        try cipher.seal(StoredDetails(draft).sealedText(), for: FieldContext(Self.details, recordID: id))
    }

    /// The sealed part of the record, as JSON.
    struct StoredDetails: Codable {
        var children: [Int]
        var channels: [String]
        var safeTimes: String
        var noTexts: Bool
        var sharedDevice: Bool
        var phone: String?
        var email: String?
        var safeWord: String?
        var callbackNote: String?

        init(_ draft: FamilyDraft) {
            let contact = draft.safeContact
            children = draft.children
            channels = contact.channels.map(\.rawValue)
            safeTimes = VolunteerRepository.hoursJSON(contact.safeTimes)
            noTexts = contact.noTexts
            sharedDevice = contact.sharedDevice
            phone = contact.phone
            email = contact.email
            safeWord = contact.safeWord
            callbackNote = contact.callbackNote
        }

        func sealedText() throws -> String { String(decoding: try JSONEncoder().encode(self), as: UTF8.self) }

        static func open(_ text: String) throws -> (children: [Int], safeContact: SafeContactPreferences) {
            let stored = try JSONDecoder().decode(StoredDetails.self, from: Data(text.utf8))
            return (
                stored.children,
                SafeContactPreferences(
                    channels: stored.channels.compactMap(ContactChannel.init(rawValue:)),
                    safeTimes: VolunteerRepository.hours(stored.safeTimes), noTexts: stored.noTexts,
                    sharedDevice: stored.sharedDevice, phone: stored.phone, email: stored.email,
                    safeWord: stored.safeWord, callbackNote: stored.callbackNote)
            )
        }
    }
}
