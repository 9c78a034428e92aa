import Foundation
import HavenAPI
import HavenCore
import HavenStorage

/// The volunteer roster: translates between the API's types and `VolunteerService`.
struct VolunteerHandler: Sendable {
    let service: VolunteerService

    var scope: RequestScope {
        get throws {
            guard let scope = RequestScope.current else { throw HTTPProblem.internalError() }
            return scope
        }
    }

    func listVolunteers(_ input: Operations.ListVolunteers.Input) async throws -> Operations.ListVolunteers.Output {
        let page = try await service.list(
            try scope, status: input.query.status, limit: input.query.limit, cursor: input.query.cursor)
        return .ok(.init(body: .json(.init(data: try page.items.map(document), nextCursor: page.nextCursor))))
    }

    func createVolunteer(_ input: Operations.CreateVolunteer.Input) async throws -> Operations.CreateVolunteer.Output {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let record = try await service.create(try scope, try WireJSON.convert(body, to: VolunteerInput.self))
        return .created(.init(headers: .init(eTag: ETag.value(record.version)), body: .json(try document(record))))
    }

    func getVolunteer(_ input: Operations.GetVolunteer.Input) async throws -> Operations.GetVolunteer.Output {
        let record = try await service.volunteer(try scope, id: input.path.id)
        return .ok(.init(headers: .init(eTag: ETag.value(record.version)), body: .json(try document(record))))
    }

    func replaceVolunteer(_ input: Operations.ReplaceVolunteer.Input) async throws -> Operations.ReplaceVolunteer.Output
    {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let record = try await service.replace(
            try scope, id: input.path.id, ifMatch: input.headers.ifMatch,
            try WireJSON.convert(body, to: VolunteerInput.self))
        return .ok(.init(headers: .init(eTag: ETag.value(record.version)), body: .json(try document(record))))
    }

    func addVolunteerCredential(_ input: Operations.AddVolunteerCredential.Input) async throws
        -> Operations.AddVolunteerCredential.Output
    {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let record = try await service.addCredential(
            try scope, id: input.path.id, try WireJSON.convert(body, to: CredentialInput.self))
        return .created(.init(headers: .init(eTag: ETag.value(record.version)), body: .json(try document(record))))
    }

    func listExpiringCredentials(_ input: Operations.ListExpiringCredentials.Input) async throws
        -> Operations.ListExpiringCredentials.Output
    {
        let (items, within) = try await service.expiring(try scope, withinDays: input.query.withinDays)
        let data = items.map { item, today in
            Components.Schemas.ExpiringCredential(
                volunteerId: item.volunteerID.uuidString.lowercased(), volunteerName: item.volunteerName,
                volunteerStatus: item.volunteerStatus.rawValue,
                credential: Self.credential(item.credential, today: today),
                daysLeft: today.days(until: item.credential.credential.expiresOn ?? today))
        }
        return .ok(.init(body: .json(.init(data: data, withinDays: within))))
    }

    /// The API's view of a volunteer, with today's eligibility where the volunteer lives.
    func document(_ record: VolunteerRecord) throws -> Components.Schemas.Volunteer {
        let today = service.today(for: record)
        let problem = record.ineligibility(on: today)
        let draft = record.draft
        let body = VolunteerDocument(
            id: record.id.uuidString.lowercased(), organizationId: record.organizationID.uuidString.lowercased(),
            name: draft.name,
            contacts: draft.contacts.map { .init(channel: $0.channel, value: $0.value, note: $0.note) },
            homeZip: draft.homeZip.digits, timeZone: record.timeZone, languages: draft.languages,
            livedExperience: draft.experiences.map(\.rawValue), ageBands: draft.ageBands.map(\.rawValue),
            gender: draft.gender?.rawValue,
            availability: draft.availability.map(VolunteerDocument.HoursDocument.init),
            away: draft.away.map { .init(startsOn: $0.startsOn.description, endsOn: $0.endsOn.description) },
            capacity: draft.capacity, status: draft.status.rawValue,
            credentials: record.credentials.map { Self.document($0, today: today) },
            activeFamilies: record.activeFamilies,
            eligibility: .init(
                eligible: problem == nil, reason: problem?.explanation, constraint: problem?.constraint.rawValue),
            version: record.version, createdAt: Self.timestamp(record.createdAt),
            updatedAt: Self.timestamp(record.updatedAt))
        return try WireJSON.decode(
            Components.Schemas.Volunteer.self, from: try VolunteerDocument.encoder.encode(body))
    }

    static func credential(_ stored: StoredCredential, today: CalendarDate) -> Components.Schemas.Credential {
        let document = document(stored, today: today)
        return .init(
            id: document.id, kind: document.kind, name: document.name, issuedOn: document.issuedOn,
            expiresOn: document.expiresOn, validToday: document.validToday)
    }

    static func document(_ stored: StoredCredential, today: CalendarDate) -> VolunteerDocument.CredentialDocument {
        .init(
            id: stored.id.uuidString.lowercased(), kind: stored.credential.kind.rawValue, name: stored.credential.name,
            issuedOn: stored.credential.issuedOn.description, expiresOn: stored.credential.expiresOn?.description,
            validToday: stored.credential.isValid(on: today))
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .omitted))
    }
}

/// A volunteer as the API writes it, encoded with the contract's field names.
struct VolunteerDocument: Encodable {
    struct ContactDocument: Encodable {
        var channel: String
        var value: String
        var note: String?
    }

    struct HoursDocument: Encodable {
        var byday: String
        var opensAt: String
        var closesAt: String

        init(_ hours: OpeningHours) {
            byday = hours.days.map(\.rawValue).joined(separator: ",")
            opensAt = hours.opens.description
            closesAt = hours.closes.description
        }
    }

    struct AwayDocument: Encodable {
        var startsOn: String
        var endsOn: String
    }

    struct CredentialDocument: Encodable {
        var id: String
        var kind: String
        var name: String
        var issuedOn: String
        var expiresOn: String?
        var validToday: Bool
    }

    struct EligibilityDocument: Encodable {
        var eligible: Bool
        var reason: String?
        var constraint: String?
    }

    var id: String
    var organizationId: String
    var name: String
    var contacts: [ContactDocument]
    var homeZip: String
    var timeZone: String
    var languages: [String]
    var livedExperience: [String]
    var ageBands: [String]
    var gender: String?
    var availability: [HoursDocument]
    var away: [AwayDocument]
    var capacity: Int
    var status: String
    var credentials: [CredentialDocument]
    var activeFamilies: Int
    var eligibility: EligibilityDocument
    var version: Int
    var createdAt: String
    var updatedAt: String

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }()
}
