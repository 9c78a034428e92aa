import Foundation
import HavenCore
import HavenStorage
import PostgresNIO

/// What the family's information a referral's reader may see.
struct ReferralShare: Sendable {
    /// The categories shown: for the family's organization, everything the referral shares; for
    /// the recipient, only what an active consent covers right now.
    var categories: Set<InformationCategory>
    var family: FamilyRecord
    /// For the family's organization: why a warm handoff cannot go out yet.
    var consentProblems: [String]
    /// Read by the organization it was sent to: no plan id, no consent details.
    var isRecipientView: Bool
}

extension PlanService {
    /// How the caller stands to a referral: the organization that owns the family's plan, or
    /// the partner organization it was sent to (a warm handoff that has gone out).
    private func actor(_ caller: Caller, _ referral: ReferralRecord) -> ReferralStatus.Actor? {
        if caller.role == .admin { return .owner }
        let organization = caller.organizationID.flatMap(UUID.init(uuidString:))
        if caller.role == .partner {
            return organization == referral.recipientOrganizationID && referral.handoff == .warm
                && referral.status != .draft ? .recipient : nil
        }
        return organization == referral.organizationID ? .owner : nil
    }

    private func authorize(_ operation: HavenCore.Operation, _ caller: Caller, _ referral: ReferralRecord) throws
        -> ReferralStatus.Actor
    {
        let actor = actor(caller, referral)
        guard
            AccessPolicy.decide(
                operation, caller: caller, relationship: actor == nil ? .otherOrganization : .sameOrganization)
                == .allow, let actor
        else { throw AccessFailure.outOfScope(recordType: "referral", recordID: referral.id) }
        return actor
    }

