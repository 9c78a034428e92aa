import Prometheus
import Synchronization

/// How long the server takes to answer, per route, for `GET /metrics` (Prometheus' text format).
///
/// Measured where the access log measures it: from the moment the request reaches the router to
/// the moment its response is ready, so the client's own queueing and the network are left out.
/// This is the figure the search targets name ("at the server"); a load generator on the same
/// two cores adds its own share on top.
///
/// Labels are the method, the route template and the status code, never the raw path or query:
/// ids and search terms stay out of the metrics as they stay out of the logs, and the number of
/// series stays bounded whatever a client sends.
public final class RequestMetrics: Sendable {
    /// Fine around the search targets (1.5 ms, 5 ms, 25 ms) so a target can be read straight from
    /// a bucket, and coarse beyond a second, where only imports and exports go.
    public static let bucketBounds: [Duration] = [
        0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 8, 10, 15, 20, 25, 35, 50, 75, 100, 250, 500,
        1_000, 2_500, 5_000, 10_000, 30_000,
    ].map { Duration.microseconds(Int64($0 * 1000)) }

    // Computed: the descriptor is not Sendable, and it is read only when a series is first met.
    static var duration: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "haven", metricName: "http_server_request_duration", unitName: "seconds",
            helpText: "Time from a request reaching the router to its response being ready, by route template.")
    }

    /// The methods kept as they are; any other is counted as `_OTHER`, as OpenTelemetry's HTTP
    /// conventions do, so that made-up methods cannot grow the series without bound.
    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    private struct Series: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    private let registry = PrometheusCollectorRegistry()
    /// The histogram of each series met so far: the registry would find it too, but only after
    /// validating names and comparing bucket lists on every request.
    private let histograms = Mutex<[Series: DurationHistogram]>([:])

    public init() {}

    /// Records one answered request. `route` is the template (`/v1/services/{id}`), or
    /// `(unmatched)` for a path no route has.
    public func record(method: String, route: String, status: Int, elapsed: Duration) {
        let series = Series(
            method: Self.knownMethods.contains(method) ? method : "_OTHER", route: route, status: status)
        let histogram = histograms.withLock { known in
            if let histogram = known[series] { return histogram }
            let histogram = registry.makeDurationHistogram(
                descriptor: Self.duration,
                labels: [
                    ("http_request_method", series.method), ("http_route", series.route),
                    ("http_response_status_code", String(series.status)),
                ],
                buckets: Self.bucketBounds)
            known[series] = histogram
            return histogram
        }
        histogram.record(elapsed)
    }

    /// Every series in Prometheus' text exposition format (version 0.0.4, served as `text/plain`).
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
