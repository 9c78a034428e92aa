import Foundation
import HavenAPI
import HavenCore
import HavenStorage

/// Crisis contacts: translate between the API's types and `DirectoryService`.
extension DirectoryHandler {
    func listCrisisContacts(_ input: Operations.ListCrisisContacts.Input) async throws
        -> Operations.ListCrisisContacts.Output
    {
        let page = try await service.crisisContactPage(try scope, limit: input.query.limit, cursor: input.query.cursor)
        let items = try page.items.map(Self.crisisContact)
        return .ok(.init(body: .json(.init(data: items, nextCursor: page.nextCursor))))
    }

    func createCrisisContact(_ input: Operations.CreateCrisisContact.Input) async throws
        -> Operations.CreateCrisisContact.Output
    {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let document = try await service.createCrisisContact(
            try scope, try WireJSON.convert(body, to: CrisisContactInput.self))
        return .created(
            .init(headers: .init(eTag: ETag.value(document.version)), body: .json(try Self.crisisContact(document))))
    }

    func getCrisisContact(_ input: Operations.GetCrisisContact.Input) async throws -> Operations.GetCrisisContact.Output
    {
        let document = try await service.crisisContact(try scope, id: input.path.id)
        return .ok(
            .init(headers: .init(eTag: ETag.value(document.version)), body: .json(try Self.crisisContact(document))))
    }

    func replaceCrisisContact(_ input: Operations.ReplaceCrisisContact.Input) async throws
        -> Operations.ReplaceCrisisContact.Output
    {
        guard case .json(let body) = input.body else { throw HTTPProblem(.unsupportedMediaType) }
        let document = try await service.replaceCrisisContact(
            try scope, id: input.path.id, ifMatch: input.headers.ifMatch,
            try WireJSON.convert(body, to: CrisisContactInput.self))
        return .ok(
            .init(headers: .init(eTag: ETag.value(document.version)), body: .json(try Self.crisisContact(document))))
    }

    func retireCrisisContact(_ input: Operations.RetireCrisisContact.Input) async throws
        -> Operations.RetireCrisisContact.Output
    {
        try await service.retire(try scope, .crisisContact, action: "retireCrisisContact", id: input.path.id)
        return .noContent(.init())
    }

    func verifyCrisisContact(_ input: Operations.VerifyCrisisContact.Input) async throws
        -> Operations.VerifyCrisisContact.Output
    {
        let document = try await service.verifyCrisisContact(try scope, id: input.path.id)
        return .ok(
            .init(headers: .init(eTag: ETag.value(document.version)), body: .json(try Self.crisisContact(document))))
    }

    static func crisisContact(_ document: RecordDocument) throws -> Components.Schemas.CrisisContact {
        try WireJSON.decode(Components.Schemas.CrisisContact.self, from: document.json)
    }
}
