import Hummingbird

/// Per-request state shared by middleware and handlers.
public struct HavenRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The request id as it appears in `X-Request-Id` and every log line.
    public var requestID: String { id }
}
