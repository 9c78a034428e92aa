import HavenAPI
import HavenCore
import Logging
import OpenAPIRuntime

/// Liveness, readiness, the server's metrics and the contract itself.
struct OperationsHandler: Sendable {
    let readiness: ReadinessProbe
    let document: APIDocument
    let metrics: RequestMetrics
    let logger: Logger

    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        switch await readiness.check(logger: logger) {
        case .ready:
            return .ok(.init(body: .json(.init(status: .ready, database: .ok, schema: .current))))
        case .databaseUnavailable:
            throw HTTPProblem(
                .serviceUnavailable,
                type: "urn:haven:problem:not-ready",
                title: "Not ready",
                detail: "The database does not answer."
            )
        case .schemaNotCurrent(let plan):
            throw HTTPProblem(
                .serviceUnavailable,
                type: "urn:haven:problem:not-ready",
                title: "Not ready",
                detail: Self.schemaDetail(plan)
            )
        }
    }

    func getOpenAPIDocument(
        _ input: Operations.GetOpenAPIDocument.Input
    ) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .json(.init(additionalProperties: document.container))))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(metrics.exposition()))))
    }

    static func schemaDetail(_ plan: MigrationPlan) -> String {
        if !plan.problems.isEmpty {
            return "The database schema does not match this build; see `haven migrate --status`."
        }
        let count = plan.pending.count
        return "The database schema is behind: \(count) migration\(count == 1 ? "" : "s") pending. Run `haven migrate`."
    }
}
