import HavenAPI
import OpenAPIRuntime

/// The generated `APIProtocol`, implemented by forwarding each operation to the handler of its
/// area. Handlers stay thin: parse, call domain code, encode.
struct APIHandler: APIProtocol {
    let operations: OperationsHandler

    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        try await operations.getHealth(input)
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        try await operations.getReadiness(input)
    }

    func getOpenAPIDocument(
        _ input: Operations.GetOpenAPIDocument.Input
    ) async throws -> Operations.GetOpenAPIDocument.Output {
        try await operations.getOpenAPIDocument(input)
    }
}
