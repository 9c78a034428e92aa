import HavenCore
import HavenStorage
import Logging

/// Decides whether this instance should receive traffic: the database answers within the
/// timeout and holds exactly the schema this build ships.
struct ReadinessProbe: Sendable {
    enum Outcome: Sendable, Equatable {
        case ready
        case databaseUnavailable
        case schemaNotCurrent(MigrationPlan)
    }

    let migrator: Migrator
    let timeout: Duration

    func check(logger: Logger) async -> Outcome {
        do {
            let plan = try await withTimeout(timeout) { try await migrator.plan() }
            return plan.isCurrent ? .ready : .schemaNotCurrent(plan)
        } catch {
            logger.warning("readiness: database unavailable", metadata: ["error.type": "\(type(of: error))"])
            return .databaseUnavailable
        }
    }
}

struct TimeoutError: Error {}

/// Runs `operation`, cancelling it when `duration` passes first.
func withTimeout<T: Sendable>(
    _ duration: Duration,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw TimeoutError()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TimeoutError() }
        return first
    }
}
