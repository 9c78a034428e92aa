import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

/// Families waiting for a peer mentor, suggestions, batch plans and the match lifecycle. A
/// family is owned by its advocate's organization; volunteers of an organization mentor that
/// organization's families. Every step is audited.
struct MatchingService: Sendable {
    let postgres: PostgresClient
    let logger: Logger
    let families: FamilyRepository
    let volunteers: VolunteerRepository
    let matches: MentorMatchRepository
    let taxonomies: TaxonomyRepository
    let audit: AuditLog
    let now: @Sendable () -> Date

    init(postgres: PostgresClient, cipher: FieldCipher, logger: Logger, now: @escaping @Sendable () -> Date = Date.init)
    {
        self.postgres = postgres
        self.logger = logger
        families = FamilyRepository(logger: logger, cipher: cipher)
        volunteers = VolunteerRepository(logger: logger, cipher: cipher)
        matches = MentorMatchRepository(logger: logger, cipher: cipher)
        taxonomies = TaxonomyRepository(logger: logger)
        audit = AuditLog(logger: logger)
        self.now = now
    }

    // MARK: Families

    func createFamily(_ scope: RequestScope, _ input: FamilyInput) async throws -> FamilyRecord {
        let caller = try OrganizationScope.caller(scope)
        let draft = try DirectoryService.valid(input.validate())
        guard let organization = caller.organizationID.flatMap(UUID.init(uuidString:)) else {
            throw AccessFailure.invalid([
                FieldError(
                    pointer: "", detail: "your account belongs to no organization, so the family would have no owner")
            ])
        }
        let id = UUID()
        return try await postgres.transaction(logger: logger) { connection in
            try await check(draft, on: connection)
            try await families.insert(id: id, organizationID: organization, draft, on: connection)
            try await audit.record(scope.event("createFamily", record: ("family", id)), on: connection)
            return try await family(id, on: connection)
        }
    }

    func family(_ scope: RequestScope, id: String) async throws -> FamilyRecord {
        let caller = try OrganizationScope.caller(scope)
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        return try await postgres.withConnection { connection in
            let record = try await family(id, on: connection)
            try OrganizationScope.authorize(
                .getFamily, caller, organization: record.organizationID, record: ("family", id))
            try await audit.record(scope.event("getFamily", record: ("family", id)), on: connection)
            return record
        }
    }

    func replaceFamily(_ scope: RequestScope, id: String, ifMatch: String?, _ input: FamilyInput) async throws
        -> FamilyRecord
    {
        let caller = try OrganizationScope.caller(scope)
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        let draft = try DirectoryService.valid(input.validate())
        return try await postgres.transaction(logger: logger) { connection in
            guard let current = try await families.lock(id: id, on: connection) else { throw AccessFailure.notFound }
            try OrganizationScope.authorize(
                .replaceFamily, caller, organization: current.organizationID, record: ("family", id))
            try ETag.check(ifMatch, current: current.version)
            try await check(draft, on: connection)
            try await families.update(id: id, draft, on: connection)
            try await audit.record(scope.event("replaceFamily", record: ("family", id)), on: connection)
            return try await family(id, on: connection)
        }
    }

    /// Puts the family on the waiting list (409 when it is already waiting or has a mentor).
    func requestMentor(_ scope: RequestScope, id: String) async throws -> FamilyRecord {
        let caller = try OrganizationScope.caller(scope)
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        return try await postgres.transaction(logger: logger) { connection in
            guard let current = try await families.lock(id: id, on: connection) else { throw AccessFailure.notFound }
            try OrganizationScope.authorize(
                .requestMentor, caller, organization: current.organizationID, record: ("family", id))
            if let status = try await matches.openMatch(familyID: id, on: connection) {
                throw AccessFailure.conflict("The family already has a \(status.rawValue) mentor match.")
            }
            guard
                try await families.requestMentor(
                    familyID: id, requestedBy: UUID(uuidString: caller.userID), on: connection)
                    != nil
            else { throw AccessFailure.conflict("The family is already on the waiting list.") }
            try await audit.record(scope.event("requestMentor", record: ("family", id)), on: connection)
            return try await family(id, on: connection)
        }
    }

    // MARK: Suggestions and plans

