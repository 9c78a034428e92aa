import Foundation
import HavenCore

/// The base URL of a Haven server, as `haven login --server` accepts it.
///
/// Tokens must not cross a network in clear text, so plain `http` is accepted only for the
/// local machine (`make run`, a tunnel, a reverse proxy on the same host).
public struct ServerAddress: Sendable, Equatable, CustomStringConvertible {
    public let url: URL

    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            throw ClientError.invalidServer(text, "expected a URL such as https://haven.example.org")
        }
        guard components.query == nil, components.fragment == nil, components.user == nil else {
            throw ClientError.invalidServer(text, "give only scheme, host, port and an optional path")
        }
        switch scheme {
        case "https": break
        case "http":
            // An IPv4 literal only: `127.example.com` is a name anyone can point anywhere.
            guard DatabaseURL.isLoopback(host) else {
                throw ClientError.invalidServer(
                    text, "plain http is only for this machine; use https:// so the token is never sent in clear")
            }
        default:
            throw ClientError.invalidServer(text, "the scheme must be https (or http for this machine)")
        }
        var normalized = components
        normalized.scheme = scheme
        while normalized.path.hasSuffix("/") { normalized.path.removeLast() }
        guard let url = normalized.url else { throw ClientError.invalidServer(text, "not a valid URL") }
        self.url = url
    }

    public var description: String { url.absoluteString }
}
