import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a helper program (initdb, pg_ctl) to completion and captures what it printed.
///
/// Built on posix_spawn and waitpid rather than Foundation's `Process`, whose exit detection
/// on Linux can hang when the program leaves a daemon behind (as `pg_ctl start` does).
struct ProcessRunner: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        let output: String
        var description: String {
            "\(command) exited with status \(status)" + (output.isEmpty ? "" : ":\n\(output)")
        }
    }

    /// When set, programs run as this account through `runuser` (PostgreSQL refuses to run as root).
    let account: String?

    func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let command = URL(fileURLWithPath: executable).lastPathComponent
        let argv =
            if let account {
                ["/usr/sbin/runuser", "-u", account, "--", executable] + arguments
            } else {
                [executable] + arguments
            }
        // Waiting blocks a thread, so it happens off Swift's small cooperative pool.
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.runBlocking(argv, command: command) })
            }
        }
    }

    /// Held from creating a command's pipe until its write end is closed in this process.
    ///
    /// Commands run concurrently (the tests start several clusters at once). A child spawned while
    /// another command's pipe is open would inherit its write end; if that child leaves a daemon
    /// behind (`pg_ctl start`), the other command never sees EOF and waits forever. Marking the
    /// ends close-on-exec inside this lock leaves no moment when an inheritable end exists.
    private static let spawnLock = NSLock()

    private static func runBlocking(_ argv: [String], command: String) throws -> String {
        let (pid, readEnd) = try spawnLock.withLock { try spawn(argv, command: command) }

        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(readEnd, &buffer, buffer.count)
            if count > 0 {
                output.append(buffer, count: count)
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        close(readEnd)

        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let text = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        let exited = status & 0x7f == 0
        let exitCode = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard exitCode == 0 else { throw Failure(command: command, status: exitCode, output: text) }
        return text
    }

    /// Starts `argv` with stdin from /dev/null and stdout and stderr into a new pipe; returns the
    /// child's pid and the pipe's read end.
    private static func spawn(_ argv: [String], command: String) throws -> (pid_t, Int32) {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw Failure(command: command, status: -1, output: "pipe() failed") }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // dup2 clears close-on-exec on the child's copies, and only on those.
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)

        let cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        close(writeEnd)
        guard spawned == 0 else {
            close(readEnd)
            throw Failure(
                command: command, status: -1, output: "cannot start \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        return (pid, readEnd)
    }
}