    /// Eligible volunteers of the family's organization, best first, with what left the others out.
    func suggest(_ scope: RequestScope, familyID: String, limit: Int?) async throws -> (
        suggestions: [MentorSuggestion], exclusions: MentorExclusions, names: [UUID: String]
    ) {
        let caller = try OrganizationScope.caller(scope)
        guard let id = UUID(uuidString: familyID) else { throw AccessFailure.notFound }
        let limit = try Paging.limit(limit)
        // A roster of thousands of volunteers takes milliseconds to decrypt and score.
        return try await awayFromEventLoops {
            try await postgres.withConnection { connection in
                let family = try await family(id, on: connection)
                try OrganizationScope.authorize(
                    .suggestMentors, caller, organization: family.organizationID, record: ("family", id))
                let roster = try await volunteers.roster(organization: family.organizationID, on: connection)
                let moment = now()
                let result = MentorScoring.suggest(
                    for: seeker(family, at: moment), among: roster.map { mentor($0, at: moment) }, limit: limit)
                try await audit.record(scope.event("suggestMentors", record: ("family", id)), on: connection)
                return (
                    result.suggestions, result.exclusions,
                    Dictionary(uniqueKeysWithValues: roster.map { ($0.id, $0.draft.name) })
                )
            }
        }
    }

    struct PlanResult: Sendable {
        var plan: MentorAssignmentPlan
        var committed: [UUID: UUID]  // family → match id
        var families: [UUID: FamilyRecord]
        var volunteerNames: [UUID: String]
        var waiting: Int
    }

    /// The optimal assignment of the organization's whole waiting list. With `commit`, it is
    /// planned again inside a transaction holding every volunteer of the roster locked, and the
    /// matches are proposed: two coordinators committing at once queue, and the second plans
    /// around the first's proposals, so no volunteer is ever pushed past capacity.
    func plan(_ scope: RequestScope, commit: Bool) async throws -> PlanResult {
        let caller = try OrganizationScope.caller(scope)
        guard let organization = caller.organizationID.flatMap(UUID.init(uuidString:)) else {
            throw AccessFailure.invalid([
                FieldError(pointer: "", detail: "your account belongs to no organization, so it has no waiting list")
            ])
        }
        let work: (PostgresConnection) async throws -> PlanResult = { connection in
            if commit { try await families.lockWaiting(organization: organization, on: connection) }
            let roster = try await volunteers.roster(organization: organization, on: connection)
            if commit { _ = try await matches.lockVolunteers(roster.map(\.id), on: connection) }
            // Read after the lock, so counts include proposals committed while we waited.
            let current = commit ? try await volunteers.roster(organization: organization, on: connection) : roster
            let waiting = try await families.waiting(organization: organization, on: connection)
            let moment = now()
            let plan = MentorAssignment.plan(
                families: waiting.map { seeker($0, at: moment) }, volunteers: current.map { mentor($0, at: moment) })
            var committed: [UUID: UUID] = [:]
            let byID = Dictionary(uniqueKeysWithValues: waiting.map { ($0.id, $0) })
            if commit {
                for match in plan.matches {
                    guard let requestID = byID[match.familyID]?.requestID else { continue }
                    let id = UUID()
                    try await matches.propose(
                        id: id, requestID: requestID, familyID: match.familyID, volunteerID: match.volunteerID,
                        score: match.score, reasons: match.reasons, proposedBy: UUID(uuidString: caller.userID),
                        on: connection)
                    try await audit.record(
                        scope.event("proposeMentorMatch", record: ("mentor_match", id)), on: connection)
                    committed[match.familyID] = id
                }
            }
            try await audit.record(
                scope.event(commit ? "commitMentorPlan" : "planMentorMatches", record: ("mentor_match", nil)),
                on: connection)
            return PlanResult(
                plan: plan, committed: committed, families: byID,
                volunteerNames: Dictionary(uniqueKeysWithValues: current.map { ($0.id, $0.draft.name) }),
                waiting: waiting.count)
        }
        // Decrypting and planning a whole waiting list computes for up to a few seconds.
        return try await awayFromEventLoops {
            if commit { return try await postgres.transaction(logger: logger) { try await work($0) } }
            return try await postgres.withConnection { try await work($0) }
        }
    }

