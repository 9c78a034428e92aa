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
