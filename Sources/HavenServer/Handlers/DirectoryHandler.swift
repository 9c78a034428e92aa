import Foundation
import HavenAPI
import HavenCore
import HavenStorage

/// Places, needs and the catalog: translates between the API's types and `DirectoryService`.
struct DirectoryHandler: Sendable {
    let service: DirectoryService

    func getPlace(_ input: Operations.GetPlace.Input) async throws -> Operations.GetPlace.Output {
        let place = try await service.place(input.path.zip)
        return .ok(
            .init(
                body: .json(
                    .init(
                        zip: place.zip.digits, city: place.city, state: place.state, county: place.county,
                        timeZone: place.timeZone, latitude: place.latitude, longitude: place.longitude,
                        kind: place.kind, active: place.active))))
    }

    func listNeeds(_ input: Operations.ListNeeds.Input) async throws -> Operations.ListNeeds.Output {
        let page = try await service.needs(
            within: input.query.within, limit: input.query.limit, cursor: input.query.cursor)
        let needs = page.items.map {
            Components.Schemas.Need(
                id: $0.id, code: $0.code, parentCode: $0.parentCode, name: $0.name, description: $0.description,
                nameEs: $0.nameES, descriptionEs: $0.descriptionES)
        }
        return .ok(.init(body: .json(.init(data: needs, nextCursor: page.nextCursor))))
    }
}

extension DirectoryHandler {
    var scope: RequestScope {
        get throws {
            guard let scope = RequestScope.current else { throw HTTPProblem.internalError() }
            return scope
        }
    }

    func listServices(_ input: Operations.ListServices.Input) async throws -> Operations.ListServices.Output {
        let page = try await service.services(
            try scope, organization: input.query.organizationId, limit: input.query.limit, cursor: input.query.cursor)
        let services = try page.items.map { try WireJSON.decode(Components.Schemas.Service.self, from: $0.json) }
        return .ok(.init(body: .json(.init(data: services, nextCursor: page.nextCursor))))
    }

    func createService(_ input: Operations.CreateService.Input) async throws -> Operations.CreateService.Output {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let document = try await service.createService(try scope, try WireJSON.convert(body, to: ServiceInput.self))
        return .created(
            .init(
                headers: .init(eTag: ETag.value(document.version)),
                body: .json(try WireJSON.decode(Components.Schemas.Service.self, from: document.json))))
    }

    func getService(_ input: Operations.GetService.Input) async throws -> Operations.GetService.Output {
        let document = try await service.service(try scope, id: input.path.id)
        return .ok(
            .init(
                headers: .init(eTag: ETag.value(document.version)),
                body: .json(try WireJSON.decode(Components.Schemas.Service.self, from: document.json))))
    }

    func replaceService(_ input: Operations.ReplaceService.Input) async throws -> Operations.ReplaceService.Output {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let document = try await service.replaceService(
            try scope, id: input.path.id, ifMatch: input.headers.ifMatch,
            try WireJSON.convert(body, to: ServiceInput.self))
        return .ok(
            .init(
                headers: .init(eTag: ETag.value(document.version)),
                body: .json(try WireJSON.decode(Components.Schemas.Service.self, from: document.json))))
    }

    func retireService(_ input: Operations.RetireService.Input) async throws -> Operations.RetireService.Output {
        try await service.retireService(try scope, id: input.path.id)
        return .noContent(.init())
    }

    func verifyService(_ input: Operations.VerifyService.Input) async throws -> Operations.VerifyService.Output {
        let document = try await service.verifyService(try scope, id: input.path.id)
        return .ok(
            .init(
                headers: .init(eTag: ETag.value(document.version)),
                body: .json(try WireJSON.decode(Components.Schemas.Service.self, from: document.json))))
    }
}

/// The bridge between the contract's generated types and Core's inputs and the database's JSON
/// documents: both sides use the same HSDS field names, so JSON carries one into the other.
enum WireJSON {
    static func convert<Input: Decodable>(_ body: some Encodable, to type: Input.Type) throws -> Input {
        try JSONDecoder().decode(type, from: JSONEncoder().encode(body))
    }

    static func decode<Output: Decodable>(_ type: Output.Type, from json: Data) throws -> Output {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: json)
    }
}