    // MARK: Matches

    /// Proposes one match a coordinator chose. The volunteer's row is locked before their open
    /// matches are counted, so parallel proposals can never overbook them (409 instead).
    func propose(_ scope: RequestScope, familyID: String, volunteerID: String) async throws -> MentorMatchRecord {
        let caller = try OrganizationScope.caller(scope)
        guard let familyID = UUID(uuidString: familyID), let volunteerID = UUID(uuidString: volunteerID) else {
            throw AccessFailure.invalid([
                FieldError(pointer: "/family_id", detail: "must name a family and a volunteer by id")
            ])
        }
        return try await postgres.transaction(logger: logger) { connection in
            // Another organization's family or volunteer answers exactly like a missing one, and
            // the attempt is recorded.
            let noFamily = FieldError(pointer: "/family_id", detail: "names no family you can see")
            guard let locked = try await families.lock(id: familyID, on: connection) else {
                throw AccessFailure.invalid([noFamily])
            }
            try OrganizationScope.authorize(
                .createMentorMatch, caller, organization: locked.organizationID, record: ("family", familyID),
                orInvalid: noFamily)
            _ = try await matches.lockVolunteers([volunteerID], on: connection)
            let noVolunteer = FieldError(
                pointer: "/volunteer_id", detail: "names no volunteer on the family's organization's roster")
            guard let volunteer = try await volunteers.find([volunteerID], on: connection).first else {
                throw AccessFailure.invalid([noVolunteer])
            }
            guard volunteer.organizationID == locked.organizationID else {
                throw AccessFailure.outOfScopeField(recordType: "volunteer", recordID: volunteerID, field: noVolunteer)
            }
            let family = try await family(familyID, on: connection)
            guard let requestID = family.requestID else {
                throw AccessFailure.conflict("The family is not on the waiting list; request a mentor first.")
            }
            let moment = now()
            let seeker = seeker(family, at: moment)
            let mentor = mentor(volunteer, at: moment)
            if let constraint = MentorScoring.exclusion(mentor, for: seeker) {
                let why = volunteer.ineligibility(on: CalendarDate(moment, timeZone: volunteer.timeZone))?.explanation
                throw AccessFailure.conflict("The volunteer cannot take this family: \(why ?? constraint.label).")
            }
            let fit = MentorScoring.fit(mentor, for: seeker)
            let id = UUID()
            try await matches.propose(
                id: id, requestID: requestID, familyID: familyID, volunteerID: volunteerID,
                score: Double(fit.points) / 100, reasons: MentorScoring.reasons(fit),
                proposedBy: UUID(uuidString: caller.userID), on: connection)
            try await audit.record(scope.event("createMentorMatch", record: ("mentor_match", id)), on: connection)
            guard let record = try await matches.find([id], on: connection).first else { throw AccessFailure.notFound }
            return record
        }
    }

    func list(_ scope: RequestScope, status: String?) async throws -> [MentorMatchRecord] {
        let caller = try OrganizationScope.caller(scope)
        var wanted: MentorMatchStatus?
        if let status {
            guard let parsed = MentorMatchStatus(rawValue: status) else {
                throw AccessFailure.invalid([
                    FieldError(pointer: "/status", detail: "must be proposed, accepted, declined, active or closed")
                ])
            }
            wanted = parsed
        }
        return try await postgres.withConnection { connection in
            let found = try await matches.list(
                organization: OrganizationScope.of(caller), status: wanted, on: connection)
            try await audit.record(scope.event("listMentorMatches", record: ("mentor_match", nil)), on: connection)
            return found
        }
    }

