import Foundation
import Testing

@testable import HavenStorage

@Suite("Helper programs")
struct ProcessRunnerTests {
    @Test("captures output and reports a failing exit status with what the program printed")
    func outputAndFailure() async throws {
        let runner = ProcessRunner(account: nil)
        #expect(try await runner.run("/bin/sh", ["-c", "echo ready"]) == "ready")
        let failure = await #expect(throws: ProcessRunner.Failure.self) {
            try await runner.run("/bin/sh", ["-c", "echo 'no such cluster' >&2; exit 3"])
        }
        #expect(failure?.status == 3)
        #expect(failure?.output == "no such cluster")
    }

    /// The hang that once stopped CI: `pg_ctl start` for one cluster left a PostgreSQL daemon
    /// holding another command's output pipe, so that command waited for EOF forever.
    @Test(
        "a daemon left behind by one command does not hold another command's output open",
        .timeLimit(.minutes(1))
    )
    func daemonDoesNotInheritPipes() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("haven-runner-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let started = directory.appendingPathComponent("started").path
        let release = directory.appendingPathComponent("release").path
        let daemonPID = directory.appendingPathComponent("daemon.pid").path
        let runner = ProcessRunner(account: nil)

        // The first command keeps its pipe open until the second has left its daemon behind.
        let waiting = Task {
            try await runner.run(
                "/bin/sh", ["-c", "touch '\(started)'; until [ -e '\(release)' ]; do sleep 0.05; done"])
        }
        while !FileManager.default.fileExists(atPath: started) { try await Task.sleep(for: .milliseconds(20)) }
        _ = try await runner.run(
            "/bin/sh", ["-c", "sleep 90 </dev/null >/dev/null 2>&1 & echo $! > '\(daemonPID)'; touch '\(release)'"])
        defer {
            if let pid = try? String(contentsOfFile: daemonPID, encoding: .utf8), let number = Int32(pid.trimmed) {
                kill(number, SIGKILL)
            }
        }

        // Had the daemon inherited the first command's pipe, this would wait 90 seconds and fail the time limit.
        _ = try await waiting.value
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
