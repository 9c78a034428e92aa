import Foundation
import HavenClient
import HavenCore
import HavenStorage
import HavenTestSupport
import HummingbirdTesting
import Testing

@Suite("CLI client")
struct ClientTests {
    let cluster = TestDatabaseCluster.shared

    @Test("whoami through the generated client names the user, role and organization; refusals are one clear line")
    func whoamiOverTheAPI() async throws {
        try await cluster.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let advocate = try #require(fixture.members[.advocate])
            try await ServerHarness.withServer(database: database) { client in
                let server = try ServerAddress(parsing: "http://127.0.0.1:\(try #require(client.port))")

                let caller = try await HavenAPIClient(login: ClientLogin(server: server, token: advocate.token))
                    .whoami()
                #expect(caller.user.id == advocate.user.id.uuidString.lowercased())
                #expect(caller.user.role == .advocate)
                #expect(caller.organization?.name == "Demo Advocacy Center A")
                #expect(caller.tokenId == advocate.tokenID.uuidString.lowercased())

                let stranger = HavenAPIClient(
                    login: try ClientLogin(server: server, token: "hvn_" + String(repeating: "x", count: 43)))
                let refused = await #expect(throws: ClientError.self) { try await stranger.whoami() }
                guard case .problem(let status, _, let detail) = refused else {
                    Issue.record("expected a problem, got \(String(describing: refused))")
                    return
                }
                #expect(status == 401)
                #expect(detail?.isEmpty == false)
                #expect(refused.map { "\($0)" }?.contains("\n") == false)
            }
        }
    }

    @Test("a server that is not listening is reported as unreachable, naming the server")
    func unreachable() async throws {
        let server = try ServerAddress(parsing: "http://127.0.0.1:\(try freeLoopbackPort())")
        let client = HavenAPIClient(
            login: try ClientLogin(server: server, token: "hvn_" + String(repeating: "a", count: 43)))
        let error = await #expect(throws: ClientError.self) { try await client.whoami() }
        guard case .unreachable(let named, _) = error else {
            Issue.record("expected unreachable, got \(String(describing: error))")
            return
        }
        #expect(named == server.description)
    }

    @Test("plain http is accepted only for this machine; a token must look like a Haven token")
    func addressesAndTokens() throws {
        #expect(try ServerAddress(parsing: "https://haven.example.org/").description == "https://haven.example.org")
        #expect(try ServerAddress(parsing: "http://localhost:8080").description == "http://localhost:8080")
        #expect(try ServerAddress(parsing: "http://[::1]:8080").description == "http://[::1]:8080")
        for refused in ["http://haven.example.org", "ftp://haven.example.org", "haven.example.org", "https://h/?a=1"] {
            #expect(throws: ClientError.self, "\(refused)") { try ServerAddress(parsing: refused) }
        }
        let server = try ServerAddress(parsing: "https://haven.example.org")
        #expect(throws: ClientError.invalidToken) { try ClientLogin(server: server, token: "Bearer hvn_abc") }
        #expect(throws: ClientError.invalidToken) { try ClientLogin(server: server, token: "sk_live_abc") }
        #expect(try ClientLogin(server: server, token: "  hvn_abc\n").token == "hvn_abc")
    }

    @Test("the stored login is private to its owner; HAVEN_SERVER and HAVEN_TOKEN override it one by one")
    func storedLogin() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("haven-client-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let file = ClientConfigFile.standard(environment: ["XDG_CONFIG_HOME": home.path])
        #expect(file.path == home.path + "/haven/config")
        #expect(throws: ClientError.notLoggedIn) { try ClientLogin.resolve(environment: [:], file: file) }

        let stored = try ClientLogin(server: ServerAddress(parsing: "https://haven.example.org"), token: "hvn_stored")
        try file.save(stored)
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let directory = try FileManager.default.attributesOfItem(atPath: home.path + "/haven")
        #expect(directory[.posixPermissions] as? Int == 0o700)
        #expect(try ClientLogin.resolve(environment: [:], file: file) == stored)

        let otherServer = try ClientLogin.resolve(environment: ["HAVEN_SERVER": "http://127.0.0.1:9"], file: file)
        #expect(otherServer.server.description == "http://127.0.0.1:9")
        #expect(otherServer.token == "hvn_stored")
        let otherToken = try ClientLogin.resolve(environment: ["HAVEN_TOKEN": "hvn_env"], file: file)
        #expect(otherToken.server == stored.server)
        #expect(otherToken.token == "hvn_env")

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        let exposed = #expect(throws: ClientError.self) { try file.load() }
        #expect(exposed.map { "\($0)" }?.contains("chmod 600") == true)

        #expect(try file.delete())
        #expect(try file.delete() == false)
        #expect(throws: ClientError.notLoggedIn) { try ClientLogin.resolve(environment: [:], file: file) }
    }

    @Test("haven login, whoami and logout work against a running server, and a refusal exits non-zero with one line")
    func commandLine() async throws {
        let haven = TestDatabaseCluster.repositoryRoot.appendingPathComponent(".build/debug/haven").path
        try #require(FileManager.default.isExecutableFile(atPath: haven), "build the haven product first")
        try await cluster.withMigratedDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let coordinator = try #require(fixture.members[.coordinator])
            try await ServerHarness.withServer(database: database) { client in
                let server = "http://127.0.0.1:\(try #require(client.port))"
                let home = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "haven-cli-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: home) }
                let environment = ["XDG_CONFIG_HOME": home.path, "PATH": "/usr/bin:/bin"]

                let login = try await run(
                    haven, ["login", "--server", server], stdin: coordinator.token + "\n", environment)
                #expect(login.status == 0)
                #expect(login.stdout.contains("as \(coordinator.user.name) (coordinator, Demo Advocacy Center A)"))
                let config = try String(contentsOfFile: home.path + "/haven/config", encoding: .utf8)
                #expect(config.contains(coordinator.token))

                let whoami = try await run(haven, ["whoami", "--json"], environment)
                #expect(whoami.status == 0)
                let json = try JSONSerialization.jsonObject(with: Data(whoami.stdout.utf8)) as? [String: Any]
                #expect((json?["user"] as? [String: Any])?["role"] as? String == "coordinator")

                let logout = try await run(haven, ["logout", "--revoke"], environment)
                #expect(logout.status == 0)
                #expect(!FileManager.default.fileExists(atPath: home.path + "/haven/config"))

                var revoked = environment
                revoked["HAVEN_SERVER"] = server
                revoked["HAVEN_TOKEN"] = coordinator.token
                let refused = try await run(haven, ["whoami"], revoked)
                #expect(refused.status == 1)
                #expect(
                    refused.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1)
                #expect(refused.stderr.contains("401"))
                #expect(!refused.stderr.contains(coordinator.token))
            }
        }
    }

    @Test("a curator adds a service with hours and a service area through haven directory, and reads it back")
    func directoryCommands() async throws {
        let haven = TestDatabaseCluster.repositoryRoot.appendingPathComponent(".build/debug/haven").path
        try #require(FileManager.default.isExecutableFile(atPath: haven), "build the haven product first")
        try await cluster.withReferenceDatabase { database in
            let organization = UUID()
            let fixture = try await database.withClient { client in
                try await client.transaction(logger: database.logger) { connection in
                    try await OrganizationRepository(logger: database.logger).save(
                        id: organization, OrganizationDraft(name: "Demo Family Center"), on: connection)
                }
                return try await AccessFixture.make(on: client, logger: database.logger)
            }
            let curator = try #require(fixture.members[.curator])
            try await ServerHarness.withServer(database: database) { client in
                let home = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "haven-cli-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: home) }
                let environment = [
                    "XDG_CONFIG_HOME": home.path, "HAVEN_SERVER": "http://127.0.0.1:\(try #require(client.port))",
                    "HAVEN_TOKEN": curator.token,
                ]
                let file = home.appendingPathComponent("service.json")
                try Data(
                    """
                    {"organization_id": "\(organization.uuidString.lowercased())", "name": "Evening group for parents",
                     "needs": ["peer-support.support-group"], "languages": ["en", "es"],
                     "schedule": {"time_zone": "America/Chicago",
                                  "hours": [{"byday": "TU", "opens_at": "18:30", "closes_at": "20:00"}]},
                     "service_areas": [{"kind": "county", "counties": ["IL:Cook County"]}]}
                    """.utf8
                ).write(to: file)

                let added = try await run(
                    haven, ["directory", "add", "service", "--file", file.path, "--json"], environment)
                #expect(added.status == 0, "\(added.stderr)")
                let created = try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any]
                let id = try #require(created?["id"] as? String)

                let shown = try await run(haven, ["directory", "show", "service", id], environment)
                #expect(shown.status == 0)
                #expect(shown.stdout.contains("Evening group for parents"))
                #expect(shown.stdout.contains("TU 18:30–20:00 (America/Chicago)"))
                #expect(shown.stdout.contains("counties IL:Cook County"))

                try Data(
                    #"{"organization_id": "\#(organization)", "name": "", "minimum_age": 9, "maximum_age": 3}"#.utf8
                )
                .write(to: file)
                let refused = try await run(haven, ["directory", "add", "service", "--file", file.path], environment)
                #expect(refused.status == 1)
                #expect(refused.stderr.contains("/name"))
                #expect(refused.stderr.contains("/maximum_age"))
            }
        }
    }

    /// Runs the `haven` binary to completion. Output goes to files and the exit arrives through
    /// the termination handler: nothing blocks a thread of Swift's small cooperative pool, which
    /// the in-process server needs to answer the child.
    private func run(
        _ executable: String, _ arguments: [String], stdin: String = "", _ environment: [String: String]
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("haven-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (input, output, error) = ["stdin", "stdout", "stderr"].map { directory.appendingPathComponent($0) }
            .tuple3
        try Data(stdin.utf8).write(to: input)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: error.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: error)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        return (
            status, try String(contentsOf: output, encoding: .utf8), try String(contentsOf: error, encoding: .utf8)
        )
    }
}

extension Array {
    fileprivate var tuple3: (Element, Element, Element) { (self[0], self[1], self[2]) }
}
