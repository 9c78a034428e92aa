import Hummingbird

/// Per-request state shared by middleware and handlers.
public struct HavenRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, for the audit log and per-address rate limits.
    public let clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// `BodyLimitMiddleware` enforces the configured limit on every route; Hummingbird's own
    /// fixed limit for decoding bodies would otherwise cut in first with a different number.
    public var maxUploadSize: Int { .max }
}
