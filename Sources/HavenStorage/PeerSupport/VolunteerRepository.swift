import Foundation
import HavenCore
import Logging
import PostgresNIO

/// A volunteer as stored, with the name and contacts opened.
public struct VolunteerRecord: Sendable {
    public var id: UUID
    public var organizationID: UUID
    public var draft: VolunteerDraft
    public var timeZone: String
    public var latitude: Double
    public var longitude: Double
    public var credentials: [StoredCredential]
    /// Families the volunteer mentors now or has been proposed to (holding a place).
    public var activeFamilies: Int
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    /// Whether the volunteer can take a family on `day`, from the stored dates.
    public func ineligibility(on day: CalendarDate) -> Ineligibility? {
        Eligibility.check(
            status: draft.status, credentials: credentials.map(\.credential), away: draft.away,
            activeFamilies: activeFamilies, capacity: draft.capacity, on: day)
    }

    /// What stops the volunteer from taking up a match already proposed (see
    /// `Eligibility.checkToMentor`).
    public func mentoringProblem(on day: CalendarDate) -> Ineligibility? {
        Eligibility.checkToMentor(status: draft.status, credentials: credentials.map(\.credential), on: day)
    }
}

public struct StoredCredential: Sendable {
    public var id: UUID
    public var credential: Credential
    public var recordedAt: Date
}

/// A credential that lapses soon, with its volunteer.
public struct ExpiringCredential: Sendable {
    public var volunteerID: UUID
    public var volunteerName: String
    public var volunteerStatus: VolunteerStatus
    /// Where the volunteer lives: their calendar day decides when a credential lapses.
    public var timeZone: String
    public var credential: StoredCredential
}

/// The roster's SQL: volunteers and their credentials. Names and contacts are sealed with the
/// field cipher before they reach the database and opened after they leave it.
public struct VolunteerRepository: Sendable {
    public static let name = EncryptedColumn(table: "volunteers", column: "name")
    public static let contacts = EncryptedColumn(table: "volunteers", column: "contacts")

    let logger: Logger
    let cipher: FieldCipher

    public init(logger: Logger, cipher: FieldCipher) {
        self.logger = logger
        self.cipher = cipher
    }

