import Foundation
import HavenAPI
import OpenAPIRuntime
import Yams

/// The OpenAPI document, read once at start-up from the same YAML the generator compiles,
/// and converted to JSON for `GET /openapi.json`.
public struct APIDocument: Sendable {
    public struct Operation: Sendable, Hashable {
        public let method: String
        public let path: String
    }

    public let json: Data
    let container: OpenAPIObjectContainer
    /// Every (method, path) the document describes, methods uppercased.
    public let operations: Set<Operation>

    public static func load() throws -> APIDocument {
        let parsed = try Yams.load(yaml: OpenAPIDocument.yaml)
        let object = try jsonCompatible(parsed as Any)
        let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        let container = try JSONDecoder().decode(OpenAPIObjectContainer.self, from: json)

        var operations: Set<Operation> = []
        let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        if let paths = (object as? [String: Any])?["paths"] as? [String: Any] {
            for (path, item) in paths {
                for key in (item as? [String: Any])?.keys ?? [:].keys where methods.contains(key) {
                    operations.insert(Operation(method: key.uppercased(), path: path))
                }
            }
        }
        return APIDocument(json: json, container: container, operations: operations)
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
