import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

/// The rules behind the Directory endpoints: places, the needs taxonomy and (as it grows) the
/// catalog of resources.
struct DirectoryService: Sendable {
    let postgres: PostgresClient
    let logger: Logger
    let places: PlaceRepository
    let taxonomies: TaxonomyRepository
    let organizations: OrganizationRepository
    let services: ServiceRepository
    let documents: ServiceDocuments
    let records: DirectoryRecords
    let locations: LocationRepository
    let users: UserRepository
    let audit: AuditLog
    let staleAfterDays: Int
    /// Search results' names, phones and addresses: emptied after every write here, so whoever
    /// made a change sees it in their next search without waiting for the notice of it.
    let searchCaches: SearchCaches

    init(postgres: PostgresClient, logger: Logger, staleAfterDays: Int, searchCaches: SearchCaches) {
        self.postgres = postgres
        self.searchCaches = searchCaches
        self.logger = logger
        places = PlaceRepository(logger: logger)
        taxonomies = TaxonomyRepository(logger: logger)
        organizations = OrganizationRepository(logger: logger)
        services = ServiceRepository(logger: logger)
        documents = ServiceDocuments(logger: logger, staleAfterDays: staleAfterDays)
        records = DirectoryRecords(logger: logger)
        locations = LocationRepository(logger: logger)
        users = UserRepository(logger: logger)
        self.staleAfterDays = staleAfterDays
        audit = AuditLog(logger: logger)
    }

    func place(_ text: String) async throws -> Place {
        guard let zip = ZIPCode(text) else {
            throw AccessFailure.invalid([FieldError(pointer: "/zip", detail: "must be five digits, or ZIP+4")])
        }
        guard let place = try await postgres.withConnection({ try await places.find(zip, on: $0) }) else {
            throw AccessFailure.unknownReference("Haven knows no ZIP code \(zip.digits).")
        }
        return place
    }

    func needs(within ancestor: String?, limit: Int?, cursor: String?) async throws -> Page<TaxonomyTerm> {
        let limit = try Paging.limit(limit)
        var after: String?
        if let cursor {
            guard let code = OpaqueCursor(encoded: cursor)?.values.first, TaxonomyCode.isValid(code) else {
                throw AccessFailure.unknownCursor
            }
            after = code
        }
        if let ancestor, !TaxonomyCode.isValid(ancestor) {
            throw AccessFailure.invalid([FieldError(pointer: "/within", detail: "is not a taxonomy code")])
        }
        let terms = try await postgres.withConnection { connection in
            // An empty list would read as "this need has no narrower needs".
            if let ancestor, try await !taxonomies.unknownCodes([ancestor], in: .needs, on: connection).isEmpty {
                throw AccessFailure.invalid([
                    FieldError(pointer: "/within", detail: "'\(ancestor)' is not a need in Haven's taxonomy")
                ])
            }
            return try await taxonomies.terms(
                of: .needs, within: ancestor, after: after, limit: limit + 1, on: connection)
        }
        return Paging.page(terms, limit: limit) { OpaqueCursor(values: [$0.code]).encoded }
    }

    // MARK: Services

    func service(_ scope: RequestScope, id: String) async throws -> RecordDocument {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        let view = try Self.view(for: scope)
        guard let document = try await postgres.withConnection({ try await documents.find(id, view: view, on: $0) })
        else { throw AccessFailure.notFound }
        return document
    }

    func services(_ scope: RequestScope, organization: String?, limit: Int?, cursor: String?) async throws
        -> Page<RecordDocument>
    {
        let (limit, after) = try Paging.parse(limit: limit, cursor: cursor)
        let view = try Self.view(for: scope)
        let found = try await postgres.withConnection { connection in
            try await documents.list(
                organization: organization.flatMap(UUID.init(uuidString:)), after: after, limit: limit + 1, view: view,
                on: connection)
        }
        let page = Paging.page(found, limit: limit) { $0.1.encoded }
        return Page(items: page.items.map(\.0), nextCursor: page.nextCursor)
    }

    func createService(_ scope: RequestScope, _ input: ServiceInput) async throws -> RecordDocument {
        let draft = try Self.valid(input.validate())
        let id = UUID()
        return try await writeRecord(scope, .service, action: "createService", id: id) { connection in
            try await checkReferences(of: draft, on: connection)
            try await save(id: id, draft, on: connection)
        }
    }

    func replaceService(_ scope: RequestScope, id: String, ifMatch: String?, _ input: ServiceInput) async throws
        -> RecordDocument
    {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        let draft = try Self.valid(input.validate())
        return try await replaceRecord(scope, .service, action: "replaceService", id: id, ifMatch: ifMatch) {
            connection in
            try await checkReferences(of: draft, on: connection)
            try await save(id: id, draft, on: connection)
        }
    }

    func retireService(_ scope: RequestScope, id: String) async throws {
        try await retire(scope, .service, action: "retireService", id: id)
    }

    func verifyService(_ scope: RequestScope, id: String) async throws -> RecordDocument {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        return try await writeRecord(scope, .service, action: "verifyService", id: id) { connection in
            guard try await markVerified(scope, .service, id: id, on: connection) else { throw AccessFailure.notFound }
        }
    }

