import HTTPTypes
import Synchronization

/// The routes the router serves, known after they are all registered, so that an unmatched
/// request can be told apart: unknown path (404) or known path with another method (405).
final class RouteTable: Sendable {
    struct Route: Sendable, Hashable {
        var method: HTTPRequest.Method
        /// Path segments; `:name` and `{name}` match any one segment.
        var segments: [String]
    }

    private let routes = Mutex<[Route]>([])

    func install(_ routes: [(method: HTTPRequest.Method, path: String)]) {
        let parsed = routes.map { Route(method: $0.method, segments: Self.segments($0.path)) }
        self.routes.withLock { $0 = parsed }
    }

    func allowedMethods(for path: String) -> [HTTPRequest.Method] {
        let requested = Self.segments(path)
        let methods = routes.withLock { routes in
            routes.filter { Self.matches($0.segments, requested) }.map(\.method)
        }
        var unique: [HTTPRequest.Method] = []
        for method in methods where !unique.contains(method) { unique.append(method) }
        return unique.sorted { $0.rawValue < $1.rawValue }
    }

    private static func segments(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }

    private static func matches(_ template: [String], _ path: [String]) -> Bool {
        guard template.count == path.count else { return false }
        return zip(template, path).allSatisfy { pattern, segment in
            pattern.hasPrefix(":") || pattern.hasPrefix("{") || pattern == "*" || pattern == segment
        }
    }
}
