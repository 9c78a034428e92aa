import Foundation
import HavenCore
import HavenStorage
import HavenTestSupport
import Logging
import PostgresNIO
import Testing

@Suite("Embedded cluster")
struct EmbeddedClusterTests {
    @Test("initializes on first start, listens on loopback and its own socket with a password, and reports its state")
    func lifecycle() async throws {
        let logger = TestDatabaseCluster.shared.logger
        try await DedicatedCluster.with(logger: logger) { dedicated in
            let cluster = dedicated.cluster
            guard case .running(_, let port) = cluster.status() else {
                Issue.record("cluster should be running after start")
                return
            }
            #expect(port == cluster.configuration.port)
            let url = try cluster.connectionURL()
            // Haven connects through the socket in the data directory; other tools may use TCP.
            #expect(url.socketDirectory == cluster.configuration.dataDirectory)
            #expect(url.host == "127.0.0.1")
            #expect(url.password?.count == 64)

            let settings = try await PostgresClient.withClient(url: url, logger: logger) { client in
                var values: [String] = []
                let rows = try await client.query(
                    """
                    SELECT current_setting('listen_addresses'), current_setting('unix_socket_directories'),
                           current_database(), coalesce(inet_client_addr()::text, 'socket')
                    """
                )
                for try await (listen, sockets, database, client) in rows.decode(
                    (String, String, String, String).self)
                {
                    values = [listen, sockets, database, client]
                }
                return values
            }
            #expect(settings == ["127.0.0.1", cluster.configuration.dataDirectory, "haven", "socket"])
            // Statement statistics are loaded wherever the installation has them, as Debian's does.
            if FileManager.default.fileExists(
                atPath: EmbeddedCluster.statementStatisticsLibrary(binDirectory: cluster.configuration.binDirectory))
            {
                let preloaded = try await PostgresClient.withClient(url: url, logger: logger) { client in
                    var libraries: [String] = []
                    for try await value in try await client.query("SELECT current_setting('shared_preload_libraries')")
                        .decode(String.self)
                    {
                        libraries.append(value)
                    }
                    return libraries
                }
                #expect(preloaded == ["pg_stat_statements"])
            } else {
                Issue.record("this PostgreSQL installation has no pg_stat_statements library")
            }
            var tcp = url
            tcp.socketDirectory = nil
            #expect(try await Self.clientAddresses(tcp, logger: logger) == ["127.0.0.1/32"])

            // One connection attempt (a pool would keep retrying): the wrong password is refused.
            let wrongPassword = PostgresConnection.Configuration(
                host: url.host,
                port: url.port,
                username: url.username,
                password: "not-the-password",
                database: url.database,
                tls: .disable
            )
            let refusal = await #expect(throws: PSQLError.self) {
                let connection = try await PostgresConnection.connect(
                    configuration: wrongPassword, id: 1, logger: logger)
                try await connection.close()
            }
            #expect(refusal?.serverInfo?[.sqlState] == "28P01")  // invalid_password

            #expect(try await cluster.stop())
            #expect(cluster.status() == .stopped)
            #expect(try await cluster.stop() == false)
            try await cluster.start(logger: logger)
            guard case .running = cluster.status() else {
                Issue.record("cluster should run again after a second start")
                return
            }
        }
    }

    @Test("a durable cluster's buffer cache is a quarter of memory, from 128 MB to 4 GB")
    func bufferCacheSize() {
        let gigabyte: UInt64 = 1 << 30
        #expect(EmbeddedCluster.sharedBuffersMegabytes(physicalMemory: 24 * gigabyte) == 4096)
        #expect(EmbeddedCluster.sharedBuffersMegabytes(physicalMemory: 8 * gigabyte) == 2048)
        #expect(EmbeddedCluster.sharedBuffersMegabytes(physicalMemory: gigabyte / 4) == 128)
    }

    @Test("a data directory too long for a socket's path still serves, over loopback TCP")
    func longDataDirectory() async throws {
        let logger = TestDatabaseCluster.shared.logger
        let name = String(repeating: "nested/", count: 12) + "postgres"
        try await DedicatedCluster.with(logger: logger, dataDirectoryName: name) { dedicated in
            let cluster = dedicated.cluster
            #expect(
                EmbeddedCluster.socketDirectory(
                    forDataDirectory: cluster.configuration.dataDirectory, port: cluster.configuration.port) == nil)
            let url = try cluster.connectionURL()
            #expect(url.socketDirectory == nil)
            #expect(try await Self.clientAddresses(url, logger: logger) == ["127.0.0.1/32"])
        }
    }

    /// The address PostgreSQL sees a connection through `url` come from (none over a socket).
    static func clientAddresses(_ url: DatabaseURL, logger: Logger) async throws -> [String] {
        try await PostgresClient.withClient(url: url, logger: logger) { client in
            var addresses: [String] = []
            for try await address in try await client.query("SELECT inet_client_addr()::text").decode(String.self) {
                addresses.append(address)
            }
            return addresses
        }
    }

    @Test("the socket goes in the data directory unless its path is too long or needs quoting")
    func socketDirectory() {
        #expect(
            EmbeddedCluster.socketDirectory(forDataDirectory: "/srv/haven/postgres", port: 54329)
                == "/srv/haven/postgres")
        let long = "/" + String(repeating: "d", count: 92)
        #expect(EmbeddedCluster.socketDirectory(forDataDirectory: long, port: 54329) == nil)
        #expect(EmbeddedCluster.socketDirectory(forDataDirectory: String(long.dropLast()), port: 54329) != nil)
        #expect(EmbeddedCluster.socketDirectory(forDataDirectory: "/srv/my haven/postgres", port: 54329) == nil)
        #expect(EmbeddedCluster.socketDirectory(forDataDirectory: "/srv/haven's/postgres", port: 54329) == nil)
    }

    @Test("an empty data directory reports not initialized")
    func notInitialized() {
        let cluster = EmbeddedCluster(configuration: .init(dataDirectory: "/nonexistent/haven/postgres"))
        #expect(cluster.status() == .notInitialized)
        #expect(throws: EmbeddedCluster.Failure.self) { try cluster.connectionURL() }
    }
}
