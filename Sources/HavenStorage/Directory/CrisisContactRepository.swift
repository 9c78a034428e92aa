import Foundation
import HavenCore
import Logging
import PostgresNIO

/// Crisis contacts with their channels and each channel's hours.
public struct CrisisContactRepository: Sendable {
    let logger: Logger
    let staleAfterDays: Int

    public init(logger: Logger, staleAfterDays: Int = 365) {
        self.logger = logger
        self.staleAfterDays = staleAfterDays
    }

    /// The stored English and Spanish "what to expect" of a contact.
    public func whatToExpect(of id: UUID, on connection: PostgresConnection) async throws -> (
        english: String?, spanish: String?
    ) {
        let rows = try await connection.query(
            "SELECT what_to_expect, what_to_expect_es FROM crisis_contacts WHERE id = \(id)", logger: logger)
        for try await (english, spanish) in rows.decode((String?, String?).self) { return (english, spanish) }
        return (nil, nil)
    }

    /// Inserts or replaces a contact and its channels, in the caller's transaction. Unchanged
    /// rows are left as they are, so reloading the national list changes nothing.
    public func save(id: UUID, _ draft: CrisisContactDraft, on connection: PostgresConnection) async throws {
        var (states, counties, zips) = ([String](), [String](), [String]())
        let coverage: String
        switch draft.coverage {
        case .states(let list): (coverage, states) = ("state", list)
        case .counties(let list): (coverage, counties) = ("county", list)
        case .zipCodes(let list): (coverage, zips) = ("zip", list.map(\.digits))
        case .national, .radius, .polygon: coverage = "national"
        }
        try await connection.query(
            """
            INSERT INTO crisis_contacts (id, slug, name, operator, url, audience, what_to_expect, what_to_expect_es,
                                         confidentiality, law_enforcement, coverage, states, counties, zip_codes,
                                         source_url, verified_on, demo)
            VALUES (\(id), \(draft.slug), \(draft.name), \(draft.operatorName), \(draft.url), \(draft.audience),
                    \(draft.whatToExpect), \(draft.whatToExpectEs), \(draft.confidentiality), \(draft.lawEnforcement),
                    \(coverage)::coverage_kind, \(states)::text[], \(counties)::text[], \(zips)::text[],
                    \(draft.sourceURL), \(draft.verifiedOn?.description)::date, \(draft.demo))
            ON CONFLICT (id) DO UPDATE SET
                slug = EXCLUDED.slug, name = EXCLUDED.name, operator = EXCLUDED.operator, url = EXCLUDED.url,
                audience = EXCLUDED.audience, what_to_expect = EXCLUDED.what_to_expect,
                what_to_expect_es = EXCLUDED.what_to_expect_es, confidentiality = EXCLUDED.confidentiality,
                law_enforcement = EXCLUDED.law_enforcement, coverage = EXCLUDED.coverage, states = EXCLUDED.states,
                counties = EXCLUDED.counties, zip_codes = EXCLUDED.zip_codes, source_url = EXCLUDED.source_url,
                verified_on = EXCLUDED.verified_on, demo = EXCLUDED.demo,
                version = crisis_contacts.version + 1, updated_at = now()
            WHERE (crisis_contacts.slug, crisis_contacts.name, crisis_contacts.operator, crisis_contacts.url,
                   crisis_contacts.audience, crisis_contacts.what_to_expect, crisis_contacts.what_to_expect_es,
                   crisis_contacts.confidentiality, crisis_contacts.law_enforcement, crisis_contacts.coverage,
                   crisis_contacts.states, crisis_contacts.counties, crisis_contacts.zip_codes,
                   crisis_contacts.source_url, crisis_contacts.verified_on, crisis_contacts.demo)
                  IS DISTINCT FROM (EXCLUDED.slug, EXCLUDED.name, EXCLUDED.operator, EXCLUDED.url,
                   EXCLUDED.audience, EXCLUDED.what_to_expect, EXCLUDED.what_to_expect_es, EXCLUDED.confidentiality,
                   EXCLUDED.law_enforcement, EXCLUDED.coverage, EXCLUDED.states, EXCLUDED.counties,
                   EXCLUDED.zip_codes, EXCLUDED.source_url, EXCLUDED.verified_on, EXCLUDED.demo)
            """,
            logger: logger)
        for (position, channel) in draft.channels.enumerated() {
            let channelID = LocationRepository.childID(id, "crisis-channel", position)
            try await connection.query(
                """
                INSERT INTO crisis_channels (id, crisis_contact_id, position, channel, label, value, keyword, hours_note,
                                             languages, interpretation, language_note, what_to_expect)
                VALUES (\(channelID), \(id), \(position), \(channel.kind.rawValue)::crisis_channel_kind, \(channel.label),
                        \(channel.value), \(channel.keyword), \(channel.hoursNote), \(channel.languages)::text[],
                        \(channel.interpretation), \(channel.languageNote), \(channel.whatToExpect))
                ON CONFLICT (id) DO UPDATE SET
                    position = EXCLUDED.position, channel = EXCLUDED.channel, label = EXCLUDED.label,
                    value = EXCLUDED.value, keyword = EXCLUDED.keyword, hours_note = EXCLUDED.hours_note,
                    languages = EXCLUDED.languages, interpretation = EXCLUDED.interpretation,
                    language_note = EXCLUDED.language_note, what_to_expect = EXCLUDED.what_to_expect
                WHERE (crisis_channels.position, crisis_channels.channel, crisis_channels.label, crisis_channels.value,
                       crisis_channels.keyword, crisis_channels.hours_note, crisis_channels.languages,
                       crisis_channels.interpretation, crisis_channels.language_note, crisis_channels.what_to_expect)
                      IS DISTINCT FROM (EXCLUDED.position, EXCLUDED.channel, EXCLUDED.label, EXCLUDED.value,
                       EXCLUDED.keyword, EXCLUDED.hours_note, EXCLUDED.languages, EXCLUDED.interpretation,
                       EXCLUDED.language_note, EXCLUDED.what_to_expect)
                """,
                logger: logger)
            try await ScheduleRows(logger: logger).replace(
                channel.schedule, of: .crisisChannel(channelID), on: connection)
        }
        let kept = draft.channels.indices.map { LocationRepository.childID(id, "crisis-channel", $0) }
        try await connection.query(
            "DELETE FROM crisis_channels WHERE crisis_contact_id = \(id) AND id <> ALL(\(kept)::uuid[])",
            logger: logger)
    }

