import Foundation
import HavenAPI
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

/// Consents and referral plans: the confidential tier. Advocates of the family's organization
/// (and admins) work with them; every read and write is audited in the same transaction.
struct PlanService: Sendable {
    let postgres: PostgresClient
    let logger: Logger
    let families: FamilyRepository
    let consents: ConsentRepository
    let plans: PlanRepository
    let referrals: ReferralRepository
    let search: SearchService
    let crisis: CrisisSearch
    let matching: MatchingService
    let guide: LanguageGuide
    let audit: AuditLog
    let now: @Sendable () -> Date

    init(
        postgres: PostgresClient, cipher: FieldCipher, logger: Logger, staleAfterDays: Int, guide: LanguageGuide,
        search: SearchService, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.postgres = postgres
        self.logger = logger
        families = FamilyRepository(logger: logger, cipher: cipher)
        consents = ConsentRepository(logger: logger, cipher: cipher)
        plans = PlanRepository(logger: logger, cipher: cipher)
        referrals = ReferralRepository(logger: logger, cipher: cipher)
        self.search = search
        crisis = CrisisSearch(postgres: postgres, logger: logger, staleAfterDays: staleAfterDays)
        matching = MatchingService(postgres: postgres, cipher: cipher, logger: logger, now: now)
        self.guide = guide
        audit = AuditLog(logger: logger)
        self.now = now
    }

    // MARK: Consents

    /// Records a consent; with the family, whose calendar day says whether it is active.
    func createConsent(_ scope: RequestScope, familyID: String, _ input: ConsentInput) async throws -> (
        FamilyRecord, ConsentRecord
    ) {
        let caller = try OrganizationScope.caller(scope)
        guard let familyID = UUID(uuidString: familyID) else { throw AccessFailure.notFound }
        return try await postgres.transaction(logger: logger) { connection in
            let family = try await family(familyID, for: .createConsent, caller, on: connection)
            let moment = now()
            let draft = try DirectoryService.valid(
                input.validate(now: moment, today: CalendarDate(moment, timeZone: family.timeZone)))
            guard try await organizationExists(draft.recipientOrganizationID, on: connection) else {
                throw AccessFailure.invalid([
                    FieldError(pointer: "/recipient_organization_id", detail: "names no organization in the directory")
                ])
            }
            let id = UUID()
            try await consents.insert(
                id: id, familyID: familyID, draft, recordedBy: UUID(uuidString: caller.userID), on: connection)
            try await audit.record(scope.event("createConsent", record: ("consent", id)), on: connection)
            guard let record = try await consents.find(id: id, on: connection) else { throw AccessFailure.notFound }
            return (family, record)
        }
    }

    func listConsents(_ scope: RequestScope, familyID: String) async throws -> (FamilyRecord, [ConsentRecord]) {
        let caller = try OrganizationScope.caller(scope)
        guard let familyID = UUID(uuidString: familyID) else { throw AccessFailure.notFound }
        return try await postgres.withConnection { connection in
            let family = try await family(familyID, for: .listConsents, caller, on: connection)
            let found = try await consents.list(familyID: familyID, on: connection)
            try await audit.record(scope.event("listConsents", record: ("family", familyID)), on: connection)
            return (family, found)
        }
    }

    /// Revokes a consent at once: referrals sent under it stop sharing from this moment.
    func revokeConsent(_ scope: RequestScope, id: String) async throws -> (FamilyRecord, ConsentRecord) {
        let caller = try OrganizationScope.caller(scope)
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        return try await postgres.transaction(logger: logger) { connection in
            guard let consent = try await consents.find(id: id, on: connection) else { throw AccessFailure.notFound }
            let family = try await family(consent.familyID, for: .revokeConsent, caller, on: connection)
            guard try await consents.revoke(id: id, by: UUID(uuidString: caller.userID), on: connection) else {
                throw AccessFailure.conflict("The consent was already revoked.")
            }
            try await audit.record(scope.event("revokeConsent", record: ("consent", id)), on: connection)
            guard let record = try await consents.find(id: id, on: connection) else { throw AccessFailure.notFound }
            return (family, record)
        }
    }

