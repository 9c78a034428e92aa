import Foundation
import HavenAPI
import HavenCore
import HavenStorage

/// Families, suggestions, plans and matches: translates between the API's types and
/// `MatchingService`.
struct MatchingHandler: Sendable {
    let service: MatchingService

    var scope: RequestScope {
        get throws {
            guard let scope = RequestScope.current else { throw HTTPProblem.internalError() }
            return scope
        }
    }

    func createFamily(_ input: Operations.CreateFamily.Input) async throws -> Operations.CreateFamily.Output {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let record = try await service.createFamily(try scope, try WireJSON.convert(body, to: FamilyInput.self))
        return .created(
            .init(
                headers: .init(eTag: ETag.value(record.version)), body: .json(try Self.document(record, for: try scope))
            ))
    }

    func getFamily(_ input: Operations.GetFamily.Input) async throws -> Operations.GetFamily.Output {
        let record = try await service.family(try scope, id: input.path.id)
        return .ok(
            .init(
                headers: .init(eTag: ETag.value(record.version)), body: .json(try Self.document(record, for: try scope))
            ))
    }

    func replaceFamily(_ input: Operations.ReplaceFamily.Input) async throws -> Operations.ReplaceFamily.Output {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let record = try await service.replaceFamily(
            try scope, id: input.path.id, ifMatch: input.headers.ifMatch,
            try WireJSON.convert(body, to: FamilyInput.self))
        return .ok(
            .init(
                headers: .init(eTag: ETag.value(record.version)), body: .json(try Self.document(record, for: try scope))
            ))
    }

    func requestMentor(_ input: Operations.RequestMentor.Input) async throws -> Operations.RequestMentor.Output {
        let record = try await service.requestMentor(try scope, id: input.path.id)
        return .created(.init(body: .json(try Self.document(record, for: try scope))))
    }

    func suggestMentors(_ input: Operations.SuggestMentors.Input) async throws -> Operations.SuggestMentors.Output {
        let result = try await service.suggest(try scope, familyID: input.path.id, limit: input.query.limit)
        let data = result.suggestions.map {
            Components.Schemas.MentorSuggestion(
                volunteerId: $0.volunteerID.uuidString.lowercased(), volunteerName: result.names[$0.volunteerID] ?? "",
                score: $0.score, reasons: $0.reasons)
        }
        return .ok(.init(body: .json(.init(data: data, excluded: Self.excluded(result.exclusions)))))
    }

