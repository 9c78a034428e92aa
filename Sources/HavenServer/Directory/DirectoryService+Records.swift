import Foundation
import HavenCore
import HavenStorage
import PostgresNIO

/// Organizations and locations: the same rules as services (validation, If-Match, audit in
/// the write's transaction, confidential redaction), with their own checks.
extension DirectoryService {
    var recordDocuments: RecordDocuments { RecordDocuments(logger: logger, staleAfterDays: staleAfterDays) }

    // MARK: Organizations

    func organization(_ scope: RequestScope, id: String) async throws -> RecordDocument {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        guard
            let document = try await postgres.withConnection({
                try await recordDocuments.organizations([id], on: $0).first
            })
        else { throw AccessFailure.notFound }
        return document
    }

    func organizations(_ scope: RequestScope, limit: Int?, cursor: String?) async throws -> Page<RecordDocument> {
        let (limit, after) = try Paging.parse(limit: limit, cursor: cursor)
        let found = try await postgres.withConnection {
            try await recordDocuments.organizationPage(after: after, limit: limit + 1, on: $0)
        }
        let page = Paging.page(found, limit: limit) { $0.1.encoded }
        return Page(items: page.items.map(\.0), nextCursor: page.nextCursor)
    }

    func createOrganization(_ scope: RequestScope, _ input: OrganizationInput) async throws -> RecordDocument {
        let draft = try Self.valid(input.validate())
        let id = UUID()
        return try await writeRecord(scope, .organization, action: "createOrganization", id: id) { connection in
            try await checkParent(of: draft, on: connection)
            try await organizations.save(id: id, draft, on: connection)
        }
    }

    func replaceOrganization(_ scope: RequestScope, id: String, ifMatch: String?, _ input: OrganizationInput)
        async throws -> RecordDocument
    {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        let draft = try Self.valid(input.validate())
        return try await replaceRecord(scope, .organization, action: "replaceOrganization", id: id, ifMatch: ifMatch) {
            connection in
            if draft.parentOrganizationID == id {
                throw AccessFailure.invalid([
                    FieldError(pointer: "/parent_organization_id", detail: "must not be the organization itself")
                ])
            }
            try await checkParent(of: draft, on: connection)
            var kept = draft
            kept.demo = false
            try await organizations.save(id: id, kept, on: connection)
        }
    }

    private func checkParent(of draft: OrganizationDraft, on connection: PostgresConnection) async throws {
        if let parent = draft.parentOrganizationID, !(try await organizations.exists(parent, on: connection)) {
            throw AccessFailure.invalid([
                FieldError(pointer: "/parent_organization_id", detail: "names no organization in the directory")
            ])
        }
    }

    // MARK: Locations

    func location(_ scope: RequestScope, id: String) async throws -> RecordDocument {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        let full = try Self.view(for: scope) == .full
        guard
            let document = try await postgres.withConnection({
                try await recordDocuments.locations([id], full: full, on: $0).first
            })
        else { throw AccessFailure.notFound }
        return document
    }

    func locations(
        _ scope: RequestScope, organization: String?, confidential: Bool?, limit: Int?, cursor: String?
    ) async throws -> Page<RecordDocument> {
        let (limit, after) = try Paging.parse(limit: limit, cursor: cursor)
        let full = try Self.view(for: scope) == .full
        let found = try await postgres.withConnection {
            try await recordDocuments.locationPage(
                organization: organization.flatMap(UUID.init(uuidString:)), confidential: confidential, after: after,
                limit: limit + 1, full: full, on: $0)
        }
        let page = Paging.page(found, limit: limit) { $0.1.encoded }
        return Page(items: page.items.map(\.0), nextCursor: page.nextCursor)
    }

    func createLocation(_ scope: RequestScope, _ input: LocationInput) async throws -> RecordDocument {
        let draft = try Self.valid(input.validate())
        let id = UUID()
        return try await writeRecord(scope, .location, action: "createLocation", id: id) { connection in
            try await checkReferences(of: draft, on: connection)
            try await locations.save(id: id, draft, on: connection)
        }
    }

    func replaceLocation(_ scope: RequestScope, id: String, ifMatch: String?, _ input: LocationInput) async throws
        -> RecordDocument
    {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        let draft = try Self.valid(input.validate())
        return try await replaceRecord(scope, .location, action: "replaceLocation", id: id, ifMatch: ifMatch) {
            connection in
            try await checkReferences(of: draft, on: connection)
            try await locations.save(id: id, draft, on: connection)
        }
    }