    // MARK: Plans

    /// A plan as the API shows it: the version's content with each referral's live status.
    struct PlanView: Sendable {
        var header: PlanHeader
        var version: PlanVersion
        var family: FamilyRecord
        var referrals: [UUID: ReferralRecord]
        var consents: [Consent]
        var warnings: [PlanLanguageWarning]
        var crisisContacts: [CrisisLine]
    }

    struct CrisisLine: Sendable {
        var id: String
        var name: String
        var reachesBy: String
    }

    /// Options for the first draft.
    struct BuildOptions: Sendable {
        var goals: [String] = []
        var perNeed: Int = 2
    }

    static let mostPerNeed = 5

    /// Drafts a plan from the family's needs and place: the best services per need (in the
    /// family's language, for the child's age), the crisis contacts for their ZIP, a peer mentor
    /// when the family wants one, and empty slots for the specialist to fill with the family.
    func createPlan(_ scope: RequestScope, familyID: String, options: BuildOptions) async throws -> PlanView {
        let caller = try OrganizationScope.caller(scope)
        guard let familyID = UUID(uuidString: familyID) else { throw AccessFailure.notFound }
        guard (0...Self.mostPerNeed).contains(options.perNeed) else {
            throw AccessFailure.invalid([
                FieldError(pointer: "/services_per_need", detail: "must be from 0 to \(Self.mostPerNeed)")
            ])
        }
        var goalInput = PlanInput()
        goalInput.goals = options.goals
        let family: FamilyRecord = try await postgres.withConnection { connection in
            try await self.family(familyID, for: .createPlan, caller, on: connection)
        }
        let rule = family.draft.safeContact.rule(timeZone: family.timeZone)
        let goals = try DirectoryService.valid(
            goalInput.validate(safeContact: rule, knownReferralIDs: [], now: now())
        ).goals
        let referrals = try await suggestedReferrals(scope, family, perNeed: options.perNeed)
        let id = UUID()
        return try await postgres.transaction(logger: logger) { connection in
            try await plans.insert(
                id: id, familyID: familyID, organizationID: family.organizationID,
                createdBy: UUID(uuidString: caller.userID), on: connection)
            let mentor = family.draft.wantsMentor ? try await mentorOffer(family, on: connection) : nil
            let content = PlanContent(
                goals: goals, needs: family.draft.needs, referrals: referrals,
                crisisContactIDs: try await crisisLines(family, chosen: []).compactMap { UUID(uuidString: $0.id) },
                mentor: mentor, safetyNotes: nil,
                internalNotes: nil, followUps: [], showSensitiveNames: false)
            return try await save(scope, planID: id, content, action: "createPlan", on: connection)
        }
    }

    func plan(_ scope: RequestScope, id: String, version number: Int? = nil) async throws -> PlanView {
        let caller = try OrganizationScope.caller(scope)
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        return try await postgres.withConnection { connection in
            guard let header = try await plans.header(id: id, on: connection) else { throw AccessFailure.notFound }
            try OrganizationScope.authorize(
                number == nil ? .getPlan : .getPlanVersion, caller, organization: header.organizationID,
                record: ("plan", id))
            guard let version = try await plans.version(planID: id, number: number ?? header.version, on: connection)
            else { throw AccessFailure.notFound }
            try await audit.record(
                scope.event(number == nil ? "getPlan" : "getPlanVersion", record: ("plan", id)), on: connection)
            return try await view(header, version, on: connection)
        }
    }

