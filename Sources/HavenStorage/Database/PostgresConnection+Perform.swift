import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs a statement for what it does, not for its rows (`SELECT refresh_…(…)`, `SELECT …
    /// FOR UPDATE`), and reads its answer to the end. A statement that returns rows reports an
    /// error raised while it runs only in those rows: left unread, the error was lost, the
    /// transaction was silently aborted, and its `COMMIT` quietly rolled back every write.
    func perform(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}
