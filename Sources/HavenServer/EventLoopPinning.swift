import HummingbirdCore
import Logging
import NIOCore
import PostgresNIO

/// HTTP/1.1 whose requests run on the event loop that reads their connection's socket, rather
/// than on Swift's shared thread pool.
///
/// Unpinned, a search crosses threads four times (socket's loop to the pool, the pool to the
/// database connection's loop, back, and back again to write the answer). On two cores those
/// switches and wake-ups were about a sixth of the server's CPU for a search; pinned, the
/// request, its ranking and its answer stay on one thread. Work that holds a thread for long
/// (the whole-waiting-list mentor plan) leaves the loop through `awayFromEventLoops`, so one
/// connection's heavy request does not stall the others that share its loop.
struct PinnedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let http1: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        http1.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await http1.handle(value: value, logger: logger)
        }
    }
}

/// An event loop as the executor a task prefers: its jobs run as the loop's own tasks.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with each connection's requests run on its own event loop (`PinnedHTTP1Channel`).
    public static func pinnedHTTP1(configuration: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        .init { responder in
            PinnedHTTP1Channel(http1: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}

/// Runs `body` on Swift's shared thread pool even when called from a request pinned to an event
/// loop: for work that computes for a long while, which would otherwise hold up every
/// connection on that loop.
func awayFromEventLoops<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    try await withTaskExecutorPreference(globalConcurrentExecutor, operation: body)
}

/// Runs `body` with a pooled connection on one of `databaseLoops`, the threads the pool's
/// connections run on, then comes back to the caller's thread.
///
/// A request runs on its connection's event loop, which it shares with every other request on
/// that loop. When PostgreSQL answered, the statement's reply used to wait there behind those
/// requests' work before it was read and the database connection handed back: at 16 connections
/// a search held its database connection about 2 ms for about 0.6 ms of PostgreSQL's work, and
/// waited 6–7 ms for one. On a thread of their own, the reply is read, and the connection
/// returned, as soon as it arrives. It costs two hops between threads, so it is for statements a
/// request runs for certain; without `databaseLoops` (a pool that shares the request threads)
/// `body` runs where the caller is.
func withDatabaseConnection<T: Sendable>(
    _ postgres: PostgresClient, on databaseLoops: (any EventLoopGroup)?,
    _ body: (PostgresConnection) async throws -> T
) async throws -> T {
    guard let databaseLoops else { return try await postgres.withConnection(body) }
    return try await withTaskExecutorPreference(EventLoopTaskExecutor(databaseLoops.next())) {
        try await postgres.withConnection(body)
    }
}