    static func status(_ raw: String) throws -> ReferralStatus {
        guard let status = ReferralStatus(rawValue: raw) else {
            throw AccessFailure.invalid([
                FieldError(
                    pointer: "/status",
                    detail: "must be one of \(ReferralStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            ])
        }
        return status
    }

    /// Referrals sent to the caller's organization (partners), or sent by it (advocates).
    func listReferrals(_ scope: RequestScope, status: String?, limit: Int?, cursor: String?) async throws -> (
        Page<ReferralRecord>, [UUID: ReferralShare]
    ) {
        let caller = try OrganizationScope.caller(scope)
        let limit = try Paging.limit(limit)
        let wanted = try status.map(Self.status)
        var after: (micros: Int64, id: UUID)?
        if let cursor {
            guard let values = OpaqueCursor(encoded: cursor)?.values, values.count == 2, let micros = Int64(values[0]),
                let id = UUID(uuidString: values[1])
            else { throw AccessFailure.unknownCursor }
            after = (micros, id)
        }
        let organization = OrganizationScope.of(caller)
        let isPartner = caller.role == .partner
        return try await postgres.withConnection { connection in
            let found = try await referrals.list(
                recipient: isPartner ? organization : nil, owner: isPartner ? nil : organization, status: wanted,
                after: after, limit: limit + 1, on: connection)
            let page = Paging.page(found, limit: limit) {
                OpaqueCursor(values: [String($0.updatedMicros), $0.id.uuidString.lowercased()]).encoded
            }
            // Each family and its consents are read once for the page, not once per referral.
            var sources: [UUID: (FamilyRecord, [Consent])] = [:]
            var shares: [UUID: ReferralShare] = [:]
            for referral in page.items {
                if sources[referral.familyID] == nil {
                    sources[referral.familyID] = try await shareSource(referral.familyID, on: connection)
                }
                let (family, consents) = sources[referral.familyID]!
                shares[referral.id] = share(
                    referral, for: isPartner ? .recipient : .owner, family: family, consents: consents)
            }
            try await audit.record(scope.event("listReferrals", record: ("referral", nil)), on: connection)
            return (Page(items: page.items, nextCursor: page.nextCursor), shares)
        }
    }

    func referral(_ scope: RequestScope, id: String) async throws -> (ReferralRecord, ReferralShare) {
        let caller = try OrganizationScope.caller(scope)
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        return try await postgres.withConnection { connection in
            guard let referral = try await referrals.find(id: id, on: connection) else { throw AccessFailure.notFound }
            let actor = try authorize(.getReferral, caller, referral)
            let share = try await share(referral, for: actor, on: connection)
            try await audit.record(scope.event("getReferral", record: ("referral", id)), on: connection)
            return (referral, share)
        }
    }

    /// Moves a referral. Sending a warm handoff passes the consent gate first: 409 with what is
    /// missing when no active consent covers the recipient, the purpose and every category.
    func moveReferral(_ scope: RequestScope, id: String, to status: String, note: String?) async throws -> (
        ReferralRecord, ReferralShare
    ) {
        let caller = try OrganizationScope.caller(scope)
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        let next = try Self.status(status)
        return try await postgres.transaction(logger: logger) { connection in
            guard let seen = try await referrals.find(id: id, on: connection) else { throw AccessFailure.notFound }
            _ = try authorize(.updateReferral, caller, seen)
            // The plan first, then the referral: the order a plan edit takes them in. So a send
            // waits for an edit of the same plan to commit and then sees it (a referral the edit
            // dropped or changed), instead of going out as the edit rewrites it.
            _ = try await plans.header(id: seen.planID, forUpdate: true, on: connection)
            guard let referral = try await referrals.find(id: id, forUpdate: true, on: connection) else {
                throw AccessFailure.notFound
            }
            let actor = try authorize(.updateReferral, caller, referral)
            if let problem = referral.status.move(to: next, by: actor, note: note) {
                throw AccessFailure.invalid([problem])
            }
            if !referral.inPlan && next == .sent {
                throw AccessFailure.conflict("The referral is no longer in the plan.")
            }
            var consentID: UUID?
            if next == .sent {
                if try await referrals.recipients(of: [referral.serviceID], on: connection).isEmpty {
                    throw AccessFailure.conflict(
                        "\(referral.serviceName) no longer takes referrals (it left the directory or is inactive). Replace it in the plan."
                    )
                }
                let family = try await family(referral.familyID, on: connection)
                let moment = now()
                let decision = ConsentGate.decide(
                    referral.handoff, recipient: referral.recipientOrganizationID, purpose: .serviceReferral,
                    categories: referral.shares,
                    consents: try await consents.list(familyID: referral.familyID, on: connection).map(\.consent),
                    at: moment, today: CalendarDate(moment, timeZone: family.timeZone))
                switch decision {
                case .notNeeded: break
                case .allowed(let consent): consentID = consent
                case .refused(let missing):
                    throw AccessFailure.conflict(
                        "A warm handoff to \(referral.recipientName) shares the family's information, and no active consent covers it. "
                            + missing.joined(separator: " "))
                }
            }
            try await referrals.move(
                id: id, to: next, note: note?.trimmingCharacters(in: .whitespacesAndNewlines), consentID: consentID,
                on: connection)
            try await audit.record(scope.event("updateReferral", record: ("referral", id)), on: connection)
            guard let moved = try await referrals.find(id: id, on: connection) else { throw AccessFailure.notFound }
            return (moved, try await share(moved, for: actor, on: connection))
        }
    }

    func share(_ referral: ReferralRecord, for actor: ReferralStatus.Actor, on connection: PostgresConnection)
        async throws -> ReferralShare
    {
        let (family, consents) = try await shareSource(referral.familyID, on: connection)
        return share(referral, for: actor, family: family, consents: consents)
    }

    private func shareSource(_ familyID: UUID, on connection: PostgresConnection) async throws -> (
        FamilyRecord, [Consent]
    ) {
        (
            try await family(familyID, on: connection),
            try await consents.list(familyID: familyID, on: connection).map(\.consent)
        )
    }

    /// What of the family the reader sees. The recipient's view is checked against the consents
    /// on every read, so a revocation takes effect at once.
    private func share(
        _ referral: ReferralRecord, for actor: ReferralStatus.Actor, family: FamilyRecord, consents: [Consent]
    ) -> ReferralShare {
        guard referral.handoff == .warm else {
            return ReferralShare(
                categories: [], family: family, consentProblems: [], isRecipientView: actor == .recipient)
        }
        let moment = now()
        let today = CalendarDate(moment, timeZone: family.timeZone)
        switch actor {
        case .owner:
            var problems: [String] = []
            if case .refused(let missing) = ConsentGate.decide(
                .warm, recipient: referral.recipientOrganizationID, purpose: .serviceReferral,
                categories: referral.shares, consents: consents, at: moment, today: today)
            {
                problems = missing
            }
            return ReferralShare(
                categories: referral.shares, family: family, consentProblems: problems, isRecipientView: false)
        case .recipient:
            let covered = ConsentGate.covered(
                recipient: referral.recipientOrganizationID, purpose: .serviceReferral, consents: consents,
                at: moment, today: today)
            return ReferralShare(
                categories: referral.shares.intersection(covered), family: family, consentProblems: [],
                isRecipientView: true)
        }
    }

    // MARK: Follow-ups

    struct DueFollowUp: Sendable {
        var row: FollowUpRow
        var family: FamilyRecord
        var note: String?
        var serviceName: String?
        /// Why the check-in is no longer safe as scheduled (the family's preferences changed).
        var problem: String?
    }

    static let defaultFollowUpDays = 7

    /// What the caller's organization must do next, soonest first, each with the family's safe
    /// times and channel rules, and a warning when a check-in no longer fits them.
    func followUps(_ scope: RequestScope, dueBefore: Date?, limit: Int?) async throws -> [DueFollowUp] {
        let caller = try OrganizationScope.caller(scope)
        let limit = try Paging.limit(limit)
        let before = dueBefore ?? now().addingTimeInterval(Double(Self.defaultFollowUpDays) * 86_400)
        return try await postgres.withConnection { connection in
            let rows = try await plans.followUps(
                organization: OrganizationScope.of(caller), before: before, limit: limit, on: connection)
            var familiesByID: [UUID: FamilyRecord] = [:]
            var contents: [UUID: PlanContent] = [:]
            var result: [DueFollowUp] = []
            for row in rows {
                if familiesByID[row.familyID] == nil {
                    familiesByID[row.familyID] = try await family(row.familyID, on: connection)
                }
                if contents[row.planID] == nil, let header = try await plans.header(id: row.planID, on: connection) {
                    contents[row.planID] =
                        try await plans.version(planID: row.planID, number: header.version, on: connection)?.content
                }
                guard let family = familiesByID[row.familyID] else { continue }
                let content = contents[row.planID]
                let referral = row.referralID.flatMap { id in content?.referrals.first { $0.id == id } }
                let note =
                    referral?.followUp?.note
                    ?? content?.followUps.first { $0.dueAt == row.dueAt && $0.channel == row.channel }?.note
                var serviceName: String?
                if let id = row.referralID {
                    serviceName = try await referrals.find(id: id, on: connection)?.serviceName
                }
                let problem = family.draft.safeContact.rule(timeZone: family.timeZone)
                    .problem(channel: row.channel, at: row.dueAt)?.detail
                result.append(
                    DueFollowUp(row: row, family: family, note: note, serviceName: serviceName, problem: problem))
            }
            try await audit.record(scope.event("listFollowUps", record: ("plan", nil)), on: connection)
            return result
        }
    }
}