    /// Whether another contact uses `slug`. Holds the slug until the transaction ends, so two
    /// curators saving the same new slug at once get one save and one clear refusal, not a
    /// uniqueness error.
    public func slugTaken(_ slug: String, except id: UUID?, on connection: PostgresConnection) async throws -> Bool {
        try await connection.perform(
            "SELECT pg_advisory_xact_lock(hashtextextended('crisis-contact-slug:' || \(slug), 0))", logger: logger)
        return try await connection.query(
            "SELECT 1 FROM crisis_contacts WHERE slug = \(slug) AND (\(id)::uuid IS NULL OR id <> \(id))",
            logger: logger
        ).collect().isEmpty == false
    }

    // MARK: Documents

    public func documents(_ ids: [UUID], on connection: PostgresConnection) async throws -> [RecordDocument] {
        let rows = try await connection.query(
            """
            SELECT c.id, c.version, jsonb_strip_nulls(jsonb_build_object(
                'id', c.id, 'slug', c.slug, 'name', c.name, 'operator', c.operator, 'url', c.url,
                'audience', c.audience, 'what_to_expect', c.what_to_expect, 'what_to_expect_es', c.what_to_expect_es,
                'confidentiality', c.confidentiality,
                'law_enforcement', c.law_enforcement,
                'coverage', jsonb_strip_nulls(jsonb_build_object(
                    'kind', c.coverage, 'states', NULLIF(c.states, '{}'), 'counties', NULLIF(c.counties, '{}'),
                    'zip_codes', NULLIF(c.zip_codes, '{}'))),
                'source_url', c.source_url, 'verified_on', c.verified_on,
                'channels', COALESCE((
                    SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                        'channel', ch.channel, 'value', ch.value, 'keyword', ch.keyword, 'label', ch.label,
                        'hours_note', ch.hours_note, 'languages', to_jsonb(ch.languages),
                        'interpretation', ch.interpretation, 'language_note', ch.language_note,
                        'what_to_expect', ch.what_to_expect,
                        'schedule', (SELECT jsonb_strip_nulls(jsonb_build_object(
                                         'time_zone', min(sc.time_zone), 'open_24_7', bool_or(sc.open_24_7),
                                         'hours', COALESCE(jsonb_agg(jsonb_build_object(
                                                      'byday', sc.byday, 'opens_at', to_char(sc.opens_at, 'HH24:MI'),
                                                      'closes_at', to_char(sc.closes_at, 'HH24:MI'))
                                                      ORDER BY sc.byday, sc.opens_at) FILTER (WHERE NOT sc.open_24_7), '[]'),
                                         'exceptions', (SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
                                                            'starts_on', e.starts_on, 'ends_on', e.ends_on,
                                                            'closed', e.closed, 'opens_at', to_char(e.opens_at, 'HH24:MI'),
                                                            'closes_at', to_char(e.closes_at, 'HH24:MI'),
                                                            'reason', e.reason))
                                                            ORDER BY e.starts_on)
                                                        FROM schedule_exceptions e WHERE e.crisis_channel_id = ch.id)))
                                     FROM schedules sc WHERE sc.crisis_channel_id = ch.id HAVING count(*) > 0)))
                        ORDER BY ch.position)
                    FROM crisis_channels ch WHERE ch.crisis_contact_id = c.id), '[]'),
                'last_verified_at', haven_timestamp(c.last_verified_at), 'verified_by', c.verified_by,
                'stale', c.last_verified_at IS NULL
                         OR c.last_verified_at < now() - make_interval(days => \(staleAfterDays)::int),
                'version', c.version, 'demo', c.demo, 'retired_at', haven_timestamp(c.retired_at)
            ))::text
            FROM crisis_contacts c WHERE c.id = ANY(\(ids))
            """,
            logger: logger)
        return try await RecordDocuments.documents(rows)
    }

