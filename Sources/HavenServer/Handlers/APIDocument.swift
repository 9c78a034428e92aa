import Foundation
import HavenAPI
import OpenAPIRuntime
import Yams

/// The OpenAPI document, read once at start-up from the same YAML the generator compiles,
/// and converted to JSON for `GET /openapi.json`.
struct APIDocument: Sendable {
    let container: OpenAPIObjectContainer
    let parameterTypes: QueryParameterTypes

    static func load() throws -> APIDocument {
        let parsed = try Yams.load(yaml: OpenAPIDocument.yaml)
        let object = try jsonCompatible(parsed as Any)
        // Through JSON, whose types are exact, so quoted YAML scalars such as '02134' stay strings.
        let json = try JSONSerialization.data(withJSONObject: object)

        return APIDocument(
            container: try JSONDecoder().decode(OpenAPIObjectContainer.self, from: json),
            parameterTypes: QueryParameterTypes(document: object as? [String: Any] ?? [:]))
    }

    /// YAML allows values JSON has no words for (non-string keys, timestamps); the document
    /// must not use them.
    private static func jsonCompatible(_ value: Any) throws -> Any {
        switch value {
        case let dictionary as [String: Any]:
            return try dictionary.mapValues(jsonCompatible)
        case let dictionary as [AnyHashable: Any]:
            var result: [String: Any] = [:]
            for (key, value) in dictionary { result["\(key)"] = try jsonCompatible(value) }
            return result
        case let array as [Any]:
            return try array.map(jsonCompatible)
        case is String, is Int, is Double, is Bool, is NSNull:
            return value
        default:
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: [],
                    debugDescription: "openapi.yaml holds a \(type(of: value)), which JSON cannot express")
            )
        }
    }
}
