import ArgumentParser
import Foundation
import HavenCore
import HavenServer
import HavenStorage
import Logging

/// A setting that cannot work, reported as one plain sentence (no usage text: the command line
/// itself was fine).
struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Writes a line of command output at once (stdout is block-buffered when piped), so it
/// interleaves in order with log lines on stderr under make, CI and systemd.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// A flag, else its environment variable, else the default.
func setting(_ flag: String?, _ variable: String, default fallback: String? = nil) -> String? {
    if let flag { return flag }
    if let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty { return value }
    return fallback
}

func intSetting(_ flag: Int?, _ variable: String, default fallback: Int, in range: ClosedRange<Int>? = nil) throws
    -> Int
{
    var value = fallback
    if let flag {
        value = flag
    } else if let raw = ProcessInfo.processInfo.environment[variable], !raw.isEmpty {
        guard let parsed = Int(raw) else { throw ConfigurationError("\(variable)=\(raw) is not a whole number") }
        value = parsed
    }
    // A zero rate limit stopped the server at its first request, a zero pool left it hanging,
    // and port 70000 was silently another port: refuse them before anything starts.
    if let range, !range.contains(value) {
        throw ConfigurationError(
            "\(variable) (or its option) is \(value); it must be between \(range.lowerBound) and \(range.upperBound)")
    }
    return value
}

struct LoggingOptions: ParsableArguments {
    @Option(
        help:
            "Lowest level logged: trace, debug, info, notice, warning, error, critical. [env: HAVEN_LOG_LEVEL] (default: info)"
    )
    var logLevel: String?

    @Option(
        help: "Log line format: json or text. [env: HAVEN_LOG_FORMAT] (default: text on a terminal, json otherwise)")
    var logFormat: String?

    /// Sets up swift-log once for the process and returns the root logger.
    func bootstrap(label: String = "haven") throws -> Logger {
        let levelName = setting(logLevel, "HAVEN_LOG_LEVEL", default: "info")!
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("Unknown log level '\(levelName)'")
        }
        let defaultFormat = isatty(STDERR_FILENO) == 1 ? "text" : "json"
        let formatName = setting(logFormat, "HAVEN_LOG_FORMAT", default: defaultFormat)!
        guard let format = HavenLogHandler.Format(rawValue: formatName) else {
            throw ValidationError("Unknown log format '\(formatName)': use json or text")
        }
        LoggingSystem.bootstrap { label in HavenLogHandler(label: label, level: level, format: format) }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

/// Where the embedded cluster lives and listens.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Data directory of the embedded cluster. [env: HAVEN_DATA_DIR] (default: .haven/postgres)")
    var dataDir: String?

    @Option(help: "Port of the embedded cluster, on 127.0.0.1. [env: HAVEN_DB_PORT] (default: 54329)")
    var dbPort: Int?

    @Option(
        help:
            "Directory holding PostgreSQL's initdb and pg_ctl. [env: HAVEN_PG_BIN] (default: /usr/lib/postgresql/15/bin)"
    )
    var pgBin: String?

    func embeddedCluster() throws -> EmbeddedCluster {
        EmbeddedCluster(
            configuration: .init(
                dataDirectory: setting(dataDir, "HAVEN_DATA_DIR", default: ".haven/postgres")!,
                port: try intSetting(dbPort, "HAVEN_DB_PORT", default: 54329),
                binDirectory: setting(pgBin, "HAVEN_PG_BIN", default: "/usr/lib/postgresql/15/bin")!
            )
        )
    }
}

/// The database a command works on: an external one, or the embedded cluster.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: "URL of an external PostgreSQL database; without it Haven runs its own. [env: DATABASE_URL]"
    )
    var databaseURL: String?

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Directory of numbered SQL migrations. [env: HAVEN_MIGRATIONS_DIR] (default: Migrations)")
    var migrationsDir: String?

    /// The external database, when one is configured.
    func externalURL() throws -> DatabaseURL? {
        guard let raw = setting(databaseURL, "DATABASE_URL") else { return nil }
        do {
            return try DatabaseURL(parsing: raw)
        } catch {
            throw ConfigurationError(error.description)
        }
    }

    /// The database to use: the external one (checked reachable first), or the embedded
    /// cluster, started on demand.
    func connectionURL(logger: Logger) async throws -> DatabaseURL {
        if let url = try externalURL() {
            do {
                try await DatabaseProbe.check(url, logger: logger)
            } catch let error as DatabaseProbe.Unreachable {
                throw ConfigurationError(error.description)
            }
            return url
        }
        return try await cluster.embeddedCluster().start(logger: logger)
    }

    func migrations() throws -> [MigrationFile] {
        let path = setting(migrationsDir, "HAVEN_MIGRATIONS_DIR", default: "Migrations")!
        return try MigrationSource(directory: URL(fileURLWithPath: path)).load()
    }
}

/// An option's answer in words: `yes` or `no` (`true` and `false` work too). Argument parser's
/// own `Bool` takes only `true` and `false`, which reads oddly in a sentence-like command line.
enum YesNo: String, ExpressibleByArgument {
    case yes, no

    init?(argument: String) {
        switch argument.lowercased() {
        case "yes", "y", "true": self = .yes
        case "no", "n", "false": self = .no
        default: return nil
        }
    }

    var bool: Bool { self == .yes }

    static var allValueStrings: [String] { ["yes", "no"] }
}
