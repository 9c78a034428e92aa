import Foundation

/// A PostgreSQL connection URL (`postgres://user:password@host:port/database?sslmode=…`)
/// together with the transport-security rule Haven enforces on it.
///
/// A host that is an absolute path names the directory of PostgreSQL's Unix-domain socket, as
/// libpq reads it: percent-encoded in the host (`postgres://haven@%2Fvar%2Frun%2Fpostgresql/haven`)
/// or given as `?host=/var/run/postgresql`. The port still picks the socket (`.s.PGSQL.5432`).
///
/// `description` never contains the password, so the value is safe to log.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// libpq's `sslmode` values, with libpq's meaning.
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable
        case allow
        case prefer
        case require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case malformed
        case unsupportedScheme(String)
        case missingHost
        case missingDatabase
        case invalidPort(Int)
        case unsupportedParameter(String)
        case invalidParameter(name: String, value: String)
        case plaintextToRemoteHost(host: String, sslMode: SSLMode)
        case encryptedSocket(sslMode: SSLMode)
        case socketPathTooLong(String)

        public var description: String {
            switch self {
            case .malformed:
                return "DATABASE_URL is not a URL of the form postgres://user:password@host:port/database"
            case .unsupportedScheme(let scheme):
                return "DATABASE_URL has scheme '\(scheme)'; use postgres:// or postgresql://"
            case .missingHost:
                return "DATABASE_URL names no host"
            case .missingDatabase:
                return "DATABASE_URL names no database (the path after the host, e.g. /haven)"
            case .invalidPort(let port):
                return "DATABASE_URL has port \(port), which is not a TCP port number"
            case .unsupportedParameter(let name):
                let known = DatabaseURL.supportedParameters.sorted().joined(separator: ", ")
                return "DATABASE_URL has parameter '\(name)', which Haven does not understand (supported: \(known))"
            case .invalidParameter(let name, let value):
                if name == "sslmode" {
                    let known = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                    return "DATABASE_URL has sslmode=\(value); use one of \(known)"
                }
                return "DATABASE_URL has \(name)=\(value), which is not a valid value"
            case .plaintextToRemoteHost(let host, let sslMode):
                return
                    "Refusing a connection to \(host) that may be unencrypted: sslmode=\(sslMode.rawValue) "
                    + "falls back to plaintext. Use sslmode=verify-full (or require / verify-ca), "
                    + "or say sslmode=disable explicitly if this network is private."
            case .encryptedSocket(let sslMode):
                return
                    "DATABASE_URL names a Unix socket with sslmode=\(sslMode.rawValue), but PostgreSQL offers no TLS "
                    + "on a socket (it never leaves this machine): drop sslmode or use sslmode=disable"
            case .socketPathTooLong(let path):
                return
                    "DATABASE_URL names the socket \(path), longer than the \(DatabaseURL.maximumSocketPathLength) "
                    + "bytes a Unix socket's path may have"
            }
        }
    }

    static let supportedParameters: Set<String> = [
        "sslmode", "sslrootcert", "application_name", "connect_timeout", "host",
    ]

    /// `sun_path` holds 108 bytes, the last a NUL.
    public static let maximumSocketPathLength = 107

    /// The TCP host, used only without a socket directory (a URL read with one says `localhost`).
    public var host: String
    /// The directory of PostgreSQL's Unix-domain socket, when the URL names one instead of a TCP
    /// host: on the same machine a socket costs both sides less than loopback TCP.
    public var socketDirectory: String?
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// The mode in force. When the URL gives none, loopback hosts get `prefer` and
    /// every other host gets `verify-full`.
    public var sslMode: SSLMode
    /// Path of a PEM file with the certificate authorities to trust (`sslrootcert`).
    public var sslRootCertificatePath: String?
    public var applicationName: String?
    public var connectTimeoutSeconds: Int?

    public init(
        host: String,
        port: Int = 5432,
        username: String,
        password: String?,
        database: String,
        sslMode: SSLMode = .prefer,
        socketDirectory: String? = nil
    ) {
        self.host = host
        self.socketDirectory = socketDirectory
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    public init(parsing string: String) throws(ParseError) {
        guard let components = URLComponents(string: string), let scheme = components.scheme else {
            throw .malformed
        }
        guard scheme == "postgres" || scheme == "postgresql" else { throw .unsupportedScheme(scheme) }
        var host = components.host.map(Self.unbracketed) ?? ""

        var port = 5432
        if let givenPort = components.port {
            guard (1...65535).contains(givenPort) else { throw .invalidPort(givenPort) }
            port = givenPort
        }

        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw .missingDatabase }

        var sslMode: SSLMode?
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw .invalidParameter(name: item.name, value: value)
                }
                sslMode = mode
            case "sslrootcert":
                sslRootCertificatePath = value
            case "application_name":
                applicationName = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw .invalidParameter(name: item.name, value: value)
                }
                connectTimeoutSeconds = seconds
            case "host":
                // libpq lets `host` override the URL's host; Haven takes it for a socket only.
                guard value.hasPrefix("/") else { throw .invalidParameter(name: item.name, value: value) }
                host = value
            default:
                throw .unsupportedParameter(item.name)
            }
        }

        guard !host.isEmpty else { throw .missingHost }
        if host.hasPrefix("/") {
            let directory = host.count > 1 && host.hasSuffix("/") ? String(host.dropLast()) : host
            let path = Self.socketPath(directory: directory, port: port)
            guard path.utf8.count <= Self.maximumSocketPathLength else { throw .socketPathTooLong(path) }
            if let mode = sslMode, mode != .disable && mode != .allow && mode != .prefer {
                throw .encryptedSocket(sslMode: mode)
            }
            socketDirectory = directory
            host = "localhost"
            sslMode = .disable
        }

        // A remote host gets TLS unless the operator explicitly says the network is private;
        // modes that may silently fall back to plaintext are refused outright.
        let loopback = Self.isLoopback(host)
        if !loopback, let mode = sslMode, mode == .allow || mode == .prefer {
            throw .plaintextToRemoteHost(host: host, sslMode: mode)
        }

        self.host = host
        self.port = port
        self.username = components.user ?? "postgres"
        self.password = components.password
        self.database = database
        self.sslMode = sslMode ?? (loopback ? .prefer : .verifyFull)
    }

    /// True for `localhost`, 127.0.0.0/8 and `::1`: traffic that never leaves the machine.
    public static func isLoopback(_ host: String) -> Bool {
        let host = unbracketed(host).lowercased()
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }

    public var isLoopback: Bool { socketDirectory != nil || Self.isLoopback(host) }

    /// The socket's own path, when the URL names a socket directory.
    public var socketPath: String? {
        socketDirectory.map { Self.socketPath(directory: $0, port: port) }
    }

    /// Where the database listens, for messages: `host:port`, or the socket's path.
    public var endpoint: String {
        socketPath ?? "\(host):\(port)"
    }

    /// PostgreSQL's name for its socket in `directory`.
    public static func socketPath(directory: String, port: Int) -> String {
        (directory == "/" ? "" : directory) + "/.s.PGSQL.\(port)"
    }

    /// The URL with its password, for a user who asked for it (`haven db status`).
    public var urlString: String {
        render(password: password.map(Self.percentEncodeUserInfo))
    }

    /// The URL with the password masked: safe for logs and error messages.
    public var description: String {
        render(password: password == nil ? nil : "********")
    }

    private func render(password: String?) -> String {
        var userInfo = Self.percentEncodeUserInfo(username)
        if let password { userInfo += ":" + password }
        let hostPart =
            socketDirectory.map { $0.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? $0 }
            ?? (host.contains(":") ? "[\(host)]" : host)
        var query = ["sslmode=\(sslMode.rawValue)"]
        if let sslRootCertificatePath { query.append("sslrootcert=\(sslRootCertificatePath)") }
        return "postgres://\(userInfo)@\(hostPart):\(port)/\(database)?\(query.joined(separator: "&"))"
    }

    /// What user names, passwords and a socket directory keep unencoded: a directory's every `/`
    /// is percent-encoded in the host part, as libpq expects.
    private static let unreserved: CharacterSet = {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return allowed
    }()

    private static func unbracketed(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    private static func percentEncodeUserInfo(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }
}