    /// Saves the specialist's edit as the plan's next version (`If-Match` the current one).
    func replacePlan(_ scope: RequestScope, id: String, ifMatch: String?, _ input: PlanInput) async throws -> PlanView {
        let caller = try OrganizationScope.caller(scope)
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        return try await postgres.transaction(logger: logger) { connection in
            guard let header = try await plans.header(id: id, forUpdate: true, on: connection) else {
                throw AccessFailure.notFound
            }
            try OrganizationScope.authorize(
                .replacePlan, caller, organization: header.organizationID, record: ("plan", id))
            try ETag.check(ifMatch, current: header.version)
            let family = try await family(header.familyID, on: connection)
            guard let current = try await plans.version(planID: id, number: header.version, on: connection) else {
                throw AccessFailure.notFound
            }
            let existing = try await referrals.plan(id, on: connection)
            let draft = try DirectoryService.valid(
                input.validate(
                    safeContact: family.draft.safeContact.rule(timeZone: family.timeZone),
                    knownReferralIDs: Set(existing.map(\.id)), now: now(),
                    scheduled: current.content.followUps + current.content.referrals.compactMap(\.followUp)))
            try checkReferralEdits(draft.referrals, existing: existing)
            // Search's reasons stay with a kept referral; the edit does not carry them.
            var referrals = draft.referrals
            for index in referrals.indices {
                referrals[index].searchReasons =
                    current.content.referrals.first { $0.id == referrals[index].id }?.searchReasons
            }
            let offer = draft.mentorOffer ?? family.draft.wantsMentor
            var mentor: MentorOffer?
            if offer {
                if let kept = current.content.mentor {
                    mentor = kept
                } else {
                    mentor = try await mentorOffer(family, on: connection)
                }
            }
            let content = PlanContent(
                goals: draft.goals, needs: draft.needs ?? current.content.needs, referrals: referrals,
                crisisContactIDs: try await chosenCrisisLines(family, draft.crisisContactIDs, current: current.content),
                mentor: mentor, safetyNotes: draft.safetyNotes,
                internalNotes: draft.internalNotes, followUps: draft.followUps,
                showSensitiveNames: draft.showSensitiveNames)
            return try await save(
                scope, planID: id, content, existing: existing, action: "replacePlan", on: connection)
        }
    }

    // MARK: Helpers

    /// Writes a version, keeps the referral rows and follow-ups in step, and audits it.
    ///
    /// A referral that has gone out keeps its service even once the directory retires it: the
    /// recipient may be helping the family, and the plan must stay editable around it. Drafts
    /// and new referrals must name a service that takes referrals.
    private func save(
        _ scope: RequestScope, planID: UUID, _ content: PlanContent, existing: [ReferralRecord] = [], action: String,
        on connection: PostgresConnection
    ) async throws -> PlanView {
        let recipients = try await referrals.recipients(of: content.referrals.map(\.serviceID), on: connection)
        let wentOut = Set(existing.filter { $0.status != .draft }.map { [$0.id, $0.serviceID] })
        let missing = content.referrals.enumerated().filter {
            recipients[$0.element.serviceID] == nil && !wentOut.contains([$0.element.id, $0.element.serviceID])
        }
        if !missing.isEmpty {
            throw AccessFailure.invalid(
                missing.map {
                    FieldError(
                        pointer: "/referrals/\($0.offset)/service_id",
                        detail: "names no service in the directory that takes referrals (it may be retired)")
                })
        }
        let version = try await plans.saveVersion(
            planID: planID, content, savedBy: scope.caller.flatMap { UUID(uuidString: $0.userID) }, on: connection)
        guard let header = try await plans.header(id: planID, on: connection),
            let saved = try await plans.version(planID: planID, number: version, on: connection)
        else { throw AccessFailure.notFound }
        try await referrals.sync(header, content.referrals, recipients: recipients, on: connection)
        try await plans.replaceFollowUps(header, content, on: connection)
        try await audit.record(scope.event(action, record: ("plan", planID)), on: connection)
        return try await view(header, saved, on: connection)
    }