    /// Accept, decline (with a reason), start, or close (with an outcome) a match.
    func move(_ scope: RequestScope, id: String, to status: String, note: String?) async throws -> MentorMatchRecord {
        let caller = try OrganizationScope.caller(scope)
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        guard let next = MentorMatchStatus(rawValue: status) else {
            throw AccessFailure.invalid([
                FieldError(pointer: "/status", detail: "must be accepted, declined, active or closed")
            ])
        }
        return try await postgres.transaction(logger: logger) { connection in
            guard let match = try await matches.lock(id: id, on: connection) else { throw AccessFailure.notFound }
            try OrganizationScope.authorize(
                .updateMentorMatch, caller, organization: match.organizationID, record: ("mentor_match", id))
            if let problem = match.status.move(to: next, note: note) { throw AccessFailure.invalid([problem]) }
            if next == .accepted || next == .active {
                // A background check or training may have lapsed since the match was proposed.
                guard let volunteer = try await volunteers.find([match.volunteerID], on: connection).first else {
                    throw AccessFailure.notFound
                }
                let today = CalendarDate(now(), timeZone: volunteer.timeZone)
                if let problem = volunteer.mentoringProblem(on: today) {
                    throw AccessFailure.conflict(
                        "The volunteer cannot mentor this family now: \(problem.explanation). Record a current "
                            + "credential for them, or decline the match.")
                }
            }
            try await matches.move(
                id: id, to: next, note: note?.trimmingCharacters(in: .whitespacesAndNewlines), on: connection)
            try await audit.record(scope.event("updateMentorMatch", record: ("mentor_match", id)), on: connection)
            guard let record = try await matches.find([id], on: connection).first else { throw AccessFailure.notFound }
            return record
        }
    }

    /// The best eligible mentor of the family's organization, for a referral plan's offer; the
    /// caller has already been authorized for the family.
    func bestMentor(for family: FamilyRecord, on connection: PostgresConnection) async throws -> MentorSuggestion? {
        let roster = try await volunteers.roster(organization: family.organizationID, on: connection)
        let moment = now()
        return MentorScoring.suggest(
            for: seeker(family, at: moment), among: roster.map { mentor($0, at: moment) }, limit: 1
        ).suggestions.first
    }

    // MARK: Conversions

    /// The volunteer as matching sees them at `moment`: eligibility on their own calendar day,
    /// hours converted at their zone's current offset.
    func mentor(_ record: VolunteerRecord, at moment: Date) -> MentorVolunteer {
        MentorVolunteer(
            id: record.id, experiences: Set(record.draft.experiences), ageBands: Set(record.draft.ageBands),
            languages: Set(record.draft.languages), gender: record.draft.gender, latitude: record.latitude,
            longitude: record.longitude, utcOffsetHours: MentorScoring.utcOffsetHours(record.timeZone, at: moment),
            availability: WeekHours(record.draft.availability, timeZone: record.timeZone, reference: moment),
            activeFamilies: record.activeFamilies, capacity: record.draft.capacity,
            ineligibility: record.ineligibility(on: CalendarDate(moment, timeZone: record.timeZone)))
    }

    func seeker(_ record: FamilyRecord, at moment: Date) -> MentorSeeker {
        let draft = record.draft
        return MentorSeeker(
            id: record.id, requestedOn: CalendarDate(record.waitingSince ?? moment, timeZone: "UTC"),
            situations: Set(draft.situations), childAgeBand: draft.childAgeBand, languages: draft.languages,
            preferredGender: draft.preferredMentorGender, sameLanguageRequired: draft.sameLanguageRequired,
            sameSituationPreferred: draft.sameSituationPreferred, latitude: record.latitude,
            longitude: record.longitude, utcOffsetHours: MentorScoring.utcOffsetHours(record.timeZone, at: moment),
            contactHours: draft.contactHours.isEmpty
                ? nil : WeekHours(draft.contactHours, timeZone: record.timeZone, reference: moment))
    }

    // MARK: Helpers

    private func family(_ id: UUID, on connection: PostgresConnection) async throws -> FamilyRecord {
        guard let record = try await families.find([id], on: connection).first else { throw AccessFailure.notFound }
        return record
    }

    private func check(_ draft: FamilyDraft, on connection: PostgresConnection) async throws {
        var errors: [FieldError] = []
        if try await PlaceRepository(logger: logger).find(draft.homeZip, on: connection) == nil {
            errors.append(FieldError(pointer: "/home_zip", detail: "Haven knows no ZIP code \(draft.homeZip)"))
        }
        for code in try await taxonomies.unknownCodes(draft.needs, in: .needs, on: connection) {
            errors.append(FieldError(pointer: "/needs", detail: "'\(code)' is not a need in the taxonomy"))
        }
        if !errors.isEmpty { throw AccessFailure.invalid(errors) }
    }
}
