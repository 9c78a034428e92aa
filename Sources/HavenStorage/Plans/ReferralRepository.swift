import Foundation
import HavenCore
import Logging
import PostgresNIO

/// A referral's lifecycle, as stored. Its words (why, what to expect) are in the plan version.
public struct ReferralRecord: Sendable {
    public var id: UUID
    public var planID: UUID
    public var familyID: UUID
    public var organizationID: UUID
    public var serviceID: UUID
    public var serviceName: String
    public var recipientOrganizationID: UUID
    public var recipientName: String
    public var handoff: Handoff
    public var shares: Set<InformationCategory>
    public var status: ReferralStatus
    public var inPlan: Bool
    public var consentID: UUID?
    public var declineReason: String?
    public var outcome: String?
    public var sentAt: Date?
    public var answeredAt: Date?
    public var connectedAt: Date?
    public var closedAt: Date?
    public var updatedAt: Date
    /// `updated_at` in microseconds since 1970, exact, for cursors.
    public var updatedMicros: Int64
}

/// Referrals' SQL: kept in step with the plan's current version, moved through their
/// lifecycle, and listed for the organization that sent them or the one they are addressed to.
/// Decline reasons and outcomes are notes about a family's case: sealed with the field cipher.
public struct ReferralRepository: Sendable {
    public static let declineReason = EncryptedColumn(table: "referrals", column: "decline_reason")
    public static let outcome = EncryptedColumn(table: "referrals", column: "outcome")

    let logger: Logger
    let cipher: FieldCipher

    public init(logger: Logger, cipher: FieldCipher) {
        self.logger = logger
        self.cipher = cipher
    }

    /// Makes the plan's referral rows match its current version: new referrals are drafts,
    /// drafts follow their edits, and drafts dropped from the plan are deleted. A referral that
    /// went out stays, marked as no longer in the plan once it is finished.
    public func sync(
        _ header: PlanHeader, _ referrals: [PlanReferral], recipients: [UUID: UUID], on connection: PostgresConnection
    ) async throws {
        let ids = referrals.map(\.id)
        try await connection.query(
            """
            DELETE FROM referrals WHERE plan_id = \(header.id) AND status = 'draft' AND NOT (id = ANY(\(ids)))
            """,
            logger: logger)
        try await connection.query(
            "UPDATE referrals SET in_plan = (id = ANY(\(ids))) WHERE plan_id = \(header.id)", logger: logger)
        for referral in referrals {
            guard let recipient = recipients[referral.serviceID] else { continue }
            try await connection.query(
                """
                INSERT INTO referrals (id, plan_id, family_id, organization_id, service_id, recipient_organization_id,
                                       handoff, shares)
                VALUES (\(referral.id), \(header.id), \(header.familyID), \(header.organizationID), \(referral.serviceID),
                        \(recipient), \(referral.handoff.rawValue), \(referral.shares.map(\.rawValue).sorted()))
                ON CONFLICT (id) DO UPDATE SET handoff = EXCLUDED.handoff, shares = EXCLUDED.shares,
                    service_id = EXCLUDED.service_id, recipient_organization_id = EXCLUDED.recipient_organization_id,
                    updated_at = now(), version = referrals.version + 1
                WHERE referrals.status = 'draft'
                  AND (referrals.handoff, referrals.shares, referrals.service_id)
                      IS DISTINCT FROM (EXCLUDED.handoff, EXCLUDED.shares, EXCLUDED.service_id)
                """,
                logger: logger)
        }
    }

    /// The organization that runs each service, for services a plan may still refer to
    /// (active or temporarily closed, not retired).
    public func recipients(of services: [UUID], on connection: PostgresConnection) async throws -> [UUID: UUID] {
        let rows = try await connection.query(
            """
            SELECT id, organization_id FROM services
            WHERE id = ANY(\(services)) AND status::text IN ('active', 'temporarily closed') AND retired_at IS NULL
            """,
            logger: logger)
        var result: [UUID: UUID] = [:]
        for try await (service, organization) in rows.decode((UUID, UUID).self) { result[service] = organization }
        return result
    }

    public func plan(_ planID: UUID, on connection: PostgresConnection) async throws -> [ReferralRecord] {
        try await read(where: "r.plan_id = $1", binds: [planID], on: connection)
    }

    public func find(id: UUID, forUpdate: Bool = false, on connection: PostgresConnection) async throws
        -> ReferralRecord?
    {
        try await read(where: "r.id = $1", binds: [id], suffix: forUpdate ? "FOR UPDATE OF r" : "", on: connection)
            .first
    }

