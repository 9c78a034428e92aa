import HummingbirdCore
import Logging
import NIOCore

/// Runs each HTTP connection's handler on its socket's event loop instead of Swift's global pool.
///
/// A search awaits PostgreSQL three times and the client twice; on the global pool every one of
/// those resumptions woke another thread. Measured with `Benchmarks/run-search.sh`'s load at 4
/// connections, seven alternating rounds: 554–707 req/s against 469–679 without, higher in every
/// round, with less server CPU per request. The price is NIO's rule: a handler must not hold its
/// loop for long, or every connection on that loop waits. CPU-heavy work leaves it through
/// `awayFromEventLoop`.
struct EventLoopBoundChannel<Base: ServerChildChannel>: ServerChildChannel {
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Base.Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Base.Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}

/// A task executor that runs jobs on one NIO event loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Runs `work` on Swift's global pool: for computation long enough (a whole waiting list's
/// mentor assignment) that it would stall the other connections sharing the caller's event loop.
func awayFromEventLoop<T>(_ work: () throws -> T) async rethrows -> T {
    try await withTaskExecutorPreference(globalConcurrentExecutor) { try work() }
}
