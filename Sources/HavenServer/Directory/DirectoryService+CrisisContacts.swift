import Foundation
import HavenCore
import HavenStorage
import PostgresNIO

/// Crisis contacts: public to every role, curated by curators and admins.
extension DirectoryService {
    var crisisContacts: CrisisContactRepository {
        CrisisContactRepository(logger: logger, staleAfterDays: staleAfterDays)
    }

    func crisisContact(_ scope: RequestScope, id: String) async throws -> RecordDocument {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        guard
            let document = try await postgres.withConnection({ try await crisisContacts.documents([id], on: $0).first })
        else { throw AccessFailure.notFound }
        return document
    }

    func crisisContactPage(_ scope: RequestScope, limit: Int?, cursor: String?) async throws -> Page<RecordDocument> {
        let limit = try Paging.limit(limit)
        var after: String?
        if let cursor {
            guard let slug = OpaqueCursor(encoded: cursor)?.values.first else {
                throw AccessFailure.unknownCursor
            }
            after = slug
        }
        let found = try await postgres.withConnection {
            try await crisisContacts.page(after: after, limit: limit + 1, on: $0)
        }
        let page = Paging.page(found, limit: limit) { OpaqueCursor(values: [$0.1]).encoded }
        return Page(items: page.items.map(\.0), nextCursor: page.nextCursor)
    }

    func createCrisisContact(_ scope: RequestScope, _ input: CrisisContactInput) async throws -> RecordDocument {
        let draft = try Self.valid(input.validate())
        let id = UUID()
        return try await writeRecord(scope, .crisisContact, action: "createCrisisContact", id: id) { connection in
            try await checkSlug(draft.slug, except: nil, on: connection)
            try await checkCoverage(draft, on: connection)
            try await crisisContacts.save(id: id, draft, on: connection)
        }
    }

    func replaceCrisisContact(_ scope: RequestScope, id: String, ifMatch: String?, _ input: CrisisContactInput)
        async throws -> RecordDocument
    {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        let draft = try Self.valid(input.validate())
        return try await replaceRecord(scope, .crisisContact, action: "replaceCrisisContact", id: id, ifMatch: ifMatch)
        { connection in
            try await checkSlug(draft.slug, except: id, on: connection)
            try await checkCoverage(draft, on: connection)
            let stored = try await crisisContacts.whatToExpect(of: id, on: connection)
            if let stale = draft.staleTranslation(storedEnglish: stored.english, storedSpanish: stored.spanish) {
                throw AccessFailure.invalid([stale])
            }
            try await crisisContacts.save(id: id, draft, on: connection)
        }
    }

    func verifyCrisisContact(_ scope: RequestScope, id: String) async throws -> RecordDocument {
        guard let id = UUID(uuidString: id) else { throw AccessFailure.notFound }
        return try await writeRecord(scope, .crisisContact, action: "verifyCrisisContact", id: id) { connection in
            guard try await markVerified(scope, .crisisContact, id: id, on: connection) else {
                throw AccessFailure.notFound
            }
        }
    }

    private func checkCoverage(_ draft: CrisisContactDraft, on connection: PostgresConnection) async throws {
        let errors = try await unknownPlaces(in: draft.coverage, at: "/coverage", on: connection)
        if !errors.isEmpty { throw AccessFailure.invalid(errors) }
    }

    private func checkSlug(_ slug: String, except id: UUID?, on connection: PostgresConnection) async throws {
        if try await crisisContacts.slugTaken(slug, except: id, on: connection) {
            throw AccessFailure.invalid([
                FieldError(pointer: "/slug", detail: "is already used by another crisis contact")
            ])
        }
    }
}
