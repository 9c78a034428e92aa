import Foundation
import HavenTestSupport
import PostgresNIO
import Testing

@testable import HavenStorage

@Suite("Reading rows from PostgreSQL's binary forms")
struct BinaryRowReaderTests {
    @Test("every supported type, NULLs and empty arrays read as PostgresNIO's decode reads them")
    func readsWhatDecodeReads() async throws {
        try await TestDatabaseCluster.shared.withEmptyDatabase { database in
            try await database.withClient { client in
                let rows = try await client.query(
                    """
                    SELECT v.id, v.word, v.distance, v.flag, v.small, v.big, v.words
                    FROM (VALUES
                        ('0b5e1c52-8f4e-4a47-9a8c-0f6f1d8e2a01'::uuid, 'Niños y familias 😀'::text, 3.25::float8,
                         true, 12::int, 9007199254740993::bigint, ARRAY['legal', '', 'mental-health.counseling']),
                        (NULL, NULL, NULL, false, NULL, NULL, '{}'::text[]),
                        (NULL, NULL, NULL, false, NULL, NULL, NULL)) AS v (id, word, distance, flag, small, big, words)
                    """,
                    logger: database.logger)
                var read: [String] = []
                for try await row in rows {
                    var columns = BinaryRowReader(row)
                    let fields = (
                        try columns.optionalUUID(), try columns.optionalText(), try columns.optionalDouble(),
                        try columns.bool(), try columns.optionalInt32(), try columns.optionalInt64(),
                        try columns.textArray()
                    )
                    let decoded = try row.decode((UUID?, String?, Double?, Bool, Int?, Int64?, [String]?).self)
                    #expect(fields.0 == decoded.0 && fields.1 == decoded.1 && fields.2 == decoded.2)
                    #expect(fields.3 == decoded.3 && fields.4 == decoded.4 && fields.5 == decoded.5)
                    #expect(fields.6 == (decoded.6 ?? []))
                    read.append(fields.1 ?? "NULL")
                }
                #expect(read == ["Niños y familias 😀", "NULL", "NULL"])

                // A column of another type than the reader expects is an error, not misread bytes.
                for try await row in try await client.query("SELECT 12::int2", logger: database.logger) {
                    var columns = BinaryRowReader(row)
                    #expect(throws: StorageError.self) { try columns.optionalInt32() }
                }
            }
        }
    }
}
