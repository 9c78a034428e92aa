import ArgumentParser
import Foundation
import HavenAPI
import HavenClient

#if canImport(Glibc)
    import Glibc
#endif

/// Options every API client command shares.
struct ClientOutputOptions: ParsableArguments {
    @Flag(help: "Print the server's answer as JSON instead of text.")
    var json = false
}

struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign in to a Haven server with an API token and remember it.",
        discussion: """
            Asks for the token (input hidden), or reads it from standard input when that is not \
            a terminal: `haven login --server URL < token.txt`. The token is never taken as an \
            argument, so it stays out of shell history. It is checked with the server, then \
            stored with the server URL in ~/.config/haven/config (mode 0600; \
            $XDG_CONFIG_HOME/haven/config when set). HAVEN_SERVER and HAVEN_TOKEN override the \
            stored values for every client command.
            """
    )

    @Option(help: "The server's URL: https://…, or http:// on this machine only. [env: HAVEN_SERVER]")
    var server: String?

    func run() async throws {
        guard let serverText = setting(server, "HAVEN_SERVER") else {
            throw ValidationError("Give the server: haven login --server https://haven.example.org")
        }
        let address = try ServerAddress(parsing: serverText)
        guard let token = readToken() else { throw HavenClient.ClientError.invalidToken }
        let login = try ClientLogin(server: address, token: token)
        let caller = try await HavenAPIClient(login: login).whoami()
        let file = ClientConfigFile.standard()
        try file.save(login)
        say("Logged in to \(address) as \(caller.summary). Saved in \(file.path).")
    }

    private func readToken() -> String? {
        guard isatty(STDIN_FILENO) == 1 else { return readLine(strippingNewline: true) }
        FileHandle.standardError.write(Data("API token (hvn_…): ".utf8))
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var hidden = saved
        hidden.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &hidden)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true)
    }
}

struct Whoami: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show who the stored token (or HAVEN_TOKEN) signs in as: user, role, organization."
    )

    @OptionGroup var output: ClientOutputOptions

    func run() async throws {
        let login = try ClientLogin.resolve(file: .standard())
        let caller = try await HavenAPIClient(login: login).whoami()
        if output.json {
            say(try jsonText(caller))
            return
        }
        say(caller.summary)
        say("  server        \(login.server)")
        say("  user id       \(caller.user.id)")
        if let organization = caller.organization {
            say("  organization  \(organization.name) (\(organization.id))")
        }
        say("  token id      \(caller.tokenId)")
    }
}

struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forget the stored login; with --revoke, also revoke the token on the server.",
        discussion: """
            Without --revoke the token keeps working wherever else it is used (scripts, other \
            machines) until it expires or is revoked with DELETE /v1/tokens/{id}. --revoke revokes \
            the stored token, on the server it was stored with; HAVEN_TOKEN is revoked only when no \
            login is stored.
            """
    )

    @Flag(help: "Revoke the token on the server before forgetting it.")
    var revoke = false

    func run() async throws {
        let file = ClientConfigFile.standard()
        if revoke {
            // The token revoked is the one being forgotten: the stored login, on its own server,
            // even when HAVEN_TOKEN or HAVEN_SERVER point elsewhere for this shell. Only with no
            // stored login does --revoke fall back to HAVEN_TOKEN.
            let login = try file.load() ?? ClientLogin.resolve(file: file)
            let client = HavenAPIClient(login: login)
            let caller = try await client.whoami()
            try await client.revokeToken(id: caller.tokenId)
            say("Revoked token \(caller.tokenId) on \(login.server).")
        }
        if try file.delete() {
            say("Logged out: removed \(file.path).")
        } else {
            say("No stored login at \(file.path).")
        }
    }
}

extension Components.Schemas.Whoami {
    /// "Ada Example (advocate, Riverbend Family Services)"
    var summary: String {
        let context = [user.role.rawValue, organization?.name].compactMap { $0 }.joined(separator: ", ")
        return "\(user.name) (\(context))"
    }
}

func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