    /// The stored JSON uses the API's snake_case field names.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    public func insert(
        id: UUID, organizationID: UUID, _ draft: VolunteerDraft, demo: Bool = false, on connection: PostgresConnection
    ) async throws {
        let (name, contacts) = try seal(draft, id: id)
        try await connection.query(
            """
            INSERT INTO volunteers (id, organization_id, name, contacts, home_zip, languages, lived_experience, age_bands,
                                    gender, availability, away, capacity, status, demo)
            VALUES (\(id), \(organizationID), \(name), \(contacts), \(draft.homeZip.digits), \(draft.languages),
                    \(draft.experiences.map(\.rawValue)), \(draft.ageBands.map(\.rawValue)), \(draft.gender?.rawValue),
                    \(Self.hoursJSON(draft.availability))::jsonb, \(Self.awayJSON(draft.away))::jsonb,
                    \(draft.capacity), \(draft.status.rawValue), \(demo))
            """,
            logger: logger)
    }

    /// Replaces every field and moves the version on.
    public func update(id: UUID, _ draft: VolunteerDraft, on connection: PostgresConnection) async throws {
        let (name, contacts) = try seal(draft, id: id)
        try await connection.query(
            """
            UPDATE volunteers SET name = \(name), contacts = \(contacts), home_zip = \(draft.homeZip.digits),
                   languages = \(draft.languages), lived_experience = \(draft.experiences.map(\.rawValue)),
                   age_bands = \(draft.ageBands.map(\.rawValue)), gender = \(draft.gender?.rawValue),
                   availability = \(Self.hoursJSON(draft.availability))::jsonb,
                   away = \(Self.awayJSON(draft.away))::jsonb, capacity = \(draft.capacity),
                   status = \(draft.status.rawValue), version = version + 1, updated_at = now()
            WHERE id = \(id)
            """,
            logger: logger)
    }

    public func exists(id: UUID, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query("SELECT 1 FROM volunteers WHERE id = \(id)", logger: logger).collect().count > 0
    }

    /// Removes the demo volunteers with their credentials and matches.
    public func removeDemo(on connection: PostgresConnection) async throws -> Int {
        _ = try await connection.query(
            "DELETE FROM mentor_matches WHERE volunteer_id IN (SELECT id FROM volunteers WHERE demo)", logger: logger
        ).collect()
        return try await connection.query("DELETE FROM volunteers WHERE demo RETURNING id", logger: logger).collect()
            .count
    }

    /// Moves the version on after a change to a volunteer's credentials.
    public func touch(id: UUID, on connection: PostgresConnection) async throws {
        try await connection.query(
            "UPDATE volunteers SET version = version + 1, updated_at = now() WHERE id = \(id)", logger: logger)
    }

    /// Locks the volunteer's row for a write and returns its organization and version.
    public func lock(id: UUID, on connection: PostgresConnection) async throws -> (organizationID: UUID, version: Int)?
    {
        let rows = try await connection.query(
            "SELECT organization_id, version FROM volunteers WHERE id = \(id) FOR UPDATE", logger: logger)
        for try await (organization, version) in rows.decode((UUID, Int).self) { return (organization, version) }
        return nil
    }

    public func addCredential(
        id: UUID, volunteerID: UUID, _ credential: Credential, recordedBy: UUID?, on connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            INSERT INTO volunteer_credentials (id, volunteer_id, kind, name, issued_on, expires_on, recorded_by)
            VALUES (\(id), \(volunteerID), \(credential.kind.rawValue), \(credential.name),
                    \(credential.issuedOn.description)::date, \(credential.expiresOn?.description)::date, \(recordedBy))
            ON CONFLICT (id) DO NOTHING
            """,
            logger: logger)
    }

    /// Volunteers by id, in no particular order; unknown ids are left out.
    public func find(_ ids: [UUID], on connection: PostgresConnection) async throws -> [VolunteerRecord] {
        try await read(ids: ids, roster: false, organization: nil, on: connection)
    }

    /// A page of an organization's volunteers (every organization's when nil), by id.
    public func page(
        organization: UUID?, status: VolunteerStatus?, after: UUID?, limit: Int, on connection: PostgresConnection
    ) async throws -> [VolunteerRecord] {
        let rows = try await connection.query(
            """
            SELECT id FROM volunteers
            WHERE (\(organization)::uuid IS NULL OR organization_id = \(organization))
              AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
              AND (\(after)::uuid IS NULL OR id > \(after))
            ORDER BY id LIMIT \(limit)
            """,
            logger: logger)
        var ids: [UUID] = []
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return try await find(ids, on: connection).sorted { $0.id.uuidString < $1.id.uuidString }
    }

    /// Every volunteer of an organization (every organization's when nil) not retired.
    public func roster(organization: UUID?, on connection: PostgresConnection) async throws -> [VolunteerRecord] {
        try await read(ids: nil, roster: true, organization: organization, on: connection)
    }

    /// Each volunteer's latest-lapsing credential of each kind, when it lapses from `from`
    /// through `through`: a renewed credential hides the one it replaces. Retired volunteers are
    /// left out.
    public func expiring(
        organization: UUID?, from: CalendarDate, through: CalendarDate, on connection: PostgresConnection
    ) async throws -> [ExpiringCredential] {
        let rows = try await connection.query(
            """
            SELECT c.id, c.volunteer_id, v.name, v.status, z.time_zone, c.kind, c.name, c.issued_on::text,
                   c.expires_on::text, c.recorded_at
            FROM (
                SELECT DISTINCT ON (volunteer_id, kind) * FROM volunteer_credentials
                ORDER BY volunteer_id, kind, expires_on DESC NULLS FIRST
            ) c
            JOIN volunteers v ON v.id = c.volunteer_id
            JOIN zip_codes z ON z.zip = v.home_zip
            WHERE c.expires_on BETWEEN \(from.description)::date AND \(through.description)::date
              AND v.status <> 'retired'
              AND (\(organization)::uuid IS NULL OR v.organization_id = \(organization))
            ORDER BY c.expires_on, c.volunteer_id, c.kind
            """,
            logger: logger)
        var result: [ExpiringCredential] = []
        for try await (id, volunteer, sealedName, status, zone, kind, name, issued, expires, recorded) in rows.decode(
            (UUID, UUID, Data, String, String, String, String, String, String?, Date).self)
        {
            guard let kind = Credential.Kind(rawValue: kind), let issued = CalendarDate(issued) else { continue }
            result.append(
                ExpiringCredential(
                    volunteerID: volunteer,
                    volunteerName: try cipher.open(sealedName, for: FieldContext(Self.name, recordID: volunteer)),
                    volunteerStatus: VolunteerStatus(rawValue: status) ?? .paused, timeZone: zone,
                    credential: StoredCredential(
                        id: id,
                        credential: Credential(
                            kind: kind, name: name, issuedOn: issued, expiresOn: expires.flatMap(CalendarDate.init)),
                        recordedAt: recorded)))
        }
        return result
    }

    /// The volunteers with `ids`, or (`roster`) every volunteer not retired, of `organization`
    /// when given.
    private func read(ids: [UUID]?, roster: Bool, organization: UUID?, on connection: PostgresConnection)
        async throws -> [VolunteerRecord]
    {
        let rows = try await connection.query(
            """
            SELECT v.id, v.organization_id, v.name, v.contacts, v.home_zip, v.languages, v.lived_experience,
                   v.age_bands, v.gender, v.availability::text, v.away::text, v.capacity, v.status, z.time_zone,
                   ST_Y(z.point::geometry), ST_X(z.point::geometry), v.version, v.created_at, v.updated_at,
                   COALESCE((SELECT json_agg(json_build_object(
                                'id', c.id, 'kind', c.kind, 'name', c.name, 'issued_on', c.issued_on,
                                'expires_on', c.expires_on, 'recorded_at', haven_timestamp(c.recorded_at))
                                ORDER BY c.issued_on, c.id)
                             FROM volunteer_credentials c WHERE c.volunteer_id = v.id), '[]')::text,
                   (SELECT count(*) FROM mentor_matches m
                    WHERE m.volunteer_id = v.id AND m.status IN ('proposed', 'accepted', 'active'))
            FROM volunteers v JOIN zip_codes z ON z.zip = v.home_zip
            WHERE (\(ids)::uuid[] IS NULL OR v.id = ANY(\(ids)))
              AND (NOT \(roster) OR v.status <> 'retired')
              AND (\(organization)::uuid IS NULL OR v.organization_id = \(organization))
            """,
            logger: logger)
        var records: [VolunteerRecord] = []
        for try await row in rows {
            let c = try row.decode(
                (
                    UUID, UUID, Data, Data, String, [String], [String], [String], String?, String, String, Int, String,
                    String, Double, Double, Int, Date, Date, String, Int
                ).self)
            let (id, sealedName, sealedContacts) = (c.0, c.2, c.3)
            let name = try cipher.open(sealedName, for: FieldContext(Self.name, recordID: id))
            let contactsJSON = try cipher.open(sealedContacts, for: FieldContext(Self.contacts, recordID: id))
            let draft = VolunteerDraft(
                name: name,
                contacts: try JSONDecoder().decode([VolunteerDraft.Contact].self, from: Data(contactsJSON.utf8)),
                homeZip: ZIPCode(c.4)!, languages: c.5, experiences: c.6.compactMap(LivedExperience.init(rawValue:)),
                ageBands: c.7.compactMap(AgeBand.init(rawValue:)), gender: c.8.flatMap(MentorGender.init(rawValue:)),
                availability: Self.hours(c.9), away: Self.away(c.10), capacity: c.11,
                status: VolunteerStatus(rawValue: c.12) ?? .paused)
            records.append(
                VolunteerRecord(
                    id: id, organizationID: c.1, draft: draft, timeZone: c.13, latitude: c.14, longitude: c.15,
                    credentials: Self.credentials(c.19), activeFamilies: c.20, version: c.16, createdAt: c.17,
                    updatedAt: c.18))
        }
        return records
    }

    private func seal(_ draft: VolunteerDraft, id: UUID) throws -> (Data, Data) {
        let contacts = String(decoding: try Self.encoder.encode(draft.contacts), as: UTF8.self)
        return (
            try cipher.seal(draft.name, for: FieldContext(Self.name, recordID: id)),
            try cipher.seal(contacts, for: FieldContext(Self.contacts, recordID: id))
        )
    }

    private struct StoredHours: Codable {
        var byday: String
        var opensAt: String
        var closesAt: String
    }

    private struct StoredAway: Codable {
        var startsOn: String
        var endsOn: String
    }

    private struct StoredCredentialRow: Decodable {
        var id: UUID
        var kind: String
        var name: String
        var issuedOn: String
        var expiresOn: String?
        var recordedAt: String
    }

    static func hoursJSON(_ hours: [OpeningHours]) -> String {
        let rows = hours.map {
            StoredHours(
                byday: $0.days.map(\.rawValue).joined(separator: ","), opensAt: $0.opens.description,
                closesAt: $0.closes.description)
        }
        return String(decoding: (try? encoder.encode(rows)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func awayJSON(_ periods: [AwayPeriod]) -> String {
        let rows = periods.map { StoredAway(startsOn: $0.startsOn.description, endsOn: $0.endsOn.description) }
        return String(decoding: (try? encoder.encode(rows)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func hours(_ json: String) -> [OpeningHours] {
        let rows = (try? decoder.decode([StoredHours].self, from: Data(json.utf8))) ?? []
        return rows.compactMap { row in
            guard let days = Weekday.parseList(row.byday), let opens = LocalTime(row.opensAt),
                let closes = LocalTime(row.closesAt)
            else { return nil }
            return OpeningHours(days: days, opens: opens, closes: closes)
        }
    }

    static func away(_ json: String) -> [AwayPeriod] {
        let rows = (try? decoder.decode([StoredAway].self, from: Data(json.utf8))) ?? []
        return rows.compactMap { row in
            guard let starts = CalendarDate(row.startsOn), let ends = CalendarDate(row.endsOn) else { return nil }
            return AwayPeriod(startsOn: starts, endsOn: ends)
        }
    }

    static func credentials(_ json: String) -> [StoredCredential] {
        let rows = (try? decoder.decode([StoredCredentialRow].self, from: Data(json.utf8))) ?? []
        let formatter = ISO8601DateFormatter()
        return rows.compactMap { row in
            guard let kind = Credential.Kind(rawValue: row.kind), let issued = CalendarDate(row.issuedOn) else {
                return nil
            }
            return StoredCredential(
                id: row.id,
                credential: Credential(
                    kind: kind, name: row.name, issuedOn: issued, expiresOn: row.expiresOn.flatMap(CalendarDate.init)),
                recordedAt: formatter.date(from: row.recordedAt) ?? Date(timeIntervalSince1970: 0))
        }
    }
}
