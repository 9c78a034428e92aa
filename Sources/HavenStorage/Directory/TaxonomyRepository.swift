import Foundation
import HavenCore
import Logging
import PostgresNIO

/// The needs and audience taxonomies.
public struct TaxonomyRepository: Sendable {
    public enum Taxonomy: Sendable {
        case needs, audiences

        var id: UUID {
            switch self {
            case .needs: ReferenceData.needsTaxonomyID
            case .audiences: ReferenceData.audienceTaxonomyID
            }
        }
    }

    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    /// Terms in code order (parents right before their children), `limit` of them after the
    /// code `after`; with `within`, only that term and its descendants.
    public func terms(
        of taxonomy: Taxonomy, within ancestor: String?, after: String?, limit: Int, on connection: PostgresConnection
    ) async throws -> [TaxonomyTerm] {
        let rows = try await connection.query(
            """
            SELECT t.id, t.code, p.code, t.name, t.description, t.name_es, t.description_es
            FROM taxonomy_terms t LEFT JOIN taxonomy_terms p ON p.id = t.parent_id
            WHERE t.taxonomy_id = \(taxonomy.id)
              AND (\(after)::text IS NULL OR t.code COLLATE "C" > \(after) COLLATE "C")
              AND (\(ancestor)::text IS NULL OR t.code = \(ancestor) OR t.code LIKE \(ancestor.map { $0 + ".%" }))
            ORDER BY t.code COLLATE "C"
            LIMIT \(limit)
            """,
            logger: logger
        )
        var terms: [TaxonomyTerm] = []
        for try await (id, code, parent, name, description, nameES, descriptionES) in rows.decode(
            (UUID, String, String?, String, String, String, String).self)
        {
            terms.append(
                TaxonomyTerm(
                    id: id.uuidString.lowercased(), code: code, parentCode: parent, name: name,
                    description: description, nameES: nameES, descriptionES: descriptionES))
        }
        return terms
    }

    /// The codes of `codes` that are not terms of the taxonomy.
    public func unknownCodes(_ codes: [String], in taxonomy: Taxonomy, on connection: PostgresConnection)
        async throws -> [String]
    {
        guard !codes.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            SELECT c FROM unnest(\(codes)::text[]) AS c
            WHERE NOT EXISTS (SELECT 1 FROM taxonomy_terms t WHERE t.taxonomy_id = \(taxonomy.id) AND t.code = c)
            """,
            logger: logger
        )
        var unknown: [String] = []
        for try await code in rows.decode(String.self) { unknown.append(code) }
        return unknown
    }

    /// English names of those of `codes` that are terms of the taxonomy, lowercased for use in a
    /// sentence. A code missing from the answer is unknown, so one query both checks and labels.
    public func names(of codes: [String], in taxonomy: Taxonomy, on connection: PostgresConnection) async throws
        -> [String: String]
    {
        guard !codes.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT code, lower(name) FROM taxonomy_terms WHERE taxonomy_id = \(taxonomy.id) AND code = ANY(\(codes))
            """,
            logger: logger)
        var names: [String: String] = [:]
        for try await (code, name) in rows.decode((String, String).self) { names[code] = name }
        return names
    }

    /// Display names as written (capitalized), in English or Spanish, for a family's document.
    public func displayNames(
        of codes: [String], in taxonomy: Taxonomy, spanish: Bool, on connection: PostgresConnection
    )
        async throws -> [String: String]
    {
        guard !codes.isEmpty else { return [:] }
        let rows = try await connection.query(
            """
            SELECT code, CASE WHEN \(spanish) THEN name_es ELSE name END FROM taxonomy_terms
            WHERE taxonomy_id = \(taxonomy.id) AND code = ANY(\(codes))
            """,
            logger: logger)
        var names: [String: String] = [:]
        for try await (code, name) in rows.decode((String, String).self) { names[code] = name }
        return names
    }
}