    /// What only the database can tell: the organization exists, the point is where the address
    /// (or at least the United States) is, and the time zone is the one kept there.
    private func checkReferences(of draft: LocationDraft, on connection: PostgresConnection) async throws {
        var errors: [FieldError] = []
        if let organization = draft.organizationID, !(try await organizations.exists(organization, on: connection)) {
            errors.append(FieldError(pointer: "/organization_id", detail: "names no organization in the directory"))
        }
        if let latitude = draft.latitude, let longitude = draft.longitude {
            let zip = draft.address?.postalCode.digits
            let distances = try await locations.distances(
                latitude: latitude, longitude: longitude, zip: zip, on: connection)
            errors += LocationPlacement.problems(
                zip: zip, kilometresFromOwnZIP: distances.fromZIP, kilometresFromNearestZIP: distances.fromNearest)
            errors += LocationPlacement.timeZoneProblems(draft.timeZone, nearbyTimeZones: distances.nearbyTimeZones)
        }
        if !errors.isEmpty { throw AccessFailure.invalid(errors) }
    }

    // MARK: Shared

    func retire(_ scope: RequestScope, _ kind: DirectoryRecordKind, action: String, id: String) async throws {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        defer { searchCaches.invalidate() }
        try await postgres.transaction(logger: logger) { connection in
            guard try await records.retire(kind, id: id, on: connection) else { throw AccessFailure.notFound }
            try await audit.record(scope.event(action, record: (kind.rawValue, id)), on: connection)
        }
    }

    func verify(_ scope: RequestScope, _ kind: DirectoryRecordKind, action: String, id: String) async throws
        -> RecordDocument
    {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        return try await writeRecord(scope, kind, action: action, id: id) { connection in
            guard try await markVerified(scope, kind, id: id, on: connection) else { throw AccessFailure.notFound }
        }
    }

    /// A replacement: the row is locked, `If-Match` must name its current version, and the
    /// version moves on even when no column changed, so every accepted write has a new ETag.
    func replaceRecord(
        _ scope: RequestScope, _ kind: DirectoryRecordKind, action: String, id: UUID, ifMatch: String?,
        _ body: (PostgresConnection) async throws -> Void
    ) async throws -> RecordDocument {
        try await writeRecord(scope, kind, action: action, id: id) { connection in
            guard let version = try await records.lockVersion(kind, id: id, on: connection) else {
                throw AccessFailure.notFound
            }
            // A retired record is history: an edit "saved" to it would change nothing anyone
            // sees, so the curator is told instead.
            if let retired = try await records.retiredAt(kind, id: id, on: connection) {
                let day = ISO8601DateFormatter()
                day.formatOptions = [.withFullDate]
                throw AccessFailure.conflict(
                    "This \(kind.displayName) was retired on \(day.string(from: retired)) and is kept as history; "
                        + "it cannot be changed.")
            }
            try ETag.check(ifMatch, current: version)
            try await body(connection)
            try await records.touch(kind, id: id, on: connection)
            try await records.touchServices(showing: kind, id: id, on: connection)
        }
    }

    /// Runs a write and its audit record in one transaction, then reads the record back as the
    /// caller may see it.
    func writeRecord(
        _ scope: RequestScope, _ kind: DirectoryRecordKind, action: String, id: UUID,
        _ body: (PostgresConnection) async throws -> Void
    ) async throws -> RecordDocument {
        let view = try Self.view(for: scope)
        // After the commit: a search that read the old state before it cannot keep it after this.
        defer { searchCaches.invalidate() }
        return try await postgres.transaction(logger: logger) { connection in
            try await body(connection)
            try await audit.record(scope.event(action, record: (kind.rawValue, id)), on: connection)
            let document: RecordDocument? =
                switch kind {
                case .organization: try await recordDocuments.organizations([id], on: connection).first
                case .location: try await recordDocuments.locations([id], full: view == .full, on: connection).first
                case .service: try await documents.find(id, view: view, on: connection)
                case .crisisContact: try await crisisContacts.documents([id], on: connection).first
                }
            guard let document else { throw AccessFailure.notFound }
            return document
        }
    }
}
