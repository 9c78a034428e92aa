import Foundation
import HavenAPI
import HavenCore
import HavenStorage
import OpenAPIRuntime

/// Consents, plans, referrals and follow-ups: translates between the API's types and
/// `PlanService`.
struct PlanHandler: Sendable {
    let service: PlanService

    var scope: RequestScope {
        get throws {
            guard let scope = RequestScope.current else { throw HTTPProblem.internalError() }
            return scope
        }
    }

    // MARK: Consents

    func createConsent(_ input: Operations.CreateConsent.Input) async throws -> Operations.CreateConsent.Output {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let consent = ConsentInput(
            givenBy: body.givenBy, relationship: body.relationship,
            recipientOrganizationId: body.recipientOrganizationId,
            purposes: body.purposes, categories: body.categories, givenAt: body.givenAt,
            expiresOn: body.expiresOn.description)
        let (family, record) = try await service.createConsent(try scope, familyID: input.path.id, consent)
        return .created(.init(body: .json(document(record, timeZone: family.timeZone))))
    }

    func listConsents(_ input: Operations.ListConsents.Input) async throws -> Operations.ListConsents.Output {
        let (family, records) = try await service.listConsents(try scope, familyID: input.path.id)
        return .ok(.init(body: .json(.init(data: records.map { document($0, timeZone: family.timeZone) }))))
    }

    func revokeConsent(_ input: Operations.RevokeConsent.Input) async throws -> Operations.RevokeConsent.Output {
        let (family, record) = try await service.revokeConsent(try scope, id: input.path.id)
        return .ok(.init(body: .json(document(record, timeZone: family.timeZone))))
    }

    private func document(_ record: ConsentRecord, timeZone: String) -> Components.Schemas.Consent {
        let moment = service.now()
        let consent = record.consent
        return .init(
            id: record.id.uuidString.lowercased(), familyId: record.familyID.uuidString.lowercased(),
            givenBy: record.draft.givenBy, relationship: record.draft.relationship.rawValue,
            recipientOrganizationId: record.draft.recipientOrganizationID.uuidString.lowercased(),
            purposes: SharingPurpose.allCases.filter(consent.purposes.contains).map(\.rawValue),
            categories: InformationCategory.allCases.filter(consent.categories.contains).map(\.rawValue),
            givenAt: consent.givenAt, expiresOn: record.draft.expiresOn.description,
            active: consent.isActive(at: moment, today: CalendarDate(moment, timeZone: timeZone)),
            recordedAt: record.recordedAt, revokedAt: record.revokedAt)
    }

    // MARK: Plans

    func createPlan(_ input: Operations.CreatePlan.Input) async throws -> Operations.CreatePlan.Output {
        var options = PlanService.BuildOptions()
        if case .json(let body) = input.body {
            options.goals = body.goals ?? []
            options.perNeed = body.servicesPerNeed ?? options.perNeed
        }
        let view = try await service.createPlan(try scope, familyID: input.path.id, options: options)
        return .created(.init(headers: .init(eTag: ETag.value(view.header.version)), body: .json(try document(view))))
    }

    func getPlan(_ input: Operations.GetPlan.Input) async throws -> Operations.GetPlan.Output {
        let view = try await service.plan(try scope, id: input.path.id)
        return .ok(.init(headers: .init(eTag: ETag.value(view.header.version)), body: .json(try document(view))))
    }

    func getPlanVersion(_ input: Operations.GetPlanVersion.Input) async throws -> Operations.GetPlanVersion.Output {
        let view = try await service.plan(try scope, id: input.path.id, version: input.path.version)
        return .ok(.init(body: .json(try document(view))))
    }

    func replacePlan(_ input: Operations.ReplacePlan.Input) async throws -> Operations.ReplacePlan.Output {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let view = try await service.replacePlan(
            try scope, id: input.path.id, ifMatch: input.headers.ifMatch, try WireJSON.convert(body, to: PlanInput.self)
        )
        return .ok(.init(headers: .init(eTag: ETag.value(view.header.version)), body: .json(try document(view))))
    }