    /// What only the database can tell: the organization, taxonomy codes and locations exist.
    private func checkReferences(of draft: ServiceDraft, on connection: PostgresConnection) async throws {
        var errors: [FieldError] = []
        if !(try await organizations.exists(draft.organizationID, on: connection)) {
            errors.append(FieldError(pointer: "/organization_id", detail: "names no organization in the directory"))
        }
        for (codes, taxonomy, pointer) in [
            (draft.needs, TaxonomyRepository.Taxonomy.needs, "/needs"),
            (draft.audiences, .audiences, "/audiences"),
        ] {
            let unknown = Set(try await taxonomies.unknownCodes(codes, in: taxonomy, on: connection))
            for (index, code) in codes.enumerated() where unknown.contains(code) {
                errors.append(FieldError(pointer: "\(pointer)/\(index)", detail: "'\(code)' is not in the taxonomy"))
            }
        }
        let missing = Set(try await services.unknownLocations(draft.locationIDs, on: connection))
        for (index, id) in draft.locationIDs.enumerated() where missing.contains(id) {
            errors.append(FieldError(pointer: "/location_ids/\(index)", detail: "names no location in the directory"))
        }
        for (index, area) in draft.serviceAreas.enumerated() {
            errors += try await unknownPlaces(in: area, at: "/service_areas/\(index)", on: connection)
            guard case .polygon(let geoJSON) = area, try await !services.isValidArea(geoJSON, on: connection) else {
                continue
            }
            errors.append(
                FieldError(
                    pointer: "/service_areas/\(index)/extent",
                    detail: "is not a valid GeoJSON polygon (at least three corners, closed, not crossing itself)"))
        }
        if !errors.isEmpty { throw AccessFailure.invalid(errors) }
    }

    /// Counties and ZIP codes of an area that Haven's ZIP table does not know.
    func unknownPlaces(in area: ServiceArea, at pointer: String, on connection: PostgresConnection) async throws
        -> [FieldError]
    {
        switch area {
        case .counties(let counties):
            let unknown = try await places.unknownAreas(counties: counties, zips: [], on: connection).counties
            return counties.enumerated().filter { unknown.contains($0.element) }.map {
                FieldError(
                    pointer: "\(pointer)/counties/\($0.offset)",
                    detail: "'\($0.element)' is not a county Haven knows (STATE:County name, e.g. IL:Cook County)")
            }
        case .zipCodes(let zips):
            let unknown = try await places.unknownAreas(counties: [], zips: zips.map(\.digits), on: connection).zips
            return zips.enumerated().filter { unknown.contains($0.element.digits) }.map {
                FieldError(
                    pointer: "\(pointer)/zip_codes/\($0.offset)",
                    detail: "'\($0.element.digits)' is not a ZIP code Haven knows")
            }
        case .national, .states, .radius, .polygon:
            return []
        }
    }

    /// A polygon PostGIS cannot read is the curator's error, not the server's.
    private func save(id: UUID, _ draft: ServiceDraft, on connection: PostgresConnection) async throws {
        do {
            try await services.save(id: id, draft, on: connection)
        } catch let error as PSQLError
            where error.serverInfo?[.sqlState]?.hasPrefix("XX") == true
            || error.serverInfo?[.message]?.localizedCaseInsensitiveContains("geojson") == true
        {
            let index = draft.serviceAreas.firstIndex { if case .polygon = $0 { true } else { false } } ?? 0
            throw AccessFailure.invalid([
                FieldError(pointer: "/service_areas/\(index)/extent", detail: "is not a polygon PostGIS can read")
            ])
        }
    }

    /// Records that the caller confirmed the record today, under the caller's name, and bumps
    /// its version; false when there is no such record.
    func markVerified(
        _ scope: RequestScope, _ kind: DirectoryRecordKind, id: UUID, on connection: PostgresConnection
    ) async throws -> Bool {
        let caller = try scope.requireCaller()
        var name = "a curator"
        if let userID = UUID(uuidString: caller.userID), let user = try await users.find(id: userID, on: connection) {
            name = user.name
        }
        guard try await records.markVerified(kind, id: id, at: Date(), by: name, on: connection) else { return false }
        try await records.touch(kind, id: id, on: connection)
        return true
    }

    static func view(for scope: RequestScope) throws -> ServiceDocuments.View {
        AccessPolicy.seesConfidentialLocations(try scope.requireCaller().role) ? .full : .redacted
    }

    static func valid<Draft>(_ result: Result<Draft, ValidationFailure>) throws -> Draft {
        switch result {
        case .success(let draft): return draft
        case .failure(let failure): throw AccessFailure.invalid(failure.errors)
        }
    }
}

/// Versions on the wire: `"v3"`. Writes to versioned records must name the version they edit.
enum ETag {
    static func value(_ version: Int) -> String { "\"v\(version)\"" }

    static func check(_ ifMatch: String?, current: Int) throws {
        guard let ifMatch, !ifMatch.isEmpty else { throw AccessFailure.preconditionRequired }
        let offered = ifMatch.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard offered.contains(value(current)) else { throw AccessFailure.preconditionFailed(current: current) }
    }
}
