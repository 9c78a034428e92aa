import Foundation
import HavenAPI
import HavenCore
import HavenStorage
import OpenAPIRuntime

/// The HSDS read API: translates between the API's types and `HSDSService`. The documents come
/// from the database as JSON text and pass through as free-form objects.
struct HSDSHandler: Sendable {
    let service: HSDSService
    let baseURL: String

    func getAPIMetaInformation(
        _ input: Operations.GetAPIMetaInformation.Input
    ) async throws -> Operations.GetAPIMetaInformation.Output {
        .ok(
            .init(
                body: .json(
                    .init(
                        version: "3.0.0", profile: "\(baseURL)/hsds/profile",
                        openapiUrl: "\(baseURL)/openapi.json"))))
    }

    func getHSDSProfile(_ input: Operations.GetHSDSProfile.Input) async throws -> Operations.GetHSDSProfile.Output {
        .ok(.init(body: .textMarkdown(HTTPBody(OpenAPIDocument.hsdsProfile))))
    }

    func getPaginatedListOfServices(
        _ input: Operations.GetPaginatedListOfServices.Input
    ) async throws -> Operations.GetPaginatedListOfServices.Output {
        let query = input.query
        let raw = Self.serviceQuery(
            search: query.search, page: query.page, perPage: query.perPage, taxonomyTermID: query.taxonomyTermId,
            taxonomyID: query.taxonomyId, organizationID: query.organizationId, modifiedAfter: query.modifiedAfter,
            postcode: query.postcode, proximity: query.proximity)
        let detail: HSDSDetail =
            query.minimal == true ? .minimal : query.full == true ? .full(fullService: false) : .listed
        switch try await respond(.services, raw, detail: detail, format: query.format?.rawValue) {
        case .page(let page): return .ok(.init(body: .json(page)))
        case .stream(let body): return .ok(.init(body: .applicationXNdjson(body)))
        }
    }

    func getFullyNestedServiceById(
        _ input: Operations.GetFullyNestedServiceById.Input
    ) async throws -> Operations.GetFullyNestedServiceById.Output {
        .ok(.init(body: .json(try Self.record(try await service.document(.services, id: input.path.id)))))
    }

    func getPaginatedListOfOrganizations(
        _ input: Operations.GetPaginatedListOfOrganizations.Input
    ) async throws -> Operations.GetPaginatedListOfOrganizations.Output {
        let query = input.query
        var raw = HSDSQueryInput()
        (raw.search, raw.page, raw.perPage) = (query.search, query.page, query.perPage)
        let detail: HSDSDetail = query.full == true ? .full(fullService: query.fullService == true) : .listed
        switch try await respond(.organizations, raw, detail: detail, format: query.format?.rawValue) {
        case .page(let page): return .ok(.init(body: .json(page)))
        case .stream(let body): return .ok(.init(body: .applicationXNdjson(body)))
        }
    }

    func getOrganizationById(
        _ input: Operations.GetOrganizationById.Input
    ) async throws -> Operations.GetOrganizationById.Output {
        let document = try await service.document(
            .organizations, id: input.path.id, fullService: input.query.fullService == true)
        return .ok(.init(body: .json(try Self.record(document))))
    }

    func getPaginatedListOfServiceAtLocation(
        _ input: Operations.GetPaginatedListOfServiceAtLocation.Input
    ) async throws -> Operations.GetPaginatedListOfServiceAtLocation.Output {
        let query = input.query
        let raw = Self.serviceQuery(
            search: query.search, page: query.page, perPage: query.perPage, taxonomyTermID: query.taxonomyTermId,
            taxonomyID: query.taxonomyId, organizationID: query.organizationId, modifiedAfter: query.modifiedAfter,
            postcode: query.postcode, proximity: query.proximity)
        let detail: HSDSDetail = query.full == true ? .full(fullService: false) : .listed
        switch try await respond(.serviceAtLocations, raw, detail: detail, format: query.format?.rawValue) {
        case .page(let page): return .ok(.init(body: .json(page)))
        case .stream(let body): return .ok(.init(body: .applicationXNdjson(body)))
        }
    }