    private func document(_ view: PlanService.PlanView) throws -> Components.Schemas.Plan {
        let content = view.version.content
        let moment = service.now()
        let today = CalendarDate(moment, timeZone: view.family.timeZone)
        let referrals = content.referrals.map { referral -> Components.Schemas.PlanReferral in
            let row = view.referrals[referral.id]
            var problems: [String] = []
            if referral.handoff == .warm, let row,
                case .refused(let missing) = ConsentGate.decide(
                    .warm, recipient: row.recipientOrganizationID, purpose: .serviceReferral,
                    categories: referral.shares, consents: view.consents, at: moment, today: today)
            {
                problems = missing
            }
            return .init(
                id: referral.id.uuidString.lowercased(), serviceId: referral.serviceID.uuidString.lowercased(),
                serviceName: row?.serviceName ?? "",
                recipientOrganizationId: (row?.recipientOrganizationID).map { $0.uuidString.lowercased() } ?? "",
                recipientName: row?.recipientName ?? "", reason: referral.reason, whatToExpect: referral.whatToExpect,
                handoff: referral.handoff.rawValue, share: Self.names(referral.shares),
                followUp: referral.followUp.map(Self.document), status: (row?.status ?? .draft).rawValue,
                consentProblems: problems, searchReasons: referral.searchReasons ?? [])
        }
        let crisis = view.crisisContacts.map {
            Components.Schemas.PlanCrisisContact(id: $0.id, name: $0.name, reachesBy: $0.reachesBy)
        }
        return .init(
            id: view.header.id.uuidString.lowercased(), familyId: view.header.familyID.uuidString.lowercased(),
            version: view.version.version, currentVersion: view.header.version, savedAt: view.version.savedAt,
            createdAt: view.header.createdAt, goals: content.goals, needs: content.needs, referrals: referrals,
            crisisContacts: crisis,
            mentor: .init(
                offered: content.mentor != nil, volunteerId: content.mentor?.volunteerID?.uuidString.lowercased(),
                reasons: content.mentor?.reasons ?? []),
            safetyNotes: content.safetyNotes, internalNotes: content.internalNotes,
            followUps: content.followUps.map(Self.document), showSensitiveNames: content.showSensitiveNames,
            languageWarnings: view.warnings.map {
                .init(
                    pointer: $0.pointer, found: $0.finding.found, prefer: $0.finding.prefer,
                    severity: $0.finding.severity.rawValue, basis: $0.finding.basis)
            })
    }

    func getPlanDocument(_ input: Operations.GetPlanDocument.Input) async throws -> Operations.GetPlanDocument.Output {
        let (text, format) = try await service.document(
            try scope, id: input.path.id, format: input.query.format, language: input.query.lang,
            showSensitiveNames: input.query.showSensitiveNames)
        let body = HTTPBody(text)
        return .ok(.init(body: format == .html ? .html(body) : .textMarkdown(body)))
    }

    static func document(_ followUp: FollowUp) -> Components.Schemas.FollowUp {
        .init(dueAt: followUp.dueAt, channel: followUp.channel.rawValue, note: followUp.note, doneAt: followUp.doneAt)
    }

    static func names(_ categories: Set<InformationCategory>) -> [String] {
        InformationCategory.allCases.filter(categories.contains).map(\.rawValue)
    }

    // MARK: Referrals

    func listReferrals(_ input: Operations.ListReferrals.Input) async throws -> Operations.ListReferrals.Output {
        let (page, shares) = try await service.listReferrals(
            try scope, status: input.query.status, limit: input.query.limit, cursor: input.query.cursor)
        let data = page.items.compactMap { referral in
            shares[referral.id].map { document(referral, $0) }
        }
        return .ok(.init(body: .json(.init(data: data, nextCursor: page.nextCursor))))
    }

    func getReferral(_ input: Operations.GetReferral.Input) async throws -> Operations.GetReferral.Output {
        let (referral, share) = try await service.referral(try scope, id: input.path.id)
        return .ok(.init(body: .json(document(referral, share))))
    }

    func updateReferral(_ input: Operations.UpdateReferral.Input) async throws -> Operations.UpdateReferral.Output {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let note = body.status == "declined" ? body.reason : (body.outcome ?? body.reason)
        let (referral, share) = try await service.moveReferral(
            try scope, id: input.path.id, to: body.status, note: note)
        return .ok(.init(body: .json(document(referral, share))))
    }

