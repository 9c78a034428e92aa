import Foundation
import HavenCore

/// The declared type of each operation's typed query parameters, read from the OpenAPI document
/// at start-up. The generated code refuses a value it cannot decode (`limit=ten`) without saying
/// which parameter was wrong; with this table the refusal names it, in one 422 like every other
/// bad parameter.
struct QueryParameterTypes: Sendable {
    enum Kind: Sendable, Equatable {
        case integer
        case number
        case boolean
        case dateTime
        case oneOf([String])

        func admits(_ value: String) -> Bool {
            switch self {
            case .integer: Int(value) != nil
            case .number: Double(value).map(\.isFinite) ?? false
            case .boolean: value == "true" || value == "false"
            case .dateTime: ISO8601Moment.date(from: value) != nil
            case .oneOf(let values): values.contains(value)
            }
        }

        var expectation: String {
            switch self {
            case .integer: "must be a whole number"
            case .number: "must be a number"
            case .boolean: "must be true or false"
            case .dateTime: MomentTranscoder.message
            case .oneOf(let values): "must be one of: \(values.joined(separator: ", "))"
            }
        }
    }

    /// operationId → query parameter name → its kind (only the typed ones).
    let operations: [String: [String: Kind]]

    /// Reads `paths` of a parsed OpenAPI document, following `$ref`s into
    /// `components/parameters`.
    init(document: [String: Any]) {
        let components = (document["components"] as? [String: Any])?["parameters"] as? [String: Any] ?? [:]
        func resolve(_ parameter: Any) -> [String: Any]? {
            guard let parameter = parameter as? [String: Any] else { return nil }
            guard let reference = parameter["$ref"] as? String else { return parameter }
            return components[String(reference.split(separator: "/").last ?? "")] as? [String: Any]
        }
        var operations: [String: [String: Kind]] = [:]
        for case let item as [String: Any] in (document["paths"] as? [String: Any] ?? [:]).values {
            let shared = item["parameters"] as? [Any] ?? []
            for case let operation as [String: Any] in item.values {
                guard let id = operation["operationId"] as? String else { continue }
                var kinds: [String: Kind] = [:]
                for parameter in shared + (operation["parameters"] as? [Any] ?? []) {
                    guard let parameter = resolve(parameter), parameter["in"] as? String == "query",
                        let name = parameter["name"] as? String,
                        let kind = Self.kind(of: parameter["schema"] as? [String: Any] ?? [:])
                    else { continue }
                    kinds[name] = kind
                }
                if !kinds.isEmpty { operations[id] = kinds }
            }
        }
        self.operations = operations
    }

    private static func kind(of schema: [String: Any]) -> Kind? {
        if let values = schema["enum"] as? [String] { return .oneOf(values) }
        switch schema["type"] as? String {
        case "integer": return .integer
        case "number": return .number
        case "boolean": return .boolean
        case "string" where schema["format"] as? String == "date-time": return .dateTime
        default: return nil
        }
    }

    /// Each typed parameter of `query` whose value its type does not admit.
    func problems(operationID: String, query: String) -> [FieldError] {
        guard let kinds = operations[operationID] else { return [] }
        var errors: [FieldError] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decoded(parts[0]), let kind = kinds[name] else { continue }
            let value = parts.count > 1 ? Self.decoded(parts[1]) : ""
            if let value, kind.admits(value) { continue }
            let error = FieldError(pointer: "/\(name)", detail: kind.expectation)
            if !errors.contains(error) { errors.append(error) }
        }
        return errors
    }

    private static func decoded(_ raw: Substring) -> String? {
        raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
