import Foundation
import HavenCore
import Logging
import PostgresNIO

#if canImport(Glibc)
    import Glibc
#endif

/// A private PostgreSQL 15 cluster that Haven runs for itself when no `DATABASE_URL` is set:
/// initialized on first use, listening on loopback and on a Unix socket in its own data
/// directory only, with password authentication.
///
/// PostgreSQL refuses to run as root, and CI machines run everything as root, so as root the
/// cluster runs as an unprivileged system account (Debian's `postgres`) that owns the data dir.
public struct EmbeddedCluster: Sendable {
    public struct Configuration: Sendable {
        /// Absolute path of the cluster's data directory.
        public var dataDirectory: String
        public var port: Int
        /// Where `initdb` and `pg_ctl` live.
        public var binDirectory: String
        public var database: String
        public var superuser: String
        /// The account that runs the server when Haven itself runs as root.
        public var systemAccount: String
        /// Throwaway clusters (tests) trade crash safety for speed.
        public var durable: Bool

        public init(
            dataDirectory: String,
            port: Int = 54329,
            binDirectory: String = "/usr/lib/postgresql/15/bin",
            database: String = "haven",
            superuser: String = "haven",
            systemAccount: String = "postgres",
            durable: Bool = true
        ) {
            self.dataDirectory = URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
            self.port = port
            self.binDirectory = binDirectory
            self.database = database
            self.superuser = superuser
            self.systemAccount = systemAccount
            self.durable = durable
        }
    }

    public enum Status: Sendable, Equatable {
        case notInitialized
        case stopped
        case running(pid: Int32, port: Int)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let reason: String
        /// The port was taken: the same cluster may start on another.
        public var portInUse = false
        public var description: String { reason }

        init(reason: String, portInUse: Bool = false) {
            (self.reason, self.portInUse) = (reason, portInUse)
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    private var dataDirectory: String { configuration.dataDirectory }
    private var passwordFile: String { dataDirectory + "/haven.password" }
    private var serverLog: String { dataDirectory + "/server.log" }
    private var runsAsRoot: Bool { geteuid() == 0 }
    private var runner: ProcessRunner { ProcessRunner(account: runsAsRoot ? configuration.systemAccount : nil) }

    // MARK: Status

    public func status() -> Status {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") else { return .notInitialized }
        guard let running = postmaster() else { return .stopped }
        return .running(pid: running.pid, port: running.port)
    }

    /// The running server's pid, port and socket directory, from `postmaster.pid`: line 1 is the
    /// pid, line 4 the port, line 5 the first socket directory (empty without one). A stale file
    /// (after a crash) names a pid that is gone.
    private func postmaster() -> (pid: Int32, port: Int, socketDirectory: String?)? {
        guard let contents = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8) else {
            return nil
        }
        let lines = contents.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 4, let pid = Int32(lines[0]), let port = Int(lines[3]) else { return nil }
        guard kill(pid, 0) == 0 || errno == EPERM else { return nil }
        let socketDirectory = lines.count >= 5 && !lines[4].isEmpty ? String(lines[4]) : nil
        return (pid, port, socketDirectory)
    }

    /// Where the cluster puts its Unix socket: its own data directory, which only the cluster's
    /// account (and root) may enter, so the socket is no less private than the loopback port. Nil
    /// when the socket's path would be too long for a socket address, or would need quoting on
    /// `pg_ctl`'s command line: the cluster then listens on loopback TCP alone.
    public static func socketDirectory(forDataDirectory directory: String, port: Int) -> String? {
        let plain = directory.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2F || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        let path = DatabaseURL.socketPath(directory: directory, port: port)
        guard plain, directory.hasPrefix("/"), path.utf8.count <= DatabaseURL.maximumSocketPathLength else {
            return nil
        }
        return directory
    }

    /// The URL Haven connects with: the running cluster's Unix socket when it has one, else
    /// loopback TCP; the running (or configured) port; the generated password.
    ///
    /// A socket saves both sides the loopback TCP stack on every statement: with the search
    /// benchmark at 4 connections, PostgreSQL spent 6–9% less CPU per search, the server up to 9%.
    public func connectionURL() throws -> DatabaseURL {
        guard let password = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
            throw Failure(
                reason: "The embedded cluster at \(dataDirectory) has not been initialized yet: run `haven db start`.")
        }
        let running = postmaster()
        let port = running?.port ?? configuration.port
        // A cluster started before it had a socket, or one whose socket is gone, still listens on TCP.
        let socket = running?.socketDirectory.flatMap { directory in
            FileManager.default.fileExists(atPath: DatabaseURL.socketPath(directory: directory, port: port))
                ? directory : nil
        }
        return DatabaseURL(
            host: "127.0.0.1",
            port: port,
            username: configuration.superuser,
            password: password.trimmingCharacters(in: .whitespacesAndNewlines),
            database: configuration.database,
            sslMode: .disable,
            socketDirectory: socket
        )
    }

