import Foundation
import HavenCore
import HavenTestSupport
import Logging
import PostgresNIO
import Testing

@testable import HavenStorage

@Suite("Statements run for what they do")
struct PerformTests {
    @Test("an error raised while a row-returning statement runs fails the call, and the transaction with it")
    func errorsAreNotLost() async throws {
        try await TestDatabaseCluster.shared.withEmptyDatabase { database in
            try await database.withClient { client in
                let logger = database.logger
                try await client.query("CREATE TABLE kept (word text)", logger: logger)
                try await client.query(
                    """
                    CREATE FUNCTION fails_after_writing() RETURNS void LANGUAGE plpgsql AS $$
                    BEGIN
                        INSERT INTO kept VALUES ('written');
                        RAISE EXCEPTION 'too long for the index';
                    END $$
                    """,
                    logger: logger)
                await #expect(throws: PSQLError.self) {
                    try await client.transaction(logger: logger) { connection in
                        try await connection.query("INSERT INTO kept VALUES ('before')", logger: logger)
                        try await connection.perform("SELECT fails_after_writing()", logger: logger)
                    }
                }
                let rows = try await client.query("SELECT count(*) FROM kept", logger: logger).collect()
                #expect(try rows.first?.decode(Int.self) == 0, "nothing of the failed transaction is kept")
            }
        }
    }
}

@Suite("What services print about themselves")
struct ServiceDescriptionTests {
    @Test("the change listener's description, which the service lifecycle logs, holds no password")
    func listenerHidesItsPassword() throws {
        let url = try DatabaseURL(parsing: "postgres://haven:not-for-logs-7f3a@127.0.0.1:54329/haven?sslmode=disable")
        let listener = try ChangeListener(url: url, logger: Logger(label: "test"))
        #expect(!String(describing: listener).contains("not-for-logs-7f3a"))
        #expect(!String(reflecting: listener).contains("not-for-logs-7f3a"))
    }
}
