import Foundation
import HavenAPI
import HavenCore
import HavenStorage

/// Search: translates between the API's types and `SearchService`.
struct SearchHandler: Sendable {
    let service: SearchService
    let crisis: CrisisSearch

    func searchCrisisContacts(
        _ input: Operations.SearchCrisisContacts.Input
    ) async throws -> Operations.SearchCrisisContacts.Output {
        let answer = try await crisis.search(zip: input.query.zip, at: input.query.at, language: input.query.language)
        let place = answer.place.map {
            Components.Schemas.Place(
                zip: $0.zip.digits, city: $0.city, state: $0.state, county: $0.county, timeZone: $0.timeZone,
                latitude: $0.latitude, longitude: $0.longitude, kind: $0.kind, active: $0.active)
        }
        return .ok(
            .init(body: .json(.init(data: answer.results, nextCursor: nil, place: place, notice: answer.notice))))
    }

    func searchServices(_ input: Operations.SearchServices.Input) async throws -> Operations.SearchServices.Output {
        let query = input.query
        let page = try await page(
            SearchParameters(
                zip: query.zip, near: query.near, radiusKm: query.radiusKm, needs: query.needs ?? [], text: query.q,
                language: query.language, age: query.age, audiences: query.audience ?? [], openNow: query.openNow,
                openAt: query.openAt, free: query.free, includeClosed: query.includeClosed,
                includeStale: query.includeStale, limit: query.limit, cursor: query.cursor))
        return .ok(.init(body: .json(page)))
    }

    /// The page for the caller in scope; `SearchPageMiddleware` writes the same value itself.
    func page(_ parameters: SearchParameters) async throws -> Components.Schemas.SearchResultList {
        guard let scope = RequestScope.current else { throw HTTPProblem.internalError() }
        let page = try await service.search(scope, parameters)
        return .init(data: page.items.compactMap(Self.result), nextCursor: page.nextCursor)
    }

    /// A page's result; every hit on a page has its details.
    static func result(_ hit: SearchHit) -> Components.Schemas.SearchResult? {
        guard let shown = hit.details else { return nil }
        let found = hit.found
        return .init(
            serviceId: found.serviceID.apiString, name: shown.name, organizationId: shown.organizationID.apiString,
            organizationName: shown.organizationName, status: found.status, url: shown.url, phone: shown.phone,
            distanceKm: found.distanceKm.map { ($0 * 10).rounded() / 10 },
            reachesBy: found.distanceKm == nil ? found.areaMatch : nil,
            location: found.locationID.map {
                .init(
                    id: $0.apiString, name: shown.locationName, address: shown.address, approximate: found.approximate)
            },
            open: hit.opening.map {
                .init(isOpen: $0.isOpen, alwaysOpen: $0.alwaysOpen, closesAt: $0.closesAt?.description)
            },
            needs: found.needs, languages: found.languages, minimumAge: found.minimumAge, maximumAge: found.maximumAge,
            stale: found.stale,
            match: .init(score: hit.match.score, reasons: hit.match.reasons, unmetNeeds: hit.match.unmetNeeds))
    }
}
