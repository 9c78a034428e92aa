import Foundation
import HavenCore
import HavenStorage
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A cluster of one test's own, for tests that stop and start PostgreSQL underneath a running
/// server; the shared cluster must keep serving every other test meanwhile.
public struct DedicatedCluster: Sendable {
    public let cluster: EmbeddedCluster

    /// Creates, starts, runs `body`, then stops the cluster and deletes its data dir, which is
    /// `dataDirectoryName` inside a new temporary directory.
    public static func with<T: Sendable>(
        logger: Logger,
        dataDirectoryName: String = "postgres",
        _ body: @Sendable (DedicatedCluster) async throws -> T
    ) async throws -> T {
        let scratch = NSTemporaryDirectory() + "haven-dedicated-\(getpid())-\(UUID().uuidString.prefix(8))"
        let directory = scratch + "/" + dataDirectoryName
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let (cluster, _) = try await startOnFreePort(logger: logger) { port in
            EmbeddedCluster(configuration: .init(dataDirectory: directory, port: port, durable: false))
        }
        do {
            let result = try await body(DedicatedCluster(cluster: cluster))
            try await cluster.stop()
            return result
        } catch {
            _ = try? await cluster.stop()
            throw error
        }
    }
}

/// Starts the cluster `make` gives for a free loopback port. A port is free when chosen, and a
/// cluster another test starts a moment later can take it first: then another port is tried.
func startOnFreePort(logger: Logger, _ make: (Int) -> EmbeddedCluster) async throws -> (EmbeddedCluster, DatabaseURL) {
    var attempt = 1
    while true {
        let cluster = make(try freeLoopbackPort())
        do {
            return (cluster, try await cluster.start(logger: logger))
        } catch let failure as EmbeddedCluster.Failure where failure.portInUse && attempt < 3 {
            attempt += 1
        }
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now.
public func freeLoopbackPort() throws -> Int {
    let (descriptor, port) = try boundLoopbackSocket()
    close(descriptor)
    return port
}

/// Runs `body` with a loopback TCP port that refuses every connection meanwhile: bound, never
/// listening. A port that is merely free when a test asks can be taken by a cluster another test
/// starts a moment later, and then it answers.
public func withRefusingLoopbackPort<T>(_ body: (Int) async throws -> T) async throws -> T {
    let (descriptor, port) = try boundLoopbackSocket()
    defer { close(descriptor) }
    return try await body(port)
}

/// A TCP socket bound to a port of 127.0.0.1 the system chose, not listening; the caller closes it.
private func boundLoopbackSocket() throws -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw TestHarnessError("socket() failed") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
    }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard bound == 0, named == 0 else {
        close(descriptor)
        throw TestHarnessError(bound == 0 ? "getsockname() failed" : "bind() failed")
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}
