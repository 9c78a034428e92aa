import HavenCore

/// Who is asking, and from where, for the duration of one request. Set by the HTTP middleware
/// (request id, client address) and by `AccessMiddleware` (the caller), read by handlers and
/// the audit log.
struct RequestScope: Sendable {
    var requestID: String
    var clientAddress: String?
    var caller: Caller?

    @TaskLocal static var current: RequestScope?
}
