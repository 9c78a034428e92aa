import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

/// The rules behind the Directory endpoints: places, the needs taxonomy and (as it grows) the
/// catalog of resources.
struct DirectoryService: Sendable {
    let postgres: PostgresClient
    let places: PlaceRepository
    let taxonomies: TaxonomyRepository

    init(postgres: PostgresClient, logger: Logger) {
        self.postgres = postgres
        places = PlaceRepository(logger: logger)
        taxonomies = TaxonomyRepository(logger: logger)
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
                throw AccessFailure.badRequest("cursor is not one Haven gave out")
            }
            after = code
        }
        if let ancestor, !TaxonomyCode.isValid(ancestor) {
            throw AccessFailure.invalid([FieldError(pointer: "/within", detail: "is not a taxonomy code")])
        }
        let terms = try await postgres.withConnection { connection in
            try await taxonomies.terms(of: .needs, within: ancestor, after: after, limit: limit + 1, on: connection)
        }
        return Paging.page(terms, limit: limit) { OpaqueCursor(values: [$0.code]).encoded }
    }
}