    /// Warm handoffs addressed to `recipient` that have gone out, or referrals of `owner`; newest first,
    /// after the cursor's `(updated_at, id)`.
    public func list(
        recipient: UUID?, owner: UUID?, status: ReferralStatus?, after: (micros: Int64, id: UUID)?, limit: Int,
        on connection: PostgresConnection
    ) async throws -> [ReferralRecord] {
        var conditions: [String] = []
        var binds = PostgresBindings()
        func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        // The recipient sees warm handoffs that went out: a self-referral shares nothing with it.
        if let recipient {
            conditions.append(
                "r.recipient_organization_id = \(bind(recipient)) AND r.status <> 'draft' AND r.handoff = 'warm'")
        }
        if let owner { conditions.append("r.organization_id = \(bind(owner))") }
        if let status { conditions.append("r.status = \(bind(status.rawValue))") }
        if let after {
            conditions.append(
                "(r.updated_at, r.id) < (timestamptz 'epoch' + \(bind(after.micros)) * interval '1 microsecond', \(bind(after.id)))"
            )
        }
        let sql =
            Self.select + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY r.updated_at DESC, r.id DESC LIMIT \(bind(limit))"
        return try await decode(try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger))
    }

    /// Moves a referral; `consentID` records the consent a warm handoff went out under.
    public func move(
        id: UUID, to status: ReferralStatus, note: String?, consentID: UUID?, on connection: PostgresConnection
    ) async throws {
        let declineReason = try note.map { try cipher.seal($0, for: FieldContext(Self.declineReason, recordID: id)) }
        let outcome = try note.map { try cipher.seal($0, for: FieldContext(Self.outcome, recordID: id)) }
        try await connection.query(
            """
            UPDATE referrals SET status = \(status.rawValue),
                consent_id = COALESCE(\(consentID), consent_id),
                decline_reason = CASE WHEN \(status.rawValue) = 'declined' THEN \(declineReason) ELSE decline_reason END,
                outcome = CASE WHEN \(status.rawValue) IN ('closed', 'withdrawn') THEN \(outcome) ELSE outcome END,
                sent_at = CASE WHEN \(status.rawValue) = 'sent' THEN now() ELSE sent_at END,
                answered_at = CASE WHEN \(status.rawValue) IN ('accepted', 'declined') THEN now() ELSE answered_at END,
                connected_at = CASE WHEN \(status.rawValue) = 'connected' THEN now() ELSE connected_at END,
                closed_at = CASE WHEN \(status.rawValue) IN ('closed', 'withdrawn') THEN now() ELSE closed_at END,
                updated_at = clock_timestamp(), version = version + 1
            WHERE id = \(id)
            """,
            logger: logger)
    }

    private static let select = """
        SELECT r.id, r.plan_id, r.family_id, r.organization_id, r.service_id, s.name, r.recipient_organization_id,
               o.name, r.handoff, r.shares, r.status, r.in_plan, r.consent_id, r.decline_reason, r.outcome, r.sent_at,
               r.answered_at, r.connected_at, r.closed_at, r.updated_at,
               (extract(epoch FROM r.updated_at) * 1000000)::bigint
        FROM referrals r
        JOIN services s ON s.id = r.service_id
        JOIN organizations o ON o.id = r.recipient_organization_id
        """

    private func read(
        where condition: String, binds ids: [UUID], suffix: String = "", on connection: PostgresConnection
    )
        async throws -> [ReferralRecord]
    {
        var binds = PostgresBindings()
        for id in ids { binds.append(id) }
        let sql = Self.select + " WHERE " + condition + " ORDER BY r.sent_at NULLS LAST, r.id " + suffix
        return try await decode(try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger))
    }

    private func decode(_ rows: PostgresRowSequence) async throws -> [ReferralRecord] {
        var records: [ReferralRecord] = []
        for try await c in rows.decode(
            (
                UUID, UUID, UUID, UUID, UUID, String, UUID, String, String, [String], String, Bool, UUID?, Data?,
                Data?, Date?, Date?, Date?, Date?, Date, Int64
            ).self)
        {
            records.append(
                ReferralRecord(
                    id: c.0, planID: c.1, familyID: c.2, organizationID: c.3, serviceID: c.4, serviceName: c.5,
                    recipientOrganizationID: c.6, recipientName: c.7, handoff: Handoff(rawValue: c.8) ?? .selfReferral,
                    shares: Set(c.9.compactMap(InformationCategory.init(rawValue:))),
                    status: ReferralStatus(rawValue: c.10) ?? .draft, inPlan: c.11, consentID: c.12,
                    declineReason: try c.13.map {
                        try cipher.open($0, for: FieldContext(Self.declineReason, recordID: c.0))
                    },
                    outcome: try c.14.map { try cipher.open($0, for: FieldContext(Self.outcome, recordID: c.0)) },
                    sentAt: c.15, answeredAt: c.16, connectedAt: c.17,
                    closedAt: c.18, updatedAt: c.19, updatedMicros: c.20))
        }
        return records
    }
}
