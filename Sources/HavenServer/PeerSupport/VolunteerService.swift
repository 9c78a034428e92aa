import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

/// The volunteer roster: coordinators keep their organization's volunteers and credentials;
/// admins oversee every roster. Every read and write of a volunteer is audited, since each one
/// opens a volunteer's name and contacts.
struct VolunteerService: Sendable {
    let postgres: PostgresClient
    let logger: Logger
    let volunteers: VolunteerRepository
    let audit: AuditLog
    /// Today's date for eligibility; a parameter so tests can set the day.
    let now: @Sendable () -> Date

    init(postgres: PostgresClient, cipher: FieldCipher, logger: Logger, now: @escaping @Sendable () -> Date = Date.init)
    {
        self.postgres = postgres
        self.logger = logger
        volunteers = VolunteerRepository(logger: logger, cipher: cipher)
        audit = AuditLog(logger: logger)
        self.now = now
    }

    static let maximumWithinDays = 365

    func list(_ scope: RequestScope, status: String?, limit: Int?, cursor: String?) async throws -> Page<
        VolunteerRecord
    > {
        let caller = try OrganizationScope.caller(scope)
        let limit = try Paging.limit(limit)
        var wanted: VolunteerStatus?
        if let status {
            guard let parsed = VolunteerStatus(rawValue: status) else {
                throw AccessFailure.invalid([
                    FieldError(pointer: "/status", detail: "must be onboarding, active, paused or retired")
                ])
            }
            wanted = parsed
        }
        var after: UUID?
        if let cursor {
            guard let value = OpaqueCursor(encoded: cursor)?.values.first, let id = UUID(uuidString: value) else {
                throw AccessFailure.unknownCursor
            }
            after = id
        }
        let found = try await postgres.withConnection { connection in
            let found = try await volunteers.page(
                organization: OrganizationScope.of(caller), status: wanted, after: after, limit: limit + 1,
                on: connection)
            try await audit.record(scope.event("listVolunteers", record: ("volunteer", nil)), on: connection)
            return found
        }
        let page = Paging.page(found, limit: limit) { OpaqueCursor(values: [$0.id.uuidString.lowercased()]).encoded }
        return Page(items: page.items, nextCursor: page.nextCursor)
    }

    func create(_ scope: RequestScope, _ input: VolunteerInput) async throws -> VolunteerRecord {
        let caller = try OrganizationScope.caller(scope)
        let draft = try DirectoryService.valid(input.validate())
        guard let organization = caller.organizationID.flatMap(UUID.init(uuidString:)) else {
            throw AccessFailure.invalid([
                FieldError(
                    pointer: "", detail: "your account belongs to no organization, so the volunteer has no roster")
            ])
        }
        let id = UUID()
        return try await postgres.transaction(logger: logger) { connection in
            try await checkZIP(draft.homeZip, on: connection)
            try await volunteers.insert(id: id, organizationID: organization, draft, on: connection)
            try await audit.record(scope.event("createVolunteer", record: ("volunteer", id)), on: connection)
            return try await read(id, on: connection)
        }
    }

    func volunteer(_ scope: RequestScope, id: String) async throws -> VolunteerRecord {
        let caller = try OrganizationScope.caller(scope)
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        return try await postgres.withConnection { connection in
            let record = try await read(id, on: connection)
            try OrganizationScope.authorize(
                .getVolunteer, caller, organization: record.organizationID, record: ("volunteer", id))
            try await audit.record(scope.event("getVolunteer", record: ("volunteer", id)), on: connection)
            return record
        }
    }

    func replace(_ scope: RequestScope, id: String, ifMatch: String?, _ input: VolunteerInput) async throws
        -> VolunteerRecord
    {
        let caller = try OrganizationScope.caller(scope)
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        let draft = try DirectoryService.valid(input.validate())
        return try await postgres.transaction(logger: logger) { connection in
            guard let current = try await volunteers.lock(id: id, on: connection) else { throw AccessFailure.notFound }
            try OrganizationScope.authorize(
                .replaceVolunteer, caller, organization: current.organizationID, record: ("volunteer", id))
            try ETag.check(ifMatch, current: current.version)
            try await checkZIP(draft.homeZip, on: connection)
            try await volunteers.update(id: id, draft, on: connection)
            try await audit.record(scope.event("replaceVolunteer", record: ("volunteer", id)), on: connection)
            return try await read(id, on: connection)
        }
    }

    func addCredential(_ scope: RequestScope, id: String, _ input: CredentialInput) async throws -> VolunteerRecord {
        let caller = try OrganizationScope.caller(scope)
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        let credential = try DirectoryService.valid(input.validate())
        return try await postgres.transaction(logger: logger) { connection in
            guard let current = try await volunteers.lock(id: id, on: connection) else { throw AccessFailure.notFound }
            try OrganizationScope.authorize(
                .addVolunteerCredential, caller, organization: current.organizationID, record: ("volunteer", id))
            try await volunteers.addCredential(
                id: UUID(), volunteerID: id, credential, recordedBy: UUID(uuidString: caller.userID), on: connection)
            try await volunteers.touch(id: id, on: connection)
            try await audit.record(scope.event("addVolunteerCredential", record: ("volunteer", id)), on: connection)
            return try await read(id, on: connection)
        }
    }

    /// Credentials lapsing from today through `withinDays`, each judged on its volunteer's own
    /// calendar day (as eligibility is), with that day.
    func expiring(_ scope: RequestScope, withinDays: Int?) async throws -> (
        items: [(credential: ExpiringCredential, today: CalendarDate)], withinDays: Int
    ) {
        let caller = try OrganizationScope.caller(scope)
        let within = withinDays ?? 30
        guard (0...Self.maximumWithinDays).contains(within) else {
            throw AccessFailure.invalid([
                FieldError(pointer: "/within_days", detail: "must be from 0 to \(Self.maximumWithinDays) days")
            ])
        }
        // Every zone's today is within a day of UTC's: read a day either side, then keep what
        // falls in each volunteer's own window.
        let moment = now()
        let utc = CalendarDate(moment, timeZone: "UTC")
        let found = try await postgres.withConnection { connection in
            let found = try await volunteers.expiring(
                organization: OrganizationScope.of(caller), from: utc.adding(days: -1),
                through: utc.adding(days: within + 1), on: connection)
            try await audit.record(scope.event("listExpiringCredentials", record: ("volunteer", nil)), on: connection)
            return found
        }
        let items = found.compactMap { item -> (credential: ExpiringCredential, today: CalendarDate)? in
            let today = CalendarDate(moment, timeZone: item.timeZone)
            guard let expires = item.credential.credential.expiresOn,
                today <= expires && expires <= today.adding(days: within)
            else { return nil }
            return (item, today)
        }
        return (items, within)
    }

    /// Today where the volunteer lives, for their eligibility.
    func today(for record: VolunteerRecord) -> CalendarDate { CalendarDate(now(), timeZone: record.timeZone) }

    private func read(_ id: UUID, on connection: PostgresConnection) async throws -> VolunteerRecord {
        guard let record = try await volunteers.find([id], on: connection).first else { throw AccessFailure.notFound }
        return record
    }

    private func checkZIP(_ zip: ZIPCode, on connection: PostgresConnection) async throws {
        if try await PlaceRepository(logger: logger).find(zip, on: connection) == nil {
            throw AccessFailure.invalid([FieldError(pointer: "/home_zip", detail: "Haven knows no ZIP code \(zip)")])
        }
    }
}