    func getServiceAtLocationWithNestedDataById(
        _ input: Operations.GetServiceAtLocationWithNestedDataById.Input
    ) async throws -> Operations.GetServiceAtLocationWithNestedDataById.Output {
        .ok(.init(body: .json(try Self.record(try await service.document(.serviceAtLocations, id: input.path.id)))))
    }

    func getPaginatedListOfTaxonomies(
        _ input: Operations.GetPaginatedListOfTaxonomies.Input
    ) async throws -> Operations.GetPaginatedListOfTaxonomies.Output {
        let query = input.query
        var raw = HSDSQueryInput()
        (raw.search, raw.page, raw.perPage) = (query.search, query.page, query.perPage)
        switch try await respond(.taxonomies, raw, detail: .listed, format: query.format?.rawValue) {
        case .page(let page): return .ok(.init(body: .json(page)))
        case .stream(let body): return .ok(.init(body: .applicationXNdjson(body)))
        }
    }

    func getTaxonomyById(_ input: Operations.GetTaxonomyById.Input) async throws -> Operations.GetTaxonomyById.Output {
        .ok(.init(body: .json(try Self.record(try await service.document(.taxonomies, id: input.path.id)))))
    }

    func getPaginatedListOfTaxonomyTerms(
        _ input: Operations.GetPaginatedListOfTaxonomyTerms.Input
    ) async throws -> Operations.GetPaginatedListOfTaxonomyTerms.Output {
        let query = input.query
        var raw = HSDSQueryInput()
        (raw.search, raw.page, raw.perPage) = (query.search, query.page, query.perPage)
        (raw.taxonomyID, raw.topOnly, raw.parentID) = (query.taxonomyId, query.topOnly, query.parentId)
        switch try await respond(.taxonomyTerms, raw, detail: .listed, format: query.format?.rawValue) {
        case .page(let page): return .ok(.init(body: .json(page)))
        case .stream(let body): return .ok(.init(body: .applicationXNdjson(body)))
        }
    }

    func getTaxonomyTermById(
        _ input: Operations.GetTaxonomyTermById.Input
    ) async throws -> Operations.GetTaxonomyTermById.Output {
        .ok(.init(body: .json(try Self.record(try await service.document(.taxonomyTerms, id: input.path.id)))))
    }
}

extension HSDSHandler {
    enum Answer {
        case page(Components.Schemas.HSDSPage)
        case stream(HTTPBody)
    }

    /// A page in the HSDS envelope, or with `format=ndjson` every match, unpaginated.
    func respond(_ collection: HSDSCollection, _ raw: HSDSQueryInput, detail: HSDSDetail, format: String?)
        async throws -> Answer
    {
        let (page, filter) = try await service.validate(raw)
        if format == "ndjson" {
            return .stream(
                HTTPBody(
                    service.stream(collection, filter, detail: detail), length: .unknown, iterationBehavior: .single))
        }
        let found = try await service.page(collection, page, filter, detail: detail)
        let envelope = found.envelope
        return .page(
            .init(
                totalItems: envelope.totalItems, totalPages: envelope.totalPages, pageNumber: envelope.pageNumber,
                size: envelope.size, firstPage: envelope.firstPage, lastPage: envelope.lastPage, empty: envelope.empty,
                contents: try found.documents.map(Self.record)))
    }

    static func serviceQuery(
        search: String?, page: Int?, perPage: Int?, taxonomyTermID: String?, taxonomyID: String?,
        organizationID: String?, modifiedAfter: String?, postcode: String?, proximity: String?
    ) -> HSDSQueryInput {
        var raw = HSDSQueryInput()
        (raw.search, raw.page, raw.perPage) = (search, page, perPage)
        (raw.taxonomyTermID, raw.taxonomyID, raw.organizationID) = (taxonomyTermID, taxonomyID, organizationID)
        (raw.modifiedAfter, raw.postcode, raw.proximity) = (modifiedAfter, postcode, proximity)
        return raw
    }

    static func record(_ json: String) throws -> Components.Schemas.HSDSRecord {
        try JSONDecoder().decode(Components.Schemas.HSDSRecord.self, from: Data(json.utf8))
    }
}
