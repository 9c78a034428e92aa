import HummingbirdCore
import Logging
import NIOCore

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
