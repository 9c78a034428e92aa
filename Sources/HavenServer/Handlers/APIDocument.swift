import Foundation
import HavenAPI
import OpenAPIRuntime
import Yams

/// The OpenAPI document, read once at start-up from the same YAML the generator compiles,
/// and converted to JSON for `GET /openapi.json`.
struct APIDocument: Sendable {
    let container: OpenAPIObjectContainer
    let parameterTypes: QueryParameterTypes
    /// Operations whose 200 answer is a list carrying `next_cursor`.
    let listOperations: Set<String>

    static func load() throws -> APIDocument {
        let parsed = try Yams.load(yaml: OpenAPIDocument.yaml)
        let object = try jsonCompatible(parsed as Any)
        // Through JSON, whose types are exact, so quoted YAML scalars such as '02134' stay strings.
        let json = try JSONSerialization.data(withJSONObject: object)

        let document = object as? [String: Any] ?? [:]
        return APIDocument(
            container: try JSONDecoder().decode(OpenAPIObjectContainer.self, from: json),
            parameterTypes: QueryParameterTypes(document: document),
            listOperations: listOperations(in: document))
    }

    /// Read from the document, so a new list gets `"next_cursor": null` without anyone
    /// remembering to add it somewhere.
    static func listOperations(in document: [String: Any]) -> Set<String> {
        func resolved(_ value: Any?) -> [String: Any]? {
            guard let object = value as? [String: Any] else { return nil }
            guard let reference = object["$ref"] as? String, reference.hasPrefix("#/") else { return object }
            var target: Any? = document
            for part in reference.dropFirst(2).split(separator: "/") {
                target = (target as? [String: Any])?[String(part)]
            }
            return resolved(target)
        }
        var operations = Set<String>()
        for case let item as [String: Any] in (document["paths"] as? [String: Any] ?? [:]).values {
            for case let operation as [String: Any] in item.values {
                guard let id = operation["operationId"] as? String,
                    let ok = resolved((operation["responses"] as? [String: Any])?["200"]),
                    let json = resolved((ok["content"] as? [String: Any])?["application/json"]),
                    let schema = resolved(json["schema"]),
                    (schema["properties"] as? [String: Any])?["next_cursor"] != nil
                else { continue }
                operations.insert(id)
            }
        }
        return operations
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
