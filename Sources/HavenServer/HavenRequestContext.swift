import Hummingbird

/// Per-request state shared by middleware and handlers.
public struct HavenRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// `BodyLimitMiddleware` enforces the configured limit on every route; Hummingbird's own
    /// fixed limit for decoding bodies would otherwise cut in first with a different number.
    public var maxUploadSize: Int { .max }
}
