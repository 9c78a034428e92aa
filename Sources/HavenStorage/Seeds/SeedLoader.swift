import Foundation
import Logging
import PostgresNIO

/// Loads the demo data in `Seeds/`: every `.sql` file in name order, each in one transaction.
///
/// Seed files must be idempotent (`ON CONFLICT … DO NOTHING` / `DO UPDATE`), so `haven seed`
/// can run on every `make run`.
public struct SeedLoader: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    let client: PostgresClient
    let directory: URL
    let logger: Logger

    public init(client: PostgresClient, directory: URL, logger: Logger) {
        self.client = client
        self.directory = directory
        self.logger = logger
    }

    /// Seed files found, in the order they load. Empty when the directory is absent.
    public func files() throws -> [String] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
    }

    /// Loads every seed file and returns their names.
    @discardableResult
    public func load(onFile: @Sendable (String) -> Void = { _ in }) async throws -> [String] {
        let names = try files()
        for name in names {
            onFile(name)
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            let script: SQLScript
            do {
                script = try SQLScript(text)
            } catch {
                throw Failure(reason: "Seeds/\(name): \(error)")
            }
            try await client.transaction(logger: logger) { connection in
                for statement in script.statements {
                    do {
                        try await connection.query(PostgresQuery(unsafeSQL: statement.sql), logger: logger)
                    } catch let error as PSQLError {
                        throw Failure(
                            reason: "Seeds/\(name), statement on line \(statement.line): \(error.serverMessage)")
                    }
                }
            }
        }
        return names
    }
}
