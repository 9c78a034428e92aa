import Hummingbird
import Logging

/// One log line per request (method, route template, status, duration), and the same duration
/// in `RequestMetrics` for `GET /metrics`.
///
/// The route template (`/v1/families/{id}`), never the raw path, so ids stay out of logs; and
/// never bodies or query strings, which may carry family or volunteer data.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: RequestMetrics

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        // ProblemMiddleware sits inside this one, so every outcome arrives here as a response.
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        let route = Self.route(context.endpointPath)
        metrics.record(
            method: request.method.rawValue, route: route, status: response.status.code, elapsed: elapsed)
        context.logger.info(
            "request",
            metadata: [
                "http.method": .string(request.method.rawValue),
                "http.route": .string(route),
                "http.status": .stringConvertible(response.status.code),
                "duration_ms": .string(Self.milliseconds(elapsed)),
            ]
        )
        return response
    }

    /// Milliseconds to the microsecond, as `%.3f` wrote them ("0.919", "12.040"). By hand: at the
    /// default log level every request writes one, and `String(format:)` goes through `printf`.
    static func milliseconds(_ elapsed: Duration) -> String {
        let micros = max(0, Int((elapsed / .microseconds(1)).rounded()))
        let fraction = micros % 1000
        return "\(micros / 1000)." + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + String(fraction)
    }

    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath != "NotFound" else { return "(unmatched)" }
        guard endpointPath.contains(":") else { return endpointPath }
        // Hummingbird writes parameters as `:name`; log them the way the OpenAPI document does.
        return endpointPath.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
    }
}
