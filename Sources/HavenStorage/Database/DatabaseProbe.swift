import HavenCore
import Logging
import NIOCore
import PostgresNIO

/// One connection opened and closed before a command starts its pool.
///
/// A pool that cannot connect retries behind a circuit breaker and reports an opaque
/// `connectionCreationCircuitBreakerTripped` only after about a minute, so an operator with a
/// mistyped host or a stopped PostgreSQL waited a minute for an answer that did not say why.
public enum DatabaseProbe {
    public struct Unreachable: Error, CustomStringConvertible {
        public let url: DatabaseURL
        public let reason: String

        public var description: String {
            """
            cannot reach the database \(url.database) at \(url.endpoint): \(reason). \
            Check DATABASE_URL and that PostgreSQL is running and accepts connections from this machine.
            """
        }
    }

    /// Connects once, waiting at most `timeout` (or the URL's `connect_timeout`, when shorter).
    public static func check(_ url: DatabaseURL, timeout: TimeAmount = .seconds(10), logger: Logger) async throws {
        var configuration = try PostgresConnection.Configuration(url, applicationName: "haven")
        if configuration.options.connectTimeout > timeout { configuration.options.connectTimeout = timeout }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: configuration, id: 0, logger: logger.forPostgres())
        } catch let error as PSQLError {
            throw Unreachable(url: url, reason: reason(error, waited: configuration.options.connectTimeout))
        } catch {
            throw Unreachable(url: url, reason: "\(error)")
        }
        try? await connection.close()
    }

    private static func reason(_ error: PSQLError, waited: TimeAmount) -> String {
        if let info = error.serverInfo, let message = info[.message] { return message }
        if case .connectTimeout? = error.underlying as? ChannelError {
            return "no answer within \(waited.nanoseconds / 1_000_000_000) s"
        }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }
}