    // MARK: Start and stop

    /// Initializes the cluster when needed, starts it when stopped, and makes sure Haven's
    /// database exists. Returns the URL to connect with.
    @discardableResult
    public func start(logger: Logger) async throws -> DatabaseURL {
        try checkBinaries()
        if status() == .notInitialized {
            logger.info("initializing embedded PostgreSQL cluster", metadata: ["data_dir": "\(dataDirectory)"])
            try await initialize()
        }
        switch status() {
        case .running(_, let port) where port != configuration.port:
            logger.warning(
                "embedded cluster is already running on another port",
                metadata: ["port": "\(port)", "requested_port": "\(configuration.port)"]
            )
        case .running:
            break
        case .stopped, .notInitialized:
            logger.info("starting embedded PostgreSQL cluster", metadata: ["port": "\(configuration.port)"])
            try await startServer()
        }
        let url = try connectionURL()
        try await createDatabaseIfMissing(url: url, logger: logger)
        return url
    }

    /// Stops the cluster (fast shutdown: open sessions are ended, nothing is lost). Returns false
    /// when it was not running.
    @discardableResult
    public func stop() async throws -> Bool {
        guard case .running = status() else { return false }
        _ = try await runner.run(binary("pg_ctl"), ["-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"])
        return true
    }

    // MARK: Internals

    private func binary(_ name: String) -> String { configuration.binDirectory + "/" + name }

    private func checkBinaries() throws {
        for name in ["initdb", "pg_ctl", "postgres"] where !FileManager.default.isExecutableFile(atPath: binary(name)) {
            throw Failure(
                reason:
                    "PostgreSQL 15 is not installed (\(binary(name)) is missing). Run `make deps`, "
                    + "or set HAVEN_PG_BIN to the directory holding initdb and pg_ctl."
            )
        }
        if runsAsRoot, getpwnam(configuration.systemAccount) == nil {
            throw Failure(
                reason:
                    "Haven runs as root, and PostgreSQL refuses to, but the account '\(configuration.systemAccount)' "
                    + "that should run it does not exist. Install postgresql-15 (it creates the account)."
            )
        }
    }

    private func initialize() async throws {
        let fileManager = FileManager.default
        // The parents this creates (`.haven/`) follow the process's umask, 077 for `haven`; as
        // root, the system account that runs PostgreSQL must pass through them, so they become
        // 0711: searchable, not listable.
        var created: [String] = []
        var parent = (dataDirectory as NSString).deletingLastPathComponent
        while !parent.isEmpty, parent != "/", !fileManager.fileExists(atPath: parent) {
            created.append(parent)
            parent = (parent as NSString).deletingLastPathComponent
        }
        try fileManager.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        try fileManager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: dataDirectory)
        if runsAsRoot {
            for directory in created {
                try fileManager.setAttributes([.posixPermissions: 0o711], ofItemAtPath: directory)
            }
        }
        guard (try fileManager.contentsOfDirectory(atPath: dataDirectory)).isEmpty else {
            throw Failure(reason: "\(dataDirectory) is not empty and holds no PostgreSQL cluster; move it away first.")
        }