    /// A referral with the family's information limited to the categories the reader may see.
    private func document(_ referral: ReferralRecord, _ share: ReferralShare) -> Components.Schemas.Referral {
        let draft = share.family.draft
        let shown = share.categories
        var contact: Components.Schemas.SafeContact?
        if shown.contains(.contact) || shown.contains(.safety) {
            let prefs = draft.safeContact
            contact = .init(
                channels: shown.contains(.contact) ? prefs.channels.map(\.rawValue) : nil,
                safeTimes: shown.contains(.contact) ? Self.hours(prefs.safeTimes) : nil,
                noTexts: prefs.noTexts,
                sharedDevice: shown.contains(.safety) ? prefs.sharedDevice : nil,
                phone: shown.contains(.contact) ? prefs.phone : nil,
                email: shown.contains(.contact) ? prefs.email : nil,
                safeWord: shown.contains(.safety) ? prefs.safeWord : nil,
                callbackNote: shown.contains(.safety) ? prefs.callbackNote : nil)
        }
        let family = Components.Schemas.SharedFamily(
            categories: Self.names(shown),
            reference: shown.contains(.contact) ? draft.reference : nil,
            needs: shown.contains(.needs) ? draft.needs : nil,
            situations: shown.contains(.situation) ? draft.situations.map(\.rawValue) : nil,
            children: shown.contains(.children) ? draft.children.map { .init(age: $0) } : nil,
            languages: shown.contains(.contact) || shown.contains(.needs) ? draft.languages : nil,
            contact: contact,
            timeZone: shown.contains(.contact) ? share.family.timeZone : nil)
        return .init(
            id: referral.id.uuidString.lowercased(),
            planId: share.isRecipientView ? nil : referral.planID.uuidString.lowercased(),
            serviceId: referral.serviceID.uuidString.lowercased(), serviceName: referral.serviceName,
            organizationId: referral.organizationID.uuidString.lowercased(),
            recipientOrganizationId: referral.recipientOrganizationID.uuidString.lowercased(),
            recipientName: referral.recipientName, handoff: referral.handoff.rawValue, status: referral.status.rawValue,
            declineReason: referral.declineReason,
            // Why the family's side withdrew is its own note about the family: not the recipient's.
            outcome: share.isRecipientView && referral.status == .withdrawn ? nil : referral.outcome,
            sentAt: referral.sentAt,
            answeredAt: referral.answeredAt, connectedAt: referral.connectedAt, closedAt: referral.closedAt,
            updatedAt: referral.updatedAt, family: family,
            consentProblems: share.isRecipientView ? nil : share.consentProblems)
    }

    static func hours(_ hours: [OpeningHours]) -> [Components.Schemas.WeeklyHours] {
        hours.map {
            .init(
                byday: $0.days.map(\.rawValue).joined(separator: ","), opensAt: $0.opens.description,
                closesAt: $0.closes.description)
        }
    }

    // MARK: Follow-ups

    func listFollowUps(_ input: Operations.ListFollowUps.Input) async throws -> Operations.ListFollowUps.Output {
        let due = try await service.followUps(try scope, dueBefore: input.query.dueBefore, limit: input.query.limit)
        let data = due.map { item -> Components.Schemas.DueFollowUp in
            let prefs = item.family.draft.safeContact
            return .init(
                id: item.row.id.uuidString.lowercased(), familyId: item.family.id.uuidString.lowercased(),
                familyReference: item.family.draft.reference, planId: item.row.planID.uuidString.lowercased(),
                referralId: item.row.referralID?.uuidString.lowercased(), serviceName: item.serviceName,
                dueAt: item.row.dueAt, channel: item.row.channel.rawValue, note: item.note,
                safeTimes: prefs.safeTimesText, timeZone: item.family.timeZone, noTexts: prefs.noTexts,
                sharedDevice: prefs.sharedDevice, callbackNote: prefs.callbackNote, warning: item.problem)
        }
        return .ok(.init(body: .json(.init(data: data))))
    }
}
