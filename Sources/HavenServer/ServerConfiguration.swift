import Foundation
import NIOCore

/// How the HTTP server listens and protects itself.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body accepted; larger ones get 413.
    public var maxBodyBytes: Int
    /// A keep-alive connection with no traffic for this long is closed.
    public var idleTimeout: Duration
    /// How long `/readyz` waits for the database before answering 503.
    public var readinessTimeout: Duration
    /// Requests a minute from one client address.
    public var requestsPerMinutePerAddress: Int
    /// Requests a minute with one API token.
    public var requestsPerMinutePerToken: Int
    /// Failed authentications a minute from one client address; past it, 429 instead of 401.
    public var authenticationFailuresPerMinute: Int
    /// Directory records not verified for this many days are flagged stale.
    public var staleAfterDays: Int
    /// Where partners reach this server (scheme, host, port), for the absolute URLs `GET /hsds`
    /// gives; the listening address when not set.
    public var publicURL: String?
    /// Documents read per statement while streaming `format=ndjson`.
    public var streamChunkSize = 500

    /// The public URL without a trailing slash.
    var baseURL: String {
        var url = publicURL ?? "http://\(host):\(port)"
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        maxBodyBytes: Int = 1 << 20,
        idleTimeout: Duration = .seconds(60),
        readinessTimeout: Duration = .seconds(2),
        requestsPerMinutePerAddress: Int = 1200,
        requestsPerMinutePerToken: Int = 600,
        authenticationFailuresPerMinute: Int = 20,
        staleAfterDays: Int = 365,
        publicURL: String? = nil
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.readinessTimeout = readinessTimeout
        self.requestsPerMinutePerAddress = requestsPerMinutePerAddress
        self.requestsPerMinutePerToken = requestsPerMinutePerToken
        self.authenticationFailuresPerMinute = authenticationFailuresPerMinute
        self.staleAfterDays = staleAfterDays
        self.publicURL = publicURL
    }
}

extension ServerConfiguration {
    /// One sentence for whoever started the server when it cannot take its address (a port in
    /// use, a privileged port, an address this machine does not have); nil for any other error.
    public func listeningProblem(_ error: any Error) -> String? {
        guard let error = error as? IOError else { return nil }
        let address = "\(host):\(port)"
        switch error.errnoCode {
        case EADDRINUSE:
            return
                "Haven cannot listen on \(address): another program is using that port. Stop it, or choose another port with --port or HAVEN_PORT."
        case EACCES:
            return
                "Haven is not allowed to listen on \(address): ports below 1024 need privileges. Choose another port with --port or HAVEN_PORT."
        case EADDRNOTAVAIL:
            return
                "Haven cannot listen on \(address): this machine has no such address. Choose another with --host or HAVEN_HOST."
        default:
            return nil
        }
    }
}