        let password = Self.randomSecret()
        let passwordInput = NSTemporaryDirectory() + "haven-initdb-\(UUID().uuidString)"
        try password.write(toFile: passwordInput, atomically: true, encoding: .utf8)
        try fileManager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordInput)
        defer { try? fileManager.removeItem(atPath: passwordInput) }

        if runsAsRoot {
            try giveToSystemAccount(dataDirectory)
            try giveToSystemAccount(passwordInput)
            do {
                _ = try await runner.run("/usr/bin/test", ["-w", dataDirectory])
            } catch {
                throw Failure(
                    reason:
                        "The '\(configuration.systemAccount)' account cannot reach \(dataDirectory): a parent directory "
                        + "is not searchable by other users (for example /root is 0700). Set HAVEN_DATA_DIR to a path "
                        + "it can reach, such as /var/lib/haven/postgres."
                )
            }
        }

        _ = try await runner.run(
            binary("initdb"),
            [
                "-D", dataDirectory, "-U", configuration.superuser, "--pwfile=\(passwordInput)",
                "--auth-host=scram-sha-256", "--auth-local=scram-sha-256",
                "--encoding=UTF8", "--locale=C.UTF-8",
            ]
        )

        // Settings that make this cluster private: loopback TCP only, no Unix socket in a shared
        // directory (`serverOptions` puts one in the data directory).
        var settings = [
            "", "# Haven embedded cluster",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "max_connections = 200",
        ]
        if !configuration.durable {
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dataDirectory + "/postgresql.conf"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((settings.joined(separator: "\n") + "\n").utf8))
        try handle.close()

        try password.write(toFile: passwordFile, atomically: false, encoding: .utf8)
        try fileManager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passwordFile)
    }

    /// The port, the socket's directory, and for a durable cluster a buffer cache sized to the
    /// machine: a quarter of its memory, from 128 MB to 4 GB. At PostgreSQL's default 128 MB,
    /// search over a million services read most index and table pages from disk (0.5 ms each
    /// here) on every query.
    var serverOptions: String {
        var options = "-p \(configuration.port)"
        // On the command line rather than in postgresql.conf, so a cluster initialized before
        // Haven used a socket gets one at its next start.
        if let directory = Self.socketDirectory(forDataDirectory: dataDirectory, port: configuration.port) {
            options += " -c unix_socket_directories=\(directory)"
        }
        // Statement statistics, so an operator (and `Benchmarks/run-search.sh`) can see which
        // statements the server runs and what each costs. Only where the installation has the
        // library: PostgreSQL refuses to start when a preloaded library is missing.
        if FileManager.default.fileExists(
            atPath: Self.statementStatisticsLibrary(binDirectory: configuration.binDirectory))
        {
            options += " -c shared_preload_libraries=pg_stat_statements"
        }
        if configuration.durable {
            let megabytes = Self.sharedBuffersMegabytes(physicalMemory: Self.availableMemory)
            options += " -c shared_buffers=\(megabytes)MB -c effective_cache_size=\(megabytes * 2)MB"
        }
        return options
    }

    /// The machine's memory, or the container's limit when one is set (cgroup v2): a container
    /// reports its host's memory, which it may not use.
    static var availableMemory: UInt64 {
        let physical = ProcessInfo.processInfo.physicalMemory
        guard let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
            let limit = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return physical }
        return min(physical, limit)
    }

    /// Where `pg_stat_statements` lives beside the programs (Debian: `…/15/bin` and `…/15/lib`).
    public static func statementStatisticsLibrary(binDirectory: String) -> String {
        URL(fileURLWithPath: binDirectory).deletingLastPathComponent()
            .appendingPathComponent("lib/pg_stat_statements.so").path
    }

    public static func sharedBuffersMegabytes(physicalMemory: UInt64) -> UInt64 {
        min(max(physicalMemory / 4 / 1_048_576, 128), 4096)
    }

    private func startServer() async throws {
        do {
            _ = try await runner.run(
                binary("pg_ctl"),
                ["-D", dataDirectory, "-l", serverLog, "-w", "-t", "60", "-o", serverOptions, "start"]
            )
        } catch {
            let logTail =
                (try? String(contentsOfFile: serverLog, encoding: .utf8))?
                .split(separator: "\n").suffix(5).joined(separator: "\n") ?? ""
            var reason = "The embedded PostgreSQL cluster did not start (\(dataDirectory), port \(configuration.port))."
            let portInUse = logTail.contains("Address already in use")
            if portInUse {
                reason += " Port \(configuration.port) is in use: set HAVEN_DB_PORT to a free port."
            }
            if !logTail.isEmpty { reason += "\nLast lines of \(serverLog):\n\(logTail)" }
            throw Failure(reason: reason, portInUse: portInUse)
        }
    }

    private func createDatabaseIfMissing(url: DatabaseURL, logger: Logger) async throws {
        var maintenance = url
        maintenance.database = "postgres"
        try await PostgresClient.withClient(url: maintenance, maximumConnections: 1, logger: logger) { client in
            let exists =
                try await client.query(
                    "SELECT 1 FROM pg_database WHERE datname = \(configuration.database)",
                    logger: logger
                ).collect().isEmpty == false
            if !exists {
                _ = try await client.query(
                    PostgresQuery(unsafeSQL: "CREATE DATABASE \(SQLIdentifier.quote(configuration.database))"),
                    logger: logger
                )
            }
        }
    }

    private func giveToSystemAccount(_ path: String) throws {
        guard let account = getpwnam(configuration.systemAccount) else { return }
        guard chown(path, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
            throw Failure(
                reason: "Cannot hand \(path) to '\(configuration.systemAccount)': \(String(cString: strerror(errno)))")
        }
    }

    static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}

/// Quoting for identifiers that cannot be bound as parameters (database and role names).
public enum SQLIdentifier {
    public static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