    func planMentorMatches(_ input: Operations.PlanMentorMatches.Input) async throws
        -> Operations.PlanMentorMatches.Output
    {
        var commit = false
        if case .json(let body) = input.body { commit = body.commit ?? false }
        let result = try await service.plan(try scope, commit: commit)
        let matches = result.plan.matches.map { match in
            Components.Schemas.PlannedMatch(
                familyId: match.familyID.uuidString.lowercased(),
                familyReference: result.families[match.familyID]?.draft.reference ?? "",
                volunteerId: match.volunteerID.uuidString.lowercased(),
                volunteerName: result.volunteerNames[match.volunteerID] ?? "", score: match.score,
                reasons: match.reasons, matchId: result.committed[match.familyID]?.uuidString.lowercased())
        }
        let unmatched = result.plan.unmatched.map { family in
            Components.Schemas.UnmatchedFamily(
                familyId: family.familyID.uuidString.lowercased(),
                familyReference: result.families[family.familyID]?.draft.reference ?? "", reason: family.reason,
                excluded: Self.excluded(family.exclusions))
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        committed: commit, waiting: result.waiting, matches: matches, unmatched: unmatched,
                        totalScore: Double(result.plan.totalPoints) / 100))))
    }

    func listMentorMatches(_ input: Operations.ListMentorMatches.Input) async throws
        -> Operations.ListMentorMatches.Output
    {
        let found = try await service.list(try scope, status: input.query.status)
        return .ok(.init(body: .json(.init(data: found.map(Self.document)))))
    }

    func createMentorMatch(_ input: Operations.CreateMentorMatch.Input) async throws
        -> Operations.CreateMentorMatch.Output
    {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let match = try await service.propose(try scope, familyID: body.familyId, volunteerID: body.volunteerId)
        return .created(.init(body: .json(Self.document(match))))
    }

    func updateMentorMatch(_ input: Operations.UpdateMentorMatch.Input) async throws
        -> Operations.UpdateMentorMatch.Output
    {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let match = try await service.move(
            try scope, id: input.path.id, to: body.status, note: body.status == "closed" ? body.outcome : body.reason)
        return .ok(.init(body: .json(Self.document(match))))
    }

    static func excluded(_ exclusions: MentorExclusions) -> [Components.Schemas.ExcludedCount] {
        MentorConstraint.allCases.compactMap { constraint in
            exclusions.counts[constraint].map {
                .init(constraint: constraint.rawValue, label: constraint.label, volunteers: $0)
            }
        }
    }

    static func document(_ match: MentorMatchRecord) -> Components.Schemas.MentorMatch {
        .init(
            id: match.id.uuidString.lowercased(), familyId: match.familyID.uuidString.lowercased(),
            volunteerId: match.volunteerID.uuidString.lowercased(), status: match.status.rawValue, score: match.score,
            reasons: match.reasons, declineReason: match.declineReason, outcome: match.outcome,
            proposedAt: match.proposedAt, acceptedAt: match.acceptedAt, activatedAt: match.activatedAt,
            declinedAt: match.declinedAt, closedAt: match.closedAt)
    }

    static func document(_ record: FamilyRecord, for scope: RequestScope) throws -> Components.Schemas.Family {
        var draft = record.draft
        if let role = scope.caller?.role, !AccessPolicy.seesFamilyContact(role) {
            (draft.safeContact.phone, draft.safeContact.email) = (nil, nil)
            (draft.safeContact.safeWord, draft.safeContact.callbackNote) = (nil, nil)
        }
        let body = FamilyDocument(
            id: record.id.uuidString.lowercased(), organizationId: record.organizationID.uuidString.lowercased(),
            reference: draft.reference, homeZip: draft.homeZip.digits, timeZone: record.timeZone,
            languages: draft.languages, situations: draft.situations.map(\.rawValue),
            childAgeBand: draft.childAgeBand?.rawValue, needs: draft.needs,
            preferredMentorGender: draft.preferredMentorGender?.rawValue,
            sameLanguageRequired: draft.sameLanguageRequired, sameSituationPreferred: draft.sameSituationPreferred,
            contactHours: draft.contactHours.map(VolunteerDocument.HoursDocument.init),
            children: draft.children.map { FamilyDocument.ChildDocument(age: $0) },
            safeContact: FamilyDocument.SafeContactDocument(draft.safeContact), wantsMentor: draft.wantsMentor,
            waitingSince: record.waitingSince.map(VolunteerHandler.timestamp), version: record.version,
            createdAt: VolunteerHandler.timestamp(record.createdAt),
            updatedAt: VolunteerHandler.timestamp(record.updatedAt))
        return try WireJSON.decode(Components.Schemas.Family.self, from: try VolunteerDocument.encoder.encode(body))
    }
}

/// A family as the API writes it.
struct FamilyDocument: Encodable {
    var id: String
    var organizationId: String
    var reference: String
    var homeZip: String
    var timeZone: String
    var languages: [String]
    var situations: [String]
    var childAgeBand: String?
    var needs: [String]
    var preferredMentorGender: String?
    var sameLanguageRequired: Bool
    var sameSituationPreferred: Bool
    var contactHours: [VolunteerDocument.HoursDocument]
    var children: [ChildDocument]
    var safeContact: SafeContactDocument
    var wantsMentor: Bool
    var waitingSince: String?
    var version: Int
    var createdAt: String
    var updatedAt: String
}

extension FamilyDocument {
    struct ChildDocument: Encodable {
        var age: Int
    }

    struct SafeContactDocument: Encodable {
        var channels: [String]
        var safeTimes: [VolunteerDocument.HoursDocument]
        var noTexts: Bool
        var sharedDevice: Bool
        var phone: String?
        var email: String?
        var safeWord: String?
        var callbackNote: String?

        init(_ preferences: SafeContactPreferences) {
            channels = preferences.channels.map(\.rawValue)
            safeTimes = preferences.safeTimes.map(VolunteerDocument.HoursDocument.init)
            noTexts = preferences.noTexts
            sharedDevice = preferences.sharedDevice
            phone = preferences.phone
            email = preferences.email
            safeWord = preferences.safeWord
            callbackNote = preferences.callbackNote
        }
    }
}
