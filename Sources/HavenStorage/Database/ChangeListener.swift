import Foundation
import HavenCore
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Listens on a connection of its own for PostgreSQL's notices of changes that make kept answers
/// wrong, and empties the caches that hold them: `haven_access` (migration 0022, a token or user
/// changed) empties `callers`; `haven_directory` (migration 0024, what a search result shows
/// changed) empties `searchCaches`. Runs as a service of the server, beside the database pool.
///
/// The caches answer only while this listener is known to hear notices: every `pingInterval` it
/// sends a probe notice of its own and must hear it back within `pingTimeout`. The first probe
/// comes before the caches are turned on. A lost connection, a failed `LISTEN` or an unheard
/// probe turns them off at once; the listener then reconnects, waiting a little longer after each
/// failure, and the caches start again empty. Meanwhile every request reads the database: slower,
/// never stale. Probes catch what a quiet connection would hide: one that died without closing,
/// or a pooler that accepts `LISTEN` and delivers nothing.
public struct ChangeListener: Service {
    public static let accessChannel = "haven_access"
    public static let directoryChannel = "haven_directory"
    /// How the connection shows in `pg_stat_activity`.
    public static let applicationName = "haven-change-listener"

    let configuration: PostgresConnection.Configuration
    public let callers: CallerCache
    public let searchCaches: SearchCaches
    let logger: Logger
    let retryDelays: ClosedRange<Duration>
    let pingInterval: Duration
    let pingTimeout: Duration

    public init(
        url: DatabaseURL, callers: CallerCache = CallerCache(), searchCaches: SearchCaches = .init(),
        logger: Logger, retryDelays: ClosedRange<Duration> = Duration.seconds(1)...Duration.seconds(30),
        pingInterval: Duration = .seconds(10), pingTimeout: Duration = .seconds(5)
    ) throws {
        configuration = try PostgresConnection.Configuration(url, applicationName: Self.applicationName)
        (self.callers, self.searchCaches, self.logger, self.retryDelays) = (
            callers, searchCaches, logger, retryDelays
        )
        (self.pingInterval, self.pingTimeout) = (pingInterval, pingTimeout)
    }

    private func setListening(_ listening: Bool) {
        callers.setListening(listening)
        searchCaches.setListening(listening)
    }

    public func run() async throws {
        // Stopped with the rest of the server; the pool's requests check tokens in the database
        // for the moments in between.
        try? await cancelWhenGracefulShutdown {
            var delay = retryDelays.lowerBound
            while !Task.isCancelled {
                let listened: Bool
                do {
                    listened = try await listenUntilLost()
                } catch {
                    listened = false
                    if !Task.isCancelled {
                        logger.warning(
                            "not listening for token, user and directory changes; every request reads the database",
                            metadata: ["error": "\(String(reflecting: error))"])
                    }
                }
                setListening(false)
                delay = listened ? retryDelays.lowerBound : min(delay * 2, retryDelays.upperBound)
                try await Task.sleep(for: delay)
            }
        }
        setListening(false)
    }

    /// Listens until the connection is lost; true when it was listening at all, an error when
    /// it never got that far.
    private func listenUntilLost() async throws -> Bool {
        let connection = try await PostgresConnection.connect(
            on: PostgresClient.defaultEventLoopGroup.any(), configuration: configuration, id: 0, logger: logger)
        let probes = ProbeWaiter()
        var listened = false
        do {
            try await connection.listen(on: Self.accessChannel) { accessNotices in
                try await connection.listen(on: Self.directoryChannel) { directoryNotices in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await notice in accessNotices {
                                if notice.payload.hasPrefix(Self.probePrefix) {
                                    probes.heard(notice.payload)
                                } else {
                                    callers.invalidate()
                                }
                            }
                            throw ListenerLost()
                        }
                        group.addTask {
                            for try await _ in directoryNotices { searchCaches.invalidate() }
                            throw ListenerLost()
                        }
                        // The caches are turned on only once this connection has heard its own probe:
                        // proof that notices reach it (a pooler in transaction mode, for one, would
                        // accept `LISTEN` and deliver nothing).
                        try await probe(connection, probes)
                        listened = true
                        setListening(true)
                        logger.info("listening for token, user and directory changes")
                        group.addTask {
                            while true {
                                try await Task.sleep(for: pingInterval)
                                try await probe(connection, probes)
                            }
                        }
                        try await group.next()
                    }
                }
            }
        } catch {
            setListening(false)
            try? await connection.close()
            guard listened else { throw error }
            if !Task.isCancelled {
                logger.warning(
                    "lost the connection that listens for token, user and directory changes; reconnecting",
                    metadata: ["error": "\(String(reflecting: error))"])
            }
        }
        return listened
    }

    static let probePrefix = "probe:"

    /// Sends a notice to the access channel (both channels share the connection) and waits to hear it back. A connection that does not
    /// deliver it within `pingTimeout` is closed, which fails whatever waits on it.
    private func probe(_ connection: PostgresConnection, _ probes: ProbeWaiter) async throws {
        let payload = Self.probePrefix + UUID().uuidString
        probes.expect(payload)
        let heard = try await withThrowingTaskGroup(of: Bool.self) { race in
            race.addTask {
                _ = try await connection.query("SELECT pg_notify(\(Self.accessChannel), \(payload))", logger: logger)
                    .collect()
                return await probes.wait()
            }
            race.addTask {
                try await Task.sleep(for: pingTimeout)
                try? await connection.close()
                probes.giveUp()
                return false
            }
            defer { race.cancelAll() }
            return try await race.next() ?? false
        }
        if !heard { throw ListenerLost() }
    }

    private struct ListenerLost: Error {}
}

/// The one probe a listener is waiting to hear back.
final class ProbeWaiter: Sendable {
    private enum State {
        case idle
        case expecting(String)
        case heard
        case waiting(String, CheckedContinuation<Bool, Never>)
    }

    private let state = Mutex(State.idle)

    /// Called before the probe is sent, so an answer faster than `wait()` is not lost.
    func expect(_ payload: String) {
        state.withLock { $0 = .expecting(payload) }
    }

    func heard(_ payload: String) {
        let waiting = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            switch state {
            case .expecting(let expected) where expected == payload:
                state = .heard
                return nil
            case .waiting(let expected, let continuation) where expected == payload:
                state = .idle
                return continuation
            default:
                // Another server's probe, or a late one of ours.
                return nil
            }
        }
        waiting?.resume(returning: true)
    }

    /// True once the expected probe is heard; false when `giveUp()` or the task's cancellation
    /// comes first. The server stopping cancels the probe's timer before it can give up, so
    /// without the cancellation a probe sent just before a stop waited for ever, and so did the
    /// stop.
    func wait() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let heard = state.withLock { state -> Bool? in
                    switch state {
                    case .heard:
                        state = .idle
                        return true
                    case .expecting(let payload):
                        state = .waiting(payload, continuation)
                        return nil
                    case .idle, .waiting:
                        return false
                    }
                }
                if let heard { continuation.resume(returning: heard) }
            }
        } onCancel: {
            giveUp()
        }
    }

    func giveUp() {
        let waiting = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            defer { state = .idle }
            if case .waiting(_, let continuation) = state { return continuation }
            return nil
        }
        waiting?.resume(returning: false)
    }
}

/// The service lifecycle logs each service's description at debug level; the default one
/// would print the connection configuration, password included.
extension ChangeListener: CustomStringConvertible {
    public var description: String { "ChangeListener(\(Self.applicationName))" }
}
