import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A server and the API token to use with it.
public struct ClientLogin: Sendable, Equatable {
    public var server: ServerAddress
    public var token: String

    public init(server: ServerAddress, token: String) throws {
        let token = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.hasPrefix("hvn_"), token.count > 4, token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw ClientError.invalidToken
        }
        self.server = server
        self.token = token
    }

    /// The login client commands use: `HAVEN_SERVER` and `HAVEN_TOKEN` override the stored one,
    /// each on its own, so a script can point a stored token at another server or vice versa.
    public static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        file: ClientConfigFile
    ) throws -> ClientLogin {
        let stored = try file.load()
        let serverText = environment["HAVEN_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
        let tokenText = environment["HAVEN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        guard let server = try serverText.map(ServerAddress.init(parsing:)) ?? stored?.server,
            let token = tokenText ?? stored?.token
        else { throw ClientError.notLoggedIn }
        return try ClientLogin(server: server, token: token)
    }
}

/// `~/.config/haven/config`: the stored login, readable by its owner only.
public struct ClientConfigFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// `$XDG_CONFIG_HOME/haven/config`, else `~/.config/haven/config`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> Self {
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return ClientConfigFile(path: base + "/haven/config")
    }

    private struct Stored: Codable {
        var server: String
        var token: String
    }

    public func load() throws -> ClientLogin? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw ClientError.configuration("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        // Like ssh with a private key: a token others could read is treated as already leaked.
        guard info.st_mode & 0o077 == 0 else {
            throw ClientError.configuration(
                "\(path) is readable by other accounts (mode \(String(info.st_mode & 0o777, radix: 8))); "
                    + "run `chmod 600 \(path)` and revoke the token if others may have read it")
        }
        do {
            let stored = try JSONDecoder().decode(Stored.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            return try ClientLogin(server: ServerAddress(parsing: stored.server), token: stored.token)
        } catch let error as ClientError {
            throw ClientError.configuration("\(path): \(error.description)")
        } catch {
            throw ClientError.configuration("\(path) is not a Haven client configuration; run `haven login` again")
        }
    }

    public func save(_ login: ClientLogin) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(Stored(server: login.server.description, token: login.token))
            // Written 0600 from the first byte, then renamed over the old file.
            let temporary = path + ".new-\(getpid())"
            guard
                FileManager.default.createFile(
                    atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
            else { throw ClientError.configuration("cannot write \(temporary)") }
            guard rename(temporary, path) == 0 else {
                unlink(temporary)
                throw ClientError.configuration("cannot write \(path): \(String(cString: strerror(errno)))")
            }
        } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError.configuration("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Removes the stored login; returns whether there was one.
    @discardableResult
    public func delete() throws -> Bool {
        guard unlink(path) == 0 else {
            if errno == ENOENT { return false }
            throw ClientError.configuration("cannot remove \(path): \(String(cString: strerror(errno)))")
        }
        return true
    }
}
