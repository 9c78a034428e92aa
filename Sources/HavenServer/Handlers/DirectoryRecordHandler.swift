import Foundation
import HavenAPI
import HavenCore
import HavenStorage

/// Organizations and locations: translate between the API's types and `DirectoryService`.
extension DirectoryHandler {
    func listOrganizations(_ input: Operations.ListOrganizations.Input) async throws
        -> Operations.ListOrganizations.Output
    {
        let page = try await service.organizations(try scope, limit: input.query.limit, cursor: input.query.cursor)
        let items = try page.items.map { try WireJSON.decode(Components.Schemas.Organization.self, from: $0.json) }
        return .ok(.init(body: .json(.init(data: items, nextCursor: page.nextCursor))))
    }

    func createOrganization(_ input: Operations.CreateOrganization.Input) async throws
        -> Operations.CreateOrganization.Output
    {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let document = try await service.createOrganization(
            try scope, try WireJSON.convert(body, to: OrganizationInput.self))
        return .created(
            .init(headers: .init(eTag: ETag.value(document.version)), body: .json(try Self.organization(document))))
    }

    func getOrganization(_ input: Operations.GetOrganization.Input) async throws -> Operations.GetOrganization.Output {
        let document = try await service.organization(try scope, id: input.path.id)
        return .ok(
            .init(headers: .init(eTag: ETag.value(document.version)), body: .json(try Self.organization(document))))
    }

    func replaceOrganization(_ input: Operations.ReplaceOrganization.Input) async throws
        -> Operations.ReplaceOrganization.Output
    {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let document = try await service.replaceOrganization(
            try scope, id: input.path.id, ifMatch: input.headers.ifMatch,
            try WireJSON.convert(body, to: OrganizationInput.self))
        return .ok(
            .init(headers: .init(eTag: ETag.value(document.version)), body: .json(try Self.organization(document))))
    }

    func retireOrganization(_ input: Operations.RetireOrganization.Input) async throws
        -> Operations.RetireOrganization.Output
    {
        try await service.retire(try scope, .organization, action: "retireOrganization", id: input.path.id)
        return .noContent(.init())
    }

    func verifyOrganization(_ input: Operations.VerifyOrganization.Input) async throws
        -> Operations.VerifyOrganization.Output
    {
        let document = try await service.verify(
            try scope, .organization, action: "verifyOrganization", id: input.path.id)
        return .ok(
            .init(headers: .init(eTag: ETag.value(document.version)), body: .json(try Self.organization(document))))
    }

    static func organization(_ document: RecordDocument) throws -> Components.Schemas.Organization {
        try WireJSON.decode(Components.Schemas.Organization.self, from: document.json)
    }

    func listLocations(_ input: Operations.ListLocations.Input) async throws -> Operations.ListLocations.Output {
        let page = try await service.locations(
            try scope, organization: input.query.organizationId, confidential: input.query.confidential,
            limit: input.query.limit, cursor: input.query.cursor)
        let items = try page.items.map { try WireJSON.decode(Components.Schemas.Location.self, from: $0.json) }
        return .ok(.init(body: .json(.init(data: items, nextCursor: page.nextCursor))))
    }

    func createLocation(_ input: Operations.CreateLocation.Input) async throws -> Operations.CreateLocation.Output {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let document = try await service.createLocation(try scope, try WireJSON.convert(body, to: LocationInput.self))
        return .created(
            .init(headers: .init(eTag: ETag.value(document.version)), body: .json(try Self.location(document))))
    }

    func getLocation(_ input: Operations.GetLocation.Input) async throws -> Operations.GetLocation.Output {
        let document = try await service.location(try scope, id: input.path.id)
        return .ok(.init(headers: .init(eTag: ETag.value(document.version)), body: .json(try Self.location(document))))
    }

    func replaceLocation(_ input: Operations.ReplaceLocation.Input) async throws -> Operations.ReplaceLocation.Output {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let document = try await service.replaceLocation(
            try scope, id: input.path.id, ifMatch: input.headers.ifMatch,
            try WireJSON.convert(body, to: LocationInput.self))
        return .ok(.init(headers: .init(eTag: ETag.value(document.version)), body: .json(try Self.location(document))))
    }

    func retireLocation(_ input: Operations.RetireLocation.Input) async throws -> Operations.RetireLocation.Output {
        try await service.retire(try scope, .location, action: "retireLocation", id: input.path.id)
        return .noContent(.init())
    }

    func verifyLocation(_ input: Operations.VerifyLocation.Input) async throws -> Operations.VerifyLocation.Output {
        let document = try await service.verify(try scope, .location, action: "verifyLocation", id: input.path.id)
        return .ok(.init(headers: .init(eTag: ETag.value(document.version)), body: .json(try Self.location(document))))
    }

    static func location(_ document: RecordDocument) throws -> Components.Schemas.Location {
        try WireJSON.decode(Components.Schemas.Location.self, from: document.json)
    }
}
