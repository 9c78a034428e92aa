import Foundation

/// Everything a client command can fail with, each told in one line.
public enum ClientError: Error, CustomStringConvertible, Equatable {
    /// The server answered with a problem document.
    case problem(status: Int, title: String, detail: String?)
    /// The server answered, but not with anything Haven sends (a proxy's error page, say).
    case unexpectedResponse(status: Int?)
    case unreachable(server: String, reason: String)
    case notLoggedIn
    case invalidServer(String, String)
    case invalidToken
    case configuration(String)

    public var description: String {
        switch self {
        case .problem(let status, let title, let detail):
            "the server refused (\(status) \(title))" + (detail.map { ": \($0)" } ?? "")
        case .unexpectedResponse(let status):
            "the server gave an answer Haven does not send"
                + (status.map { " (HTTP \($0))" } ?? "") + "; is the server URL a Haven server?"
        case .unreachable(let server, let reason): "cannot reach \(server): \(reason)"
        case .notLoggedIn:
            "not logged in: run `haven login --server URL`, or set HAVEN_SERVER and HAVEN_TOKEN"
        case .invalidServer(let text, let reason): "'\(text)' is not a usable server: \(reason)"
        case .invalidToken: "that is not a Haven API token (they start with hvn_)"
        case .configuration(let message): message
        }
    }
}