    /// Contacts by name, retired ones left out.
    public func page(after cursor: String?, limit: Int, on connection: PostgresConnection) async throws
        -> [(RecordDocument, String)]
    {
        let rows = try await connection.query(
            """
            SELECT id, slug FROM crisis_contacts
            WHERE retired_at IS NULL AND (\(cursor)::text IS NULL OR slug > \(cursor))
            ORDER BY slug LIMIT \(limit)
            """,
            logger: logger)
        var keys: [(UUID, String)] = []
        for try await (id, slug) in rows.decode((UUID, String).self) { keys.append((id, slug)) }
        guard !keys.isEmpty else { return [] }
        let byID = Dictionary(
            uniqueKeysWithValues: try await documents(keys.map(\.0), on: connection).map { ($0.id, $0) })
        return keys.compactMap { id, slug in byID[id].map { ($0, slug) } }
    }

    /// Contacts whose coverage includes one of `areaKeys` (`national`, `state:IL`,
    /// `county:IL:Cook County`, `zip:60614`), each with the most specific kind that matched.
    public func covering(_ areaKeys: [String], on connection: PostgresConnection) async throws -> [(UUID, String)] {
        let rows = try await connection.query(
            """
            SELECT c.id, CASE
                WHEN c.coverage = 'zip' AND EXISTS (SELECT 1 FROM unnest(c.zip_codes) z WHERE 'zip:' || z = ANY(\(areaKeys)))
                    THEN 'zip'
                WHEN c.coverage = 'county'
                     AND EXISTS (SELECT 1 FROM unnest(c.counties) k WHERE 'county:' || k = ANY(\(areaKeys))) THEN 'county'
                WHEN c.coverage = 'state' AND EXISTS (SELECT 1 FROM unnest(c.states) t WHERE 'state:' || t = ANY(\(areaKeys)))
                    THEN 'state'
                WHEN c.coverage = 'national' THEN 'national'
            END AS reach
            FROM crisis_contacts c
            WHERE c.retired_at IS NULL
            """,
            logger: logger)
        var found: [(UUID, String)] = []
        for try await (id, reach) in rows.decode((UUID, String?).self) {
            if let reach { found.append((id, reach)) }
        }
        return found
    }
}
