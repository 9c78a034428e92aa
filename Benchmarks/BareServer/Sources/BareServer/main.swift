import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

// How fast can a server built on Hummingbird and PostgresNIO answer over HTTP when all it does is
// run Haven's candidate statement? `GET /candidates?q=N` runs `search_candidates` with the
// arguments of `bench_queries` row N (those `search.sql` gives pgbench) and answers the candidates'
// service ids. No authentication, rate limits, ranking, caches, details or metrics: the share of
// pgbench this reaches is about the most Haven's search can reach on the same machine.
//
// Settings: BARE_SOCKET (the embedded cluster's socket), PGUSER, PGPASSWORD, PGDATABASE,
// BARE_PORT (8095), BARE_POOL (4 connections), BARE_THREADS (`haven` for Haven's threads).

/// One request's arguments, read once from `bench_queries` (made by `run-search.sh`).
struct Arguments: Sendable {
    let longitude: Double
    let latitude: Double
    let needs: [String]
    let boxLongitude: Double
    let boxLatitude: Double
    let areaKeys: [String]
    let areaDepths: [Int32]
}

/// `search.sql`'s statement, with the constants the server passes for a search by ZIP and needs.
struct CandidatesStatement: PostgresPreparedStatement {
    static let name = "bare_candidates"
    static let sql = """
        SELECT service_ids FROM search_candidates($1, $2, $3, $4, $5, 40000, 40, $6, $7, 365, NULL, false, false,
                                                  NULL, NULL, true)
        """
    typealias Row = [UUID]?

    let arguments: Arguments

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(arguments.longitude)
        bindings.append(arguments.latitude)
        bindings.append(arguments.needs)
        bindings.append(arguments.boxLongitude)
        bindings.append(arguments.boxLatitude)
        bindings.append(arguments.areaKeys)
        bindings.append(arguments.areaDepths)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode([UUID]?.self) }
}

enum Setting {
    static func value(_ name: String) -> String {
        guard let value = optional(name) else {
            FileHandle.standardError.write(Data("bare-server: set \(name)\n".utf8))
            exit(2)
        }
        return value
    }

    static func optional(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}

var configuration = PostgresClient.Configuration(
    unixSocketPath: Setting.value("BARE_SOCKET"), username: Setting.value("PGUSER"),
    password: Setting.optional("PGPASSWORD"), database: Setting.value("PGDATABASE"))
let pool = Setting.optional("BARE_POOL").flatMap(Int.init) ?? 4
configuration.options.minimumConnections = pool
configuration.options.maximumConnections = pool
// BARE_THREADS=haven arranges threads as `haven serve` does on 2 cores: one event loop for HTTP
// whose requests run on it, and one for the pool's connections, where each statement is sent and
// its reply read. Otherwise both libraries' defaults.
let havenThreads = Setting.optional("BARE_THREADS") == "haven"
let httpLoops = havenThreads ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : MultiThreadedEventLoopGroup.singleton
let databaseLoops = havenThreads ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
let client = PostgresClient(
    configuration: configuration, eventLoopGroup: databaseLoops ?? PostgresClient.defaultEventLoopGroup)
var logger = Logger(label: "bare-server")
logger.logLevel = .warning

try await withThrowingDiscardingTaskGroup { group in
    group.addTask { await client.run() }
    var requests: [Arguments] = []
    let rows = try await client.query(
        "SELECT lon, lat, needs, box_lon, box_lat, area_keys, area_depths FROM bench_queries ORDER BY id",
        logger: logger)
    for try await (longitude, latitude, needs, boxLongitude, boxLatitude, keys, depths) in rows.decode(
        (Double, Double, [String], Double, Double, [String], [Int32]).self)
    {
        requests.append(
            Arguments(
                longitude: longitude, latitude: latitude, needs: needs, boxLongitude: boxLongitude,
                boxLatitude: boxLatitude, areaKeys: keys, areaDepths: depths))
    }
    guard !requests.isEmpty else {
        FileHandle.standardError.write(Data("bare-server: bench_queries is empty (run-search.sh fills it)\n".utf8))
        exit(2)
    }
    let known = requests

    let router = Router()
    router.get("/candidates") { request, _ -> Response in
        guard let number = request.uri.queryParameters.get("q").flatMap(Int.init), known.indices.contains(number - 1)
        else { return Response(status: .notFound) }
        let statement = CandidatesStatement(arguments: known[number - 1])
        let ids: [UUID]
        if let databaseLoops {
            ids = try await withTaskExecutorPreference(LoopExecutor(databaseLoops.next())) {
                try await candidates(statement)
            }
        } else {
            ids = try await candidates(statement)
        }
        var body = ByteBuffer()
        body.reserveCapacity(16 + ids.count * 39)
        body.writeString("{\"data\":[")
        for (index, id) in ids.enumerated() {
            body.writeString(index == 0 ? "\"" : ",\"")
            body.writeString(id.uuidString.lowercased())
            body.writeString("\"")
        }
        body.writeString("]}")
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }
    let port = Setting.optional("BARE_PORT").flatMap(Int.init) ?? 8095
    let application = Application(
        router: router,
        server: havenThreads ? .pinnedHTTP1 : .http1(),
        configuration: .init(address: .hostname("127.0.0.1", port: port)),
        eventLoopGroupProvider: .shared(httpLoops), logger: logger)
    // Returns once SIGTERM or SIGINT has shut the HTTP server down; the client then stops too.
    try await application.runService()
    group.cancelAll()
}

func candidates(_ statement: CandidatesStatement) async throws -> [UUID] {
    var ids: [UUID] = []
    for try await row in try await client.execute(statement, logger: logger) { ids = row ?? [] }
    return ids
}

/// An event loop as the executor a task prefers, as `haven serve` pins its requests.
final class LoopExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// HTTP/1.1 whose requests run on the event loop that reads their connection: HavenServer's
/// `PinnedHTTP1Channel` again, because this package must not build Haven to measure its stack.
struct PinnedHTTP1: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let http1: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        http1.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(LoopExecutor(value.channel.eventLoop)) {
            await http1.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    static var pinnedHTTP1: HTTPServerBuilder {
        .init { responder in PinnedHTTP1(http1: HTTP1Channel(responder: responder)) }
    }
}
