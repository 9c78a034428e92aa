import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

/// The rules behind the HSDS read API: query checks, the page envelope, single records and
/// unpaginated streams.
struct HSDSService: Sendable {
    let postgres: PostgresClient
    let repository: HSDSRepository
    let places: PlaceRepository
    /// Documents fetched per statement while streaming ndjson.
    let streamChunk: Int

    init(postgres: PostgresClient, logger: Logger, staleAfterDays: Int, streamChunk: Int) {
        self.postgres = postgres
        self.streamChunk = streamChunk
        repository = HSDSRepository(logger: logger, staleAfterDays: staleAfterDays)
        places = PlaceRepository(logger: logger)
    }

    struct Page {
        var envelope: HSDSPageEnvelope
        var documents: [String]
    }

    /// The page and filter a query asks for; 422 naming every bad parameter, or a ZIP code Haven
    /// does not know.
    func validate(_ input: HSDSQueryInput) async throws -> (HSDSPageRequest, HSDSFilter) {
        let (page, filter): (HSDSPageRequest, HSDSFilter)
        switch input.validated() {
        case .success(let valid): (page, filter) = valid
        case .failure(let failure): throw AccessFailure.invalid(failure.errors)
        }
        if let zip = filter.postcode {
            let known = try await postgres.withConnection { try await places.find(zip, on: $0) != nil }
            guard known else {
                throw AccessFailure.invalid([
                    FieldError(pointer: "/postcode", detail: "Haven knows no ZIP code \(zip.digits)")
                ])
            }
        }
        return (page, filter)
    }

    func page(_ collection: HSDSCollection, _ page: HSDSPageRequest, _ filter: HSDSFilter, detail: HSDSDetail)
        async throws -> Page
    {
        try await postgres.withConnection { connection in
            let total = try await repository.count(collection, filter: filter, on: connection)
            // Past the end there is nothing to read; the envelope still says where the end is.
            let documents =
                page.offset >= total
                ? []
                : try await repository.page(collection, filter: filter, detail: detail, page: page, on: connection)
            return Page(
                envelope: HSDSPageEnvelope(totalItems: total, page: page, size: documents.count),
                documents: documents)
        }
    }

    /// Every match as one document per line. Each chunk is read when the client is ready for it,
    /// on a connection held only for that chunk, so a slow reader holds no connection.
    func stream(_ collection: HSDSCollection, _ filter: HSDSFilter, detail: HSDSDetail) -> NDJSONStream {
        let postgres = postgres
        let repository = repository
        let size = streamChunk
        return NDJSONStream(chunkSize: size) { after in
            try await postgres.withConnection { connection in
                try await repository.chunk(
                    collection, filter: filter, detail: detail, after: after, limit: size,
                    on: connection)
            }
        }
    }

    /// One record, fully nested; 404 when there is none, it is retired, or the id is not a UUID.
    func document(_ collection: HSDSCollection, id: String, fullService: Bool = false) async throws -> String {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        let document = try await postgres.withConnection { connection in
            try await repository.document(collection, id: id, fullService: fullService, on: connection)
        }
        guard let document else { throw AccessFailure.notFound }
        return document
    }
}

/// An ndjson body read chunk by chunk in id order: each chunk is fetched only when the previous
/// one has been taken.
struct NDJSONStream: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>

    let chunkSize: Int
    let fetch: @Sendable (UUID?) async throws -> [(UUID, String)]

    struct AsyncIterator: AsyncIteratorProtocol {
        let chunkSize: Int
        let fetch: @Sendable (UUID?) async throws -> [(UUID, String)]
        var after: UUID?
        var finished = false

        mutating func next() async throws -> ArraySlice<UInt8>? {
            guard !finished else { return nil }
            let chunk = try await fetch(after)
            finished = chunk.count < chunkSize
            guard let last = chunk.last else { return nil }
            after = last.0
            var bytes: [UInt8] = []
            bytes.reserveCapacity(chunk.reduce(0) { $0 + $1.1.utf8.count + 1 })
            for (_, document) in chunk {
                bytes.append(contentsOf: document.utf8)
                bytes.append(0x0A)
            }
            return bytes[...]
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunkSize: chunkSize, fetch: fetch)
    }
}