    private func view(_ header: PlanHeader, _ version: PlanVersion, on connection: PostgresConnection) async throws
        -> PlanView
    {
        let family = try await family(header.familyID, on: connection)
        let rows = try await referrals.plan(header.id, on: connection)
        let consents = try await consents.list(familyID: header.familyID, on: connection).map(\.consent)
        let lines = try await crisisLines(family, chosen: version.content.crisisContactIDs)
            .map { CrisisLine(id: $0.id, name: $0.name, reachesBy: $0.reachesBy) }
        return PlanView(
            header: header, version: version, family: family,
            referrals: Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) }), consents: consents,
            warnings: guide.check(version.content), crisisContacts: lines)
    }

    /// A referral that has gone out is the recipient's too: it keeps its service and sharing,
    /// and leaves the plan only once it is finished (or withdrawn).
    private func checkReferralEdits(_ edited: [PlanReferral], existing: [ReferralRecord]) throws {
        var errors: [FieldError] = []
        let kept = Set(edited.map(\.id))
        for (index, referral) in edited.enumerated() {
            guard let row = existing.first(where: { $0.id == referral.id }), row.status != .draft else { continue }
            if row.serviceID != referral.serviceID || row.handoff != referral.handoff || row.shares != referral.shares {
                errors.append(
                    FieldError(
                        pointer: "/referrals/\(index)",
                        detail:
                            "the referral was \(row.status.rawValue): its service, handoff and sharing no longer change; withdraw it and add a new one"
                    ))
            }
        }
        for row in existing where !kept.contains(row.id) && row.inPlan && row.status != .draft && !row.status.isFinal {
            errors.append(
                FieldError(
                    pointer: "/referrals",
                    detail:
                        "the \(row.status.rawValue) referral to \(row.serviceName) (\(row.id.uuidString.lowercased())) must be withdrawn or closed before it leaves the plan"
                ))
        }
        if !errors.isEmpty { throw AccessFailure.invalid(errors) }
    }

    /// The best services per need, from search, as draft self-referrals with the reasons
    /// search gave.
    private func suggestedReferrals(_ scope: RequestScope, _ family: FamilyRecord, perNeed: Int) async throws
        -> [PlanReferral]
    {
        guard perNeed > 0 else { return [] }
        var chosen: [PlanReferral] = []
        var seen: Set<UUID> = []
        // One child: search for their age. Several: the specialist picks per child.
        let age = family.draft.children.count == 1 ? family.draft.children.first.map(String.init) : nil
        for need in family.draft.needs {
            var parameters = SearchParameters(
                zip: family.draft.homeZip.digits, needs: [need], audiences: [], limit: Paging.maximumLimit)
            parameters.language = family.draft.languages.first
            parameters.age = age
            var hits = try await search.search(scope, parameters, now: now()).items
            if hits.isEmpty && parameters.language != nil {
                // No service in their language: offer the nearest ones (with interpretation noted
                // by search) rather than nothing.
                parameters.language = nil
                hits = try await search.search(scope, parameters, now: now()).items
            }
            // Search ranks for this moment; the plan is for the weeks ahead. Stable, so search's
            // own order settles ties.
            hits = hits.enumerated().sorted { first, second in
                let (a, b) = (Self.lastingScore(first.element), Self.lastingScore(second.element))
                return a != b ? a > b : first.offset < second.offset
            }.map(\.element)
            // A family that can safely go out or call only at some hours gets services open
            // then first; the others still follow, since hours can be arranged.
            if !family.draft.safeContact.safeTimes.isEmpty {
                let moment = now()
                let safe = WeekHours(family.draft.safeContact.safeTimes, timeZone: family.timeZone, reference: moment)
                func fits(_ hit: SearchHit) -> Bool {
                    guard let schedule = hit.found.schedule, !schedule.alwaysOpen, !schedule.hours.isEmpty else {
                        return true
                    }
                    return WeekHours(schedule.hours, timeZone: schedule.timeZone, reference: moment).overlap(safe) > 0
                }
                hits = hits.filter(fits) + hits.filter { !fits($0) }
            }
            var added = 0
            for hit in hits where added < perNeed && !seen.contains(hit.found.serviceID) {
                guard hit.match.unmetNeeds.isEmpty else { continue }
                seen.insert(hit.found.serviceID)
                added += 1
                chosen.append(
                    PlanReferral(
                        id: UUID(), serviceID: hit.found.serviceID, reason: nil, whatToExpect: nil,
                        handoff: .selfReferral, shares: [], followUp: nil,
                        searchReasons: Self.lastingReasons(hit.match.reasons)))
            }
        }
        return chosen
    }

    private static func lastingScore(_ hit: SearchHit) -> Double {
        SearchScoring.lastingScore(hit.match.score, opening: hit.opening)
    }

    /// Search's reasons that stay true after today: "open now" describes the moment of the
    /// search, not the plan the family keeps.
    static func lastingReasons(_ reasons: [String]) -> [String] {
        reasons.filter { !$0.hasPrefix("open now") && $0 != "closed now" }
    }

    /// The chosen crisis lines that still cover the family's ZIP, in the chosen order; the
    /// default choice when none is left, so a plan is never without them.
    func crisisLines(_ family: FamilyRecord, chosen: [UUID]) async throws -> [Components.Schemas.CrisisSearchResult] {
        let covering = try await crisis.search(
            zip: family.draft.homeZip.digits, at: nil, language: family.draft.languages.first
        ).results
        let byID = Dictionary(covering.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let kept = chosen.compactMap { byID[$0.uuidString.lowercased()] }
        if !kept.isEmpty { return kept }
        let defaults = CrisisLineChoice.defaults(
            covering.map { CrisisLineChoice.Line(id: $0.id, slug: $0.slug, reach: $0.reachesBy) })
        return defaults.compactMap { byID[$0] }
    }

    /// The specialist's new choice (each must cover the family's ZIP), or the current one.
    private func chosenCrisisLines(_ family: FamilyRecord, _ requested: [UUID]?, current: PlanContent) async throws
        -> [UUID]
    {
        guard let requested else {
            return try await crisisLines(family, chosen: current.crisisContactIDs).compactMap {
                UUID(uuidString: $0.id)
            }
        }
        let covering = Set(
            try await crisis.search(zip: family.draft.homeZip.digits, at: nil, language: nil).results.map(\.id))
        let outside = requested.enumerated().filter { !covering.contains($0.element.uuidString.lowercased()) }
        if !outside.isEmpty {
            throw AccessFailure.invalid(
                outside.map {
                    FieldError(
                        pointer: "/crisis_contact_ids/\($0.offset)",
                        detail: "is not a crisis line that covers the family's ZIP \(family.draft.homeZip.digits)")
                })
        }
        return requested
    }

    private func mentorOffer(_ family: FamilyRecord, on connection: PostgresConnection) async throws -> MentorOffer {
        let best = try await matching.bestMentor(for: family, on: connection)
        return MentorOffer(volunteerID: best?.volunteerID, reasons: best?.reasons ?? [])
    }

    /// The family, when the caller may do `operation` with it; 404 otherwise.
    private func family(
        _ id: UUID, for operation: HavenCore.Operation, _ caller: Caller, on connection: PostgresConnection
    ) async throws -> FamilyRecord {
        let record = try await family(id, on: connection)
        try OrganizationScope.authorize(operation, caller, organization: record.organizationID, record: ("family", id))
        return record
    }

    func family(_ id: UUID, on connection: PostgresConnection) async throws -> FamilyRecord {
        guard let record = try await families.find([id], on: connection).first else { throw AccessFailure.notFound }
        return record
    }

    private func organizationExists(_ id: UUID, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query("SELECT 1 FROM organizations WHERE id = \(id)", logger: logger).collect().count > 0
    }
}
