import Foundation
import HavenAPI
import HavenCore
import HavenStorage
import PostgresNIO

/// What the family's document is made from, read in one connection.
struct DocumentSource: Sendable {
    var family: FamilyRecord
    var content: PlanContent
    var rows: [ReferralRecord]
    var services: [UUID: Components.Schemas.Service]
    var needNames: [String: String]
}

extension PlanService {
    /// The family's document for the plan's current version. Referrals the family is no longer
    /// following (declined, withdrawn) are left out; nothing internal goes in.
    func document(
        _ scope: RequestScope, id: String, format: String?, language: String?, showSensitiveNames: Bool?
    ) async throws -> (String, FamilyPlanDocument.Format) {
        let caller = try OrganizationScope.caller(scope)
        var errors: [FieldError] = []
        let format = FamilyPlanDocument.Format(rawValue: format ?? "html")
        if format == nil { errors.append(FieldError(pointer: "/format", detail: "must be html or md")) }
        let language = FamilyPlanDocument.Language(rawValue: language ?? "en")
        if language == nil { errors.append(FieldError(pointer: "/lang", detail: "must be en or es")) }
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        guard errors.isEmpty, let format, let language else { throw AccessFailure.invalid(errors) }
        let source: DocumentSource = try await postgres.withConnection { connection in
            guard let header = try await plans.header(id: id, on: connection) else { throw AccessFailure.notFound }
            try OrganizationScope.authorize(
                .getPlanDocument, caller, organization: header.organizationID, record: ("plan", id))
            guard let version = try await plans.version(planID: id, number: header.version, on: connection) else {
                throw AccessFailure.notFound
            }
            let record = try await self.family(header.familyID, on: connection)
            let rows = try await referrals.plan(id, on: connection)
            var services: [UUID: Components.Schemas.Service] = [:]
            let documents = ServiceDocuments(logger: logger, staleAfterDays: 365)
            for referral in version.content.referrals {
                if let document = try await documents.find(referral.serviceID, view: .redacted, on: connection) {
                    services[referral.serviceID] = try WireJSON.decode(
                        Components.Schemas.Service.self, from: document.json)
                }
            }
            let needNames = try await TaxonomyRepository(logger: logger).displayNames(
                of: version.content.needs, in: .needs, spanish: language == .es, on: connection)
            try await audit.record(scope.event("getPlanDocument", record: ("plan", id)), on: connection)
            return DocumentSource(
                family: record, content: version.content, rows: rows, services: services, needNames: needNames)
        }
        let (family, content, services, needNames) = (source.family, source.content, source.services, source.needNames)
        let lines = try await crisisLines(family, chosen: content.crisisContactIDs)
        let hideSensitive = family.draft.safeContact.sharedDevice && !(showSensitiveNames ?? content.showSensitiveNames)
        var status: [UUID: ReferralRecord] = [:]
        for row in source.rows { status[row.id] = row }
        let shown = content.referrals.filter { referral in
            let current: ReferralStatus = status[referral.id]?.status ?? .draft
            return current != .declined && current != .withdrawn
        }
        let items = shown.compactMap { referral -> FamilyPlanDocument.Service? in
            guard let service = services[referral.serviceID] else { return nil }
            let confidential = service.locations.contains { $0.confidential }
            let hidden =
                hideSensitive
                && SensitiveServices.isSensitive(needs: service.needs, confidentialLocation: confidential)
            var phones = service.phones.map(\.number)
            phones += service.locations.compactMap(\.intakePhone).filter { !phones.contains($0) }
            let address = service.locations.first { !$0.confidential && $0.address != nil }?.address.map {
                [$0.address1, $0.city, [$0.stateProvince, $0.postalCode].compactMap { $0 }.joined(separator: " ")]
                    .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
            }
            return FamilyPlanDocument.Service(
                name: hidden ? nil : service.name, organization: hidden ? nil : status[referral.id]?.recipientName,
                why: referral.reason, whatToExpect: referral.whatToExpect, phones: phones,
                url: hidden ? nil : service.url, address: hidden ? nil : address,
                hours: service.schedule.flatMap(CrisisSearch.schedule).map {
                    FamilyPlanDocument.hours($0, language: language)
                }, advocateConnects: referral.handoff == .warm)
        }
        let moment = now()
        let scheduled: [FollowUp] = content.followUps + content.referrals.compactMap(\.followUp)
        let next = scheduled.filter { !$0.isDone && $0.dueAt >= moment }.min { $0.dueAt < $1.dueAt }
        let document = FamilyPlanDocument(
            language: language, preparedOn: CalendarDate(moment, timeZone: family.timeZone), goals: content.goals,
            // A need's name tells as much as a service's: on a shared device, sensitive ones go too.
            needs: content.needs.filter { !hideSensitive || !SensitiveServices.isSensitive(need: $0) }
                .compactMap { needNames[$0] },
            services: items,
            crisisLines: lines.map { Self.crisisLine($0, language: language) },
            mentorOffered: content.mentor != nil, safetyNotes: content.safetyNotes,
            nextCheckIn: next.map { FamilyPlanDocument.checkIn($0, timeZone: family.timeZone, language: language) })
        return (document.render(format), format)
    }

    /// Each way to reach a crisis line, in words: "Call 988 (24/7)", "Text HELLO to 741741".
    static func crisisLine(_ line: Components.Schemas.CrisisSearchResult, language: FamilyPlanDocument.Language)
        -> FamilyPlanDocument.CrisisLine
    {
        let english = language == .en
        let allDay = !line.channels.isEmpty && line.channels.allSatisfy { $0.open?.alwaysOpen == true }
        let ways = line.channels.map { channel -> String in
            var text: String
            switch channel.channel {
            case "voice": text = english ? "Call \(channel.value)" : "Llama al \(channel.value)"
            case "sms":
                text =
                    channel.keyword.map {
                        english
                            ? "Text \($0) to \(channel.value)" : "Envía \($0) por mensaje de texto al \(channel.value)"
                    } ?? (english ? "Text \(channel.value)" : "Envía un mensaje de texto al \(channel.value)")
            case "chat": text = english ? "Chat online: \(channel.value)" : "Chat en línea: \(channel.value)"
            default: text = english ? "Online: \(channel.value)" : "En línea: \(channel.value)"
            }
            if channel.open?.alwaysOpen == true && !allDay {
                text += english ? " (24/7)" : " (24 horas, todos los días)"
            }
            // A family reading Spanish should not find out on the phone that a way is answered in
            // English only.
            if !english && channel.languages.contains("en") && !channel.languages.contains("es")
                && channel.interpretation != true
            {
                text += " (en inglés)"
            }
            return text
        }
        // A Spanish document says what to expect only in Spanish, where Haven has a translation of
        // the current English text (Seeds/reference/national-crisis-contacts.es.csv).
        return .init(
            name: line.name, ways: ways, whatToExpect: english ? line.whatToExpect : line.whatToExpectEs,
            alwaysOpen: allDay)
    }
}
