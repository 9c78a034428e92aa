import Foundation
import HTTPTypes
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import NIOPosix
import PostgresNIO
import Testing

@testable import HavenServer

@Suite("HTTP behaviour every route shares")
struct HTTPBehaviourTests {
    let cluster = TestDatabaseCluster.shared

    @Test("GET /healthz answers 200 with a generated request id")
    func health() async throws {
        try await cluster.withMigratedDatabase { database in
            try await ServerHarness.withServer(database: database) { client in
                let response = try await client.execute(uri: "/healthz", method: .get)
                #expect(response.status == .ok)
                #expect(response.json["status"] as? String == "ok")
                let id = try #require(response.requestID)
                #expect(UUID(uuidString: id) != nil)
            }
        }
    }

    @Test("a generated request id is a random, lowercase, version-4 UUID")
    func generatedRequestIDs() {
        let ids = (0..<200).map { _ in RequestIDMiddleware.newID() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let characters = Array(id)
            #expect(UUID(uuidString: id) != nil)
            #expect(id == id.lowercased())
            #expect(characters[14] == "4")
            #expect("89ab".contains(characters[19]))
        }
    }

    @Test("a caller's plain X-Request-Id is echoed; an unsafe one is replaced")
    func requestIDs() async throws {
        try await cluster.withMigratedDatabase { database in
            try await ServerHarness.withServer(database: database) { client in
                let header = HTTPField.Name("X-Request-Id")!
                let echoed = try await client.execute(
                    uri: "/healthz", method: .get, headers: [header: "case-42.retry_1"])
                #expect(echoed.requestID == "case-42.retry_1")

                for unsafe in ["has space", String(repeating: "a", count: 129), "quote\"d"] {
                    let replaced = try await client.execute(uri: "/healthz", method: .get, headers: [header: unsafe])
                    #expect(replaced.requestID != unsafe)
                    #expect(UUID(uuidString: replaced.requestID ?? "") != nil)
                }
            }
        }
    }

    @Test("an unknown route is a 404 problem+json naming the request")
    func unknownRoute() async throws {
        try await cluster.withMigratedDatabase { database in
            try await ServerHarness.withServer(database: database) { client in
                let response = try await client.execute(uri: "/v1/no-such-thing/123", method: .get)
                let problem = expectProblem(response, .notFound)
                #expect(problem["title"] as? String == "Not Found")
            }
        }
    }

    @Test("a known path with the wrong method is a 405 problem+json with Allow")
    func wrongMethod() async throws {
        try await cluster.withMigratedDatabase { database in
            try await ServerHarness.withServer(database: database) { client in
                let response = try await client.execute(uri: "/healthz", method: .delete)
                expectProblem(response, .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD")

                let head = try await client.execute(uri: "/healthz", method: .head)
                #expect(head.status == .ok)
            }
        }
    }

    @Test("a body over the limit is a 413 problem+json, before any handler reads it")
    func oversizedBody() async throws {
        try await cluster.withMigratedDatabase { database in
            let reached = Reached()
            try await ServerHarness.withServer(
                database: database,
                configuration: .init(port: 0, maxBodyBytes: 1024),
                addRoutes: { router in
                    router.post("/test/echo") { request, _ -> String in
                        await reached.mark()
                        let body = try await request.body.collect(upTo: .max)
                        return String(buffer: body)
                    }
                }
            ) { client in
                let small = try await client.execute(
                    uri: "/test/echo", method: .post, body: ByteBuffer(string: "hello"))
                #expect(small.status == .ok)
                #expect(String(buffer: small.body) == "hello")

                let big = ByteBuffer(repeating: UInt8(ascii: "x"), count: 4096)
                let response = try await client.execute(uri: "/test/echo", method: .post, body: big)
                expectProblem(response, .contentTooLarge, type: "urn:haven:problem:body-too-large")
                #expect(await reached.count == 1)
            }
        }
    }

    @Test("a request runs on its connection's event loop, and heavy work leaves it for the shared pool")
    func pinnedToEventLoop() async throws {
        try await cluster.withMigratedDatabase { database in
            try await ServerHarness.withServer(
                database: database,
                addRoutes: { router in
                    router.get("/test/threads") { _, _ -> String in
                        let loop = MultiThreadedEventLoopGroup.currentEventLoop
                        let away = try await awayFromEventLoops { MultiThreadedEventLoopGroup.currentEventLoop == nil }
                        let back = MultiThreadedEventLoopGroup.currentEventLoop
                        return [loop != nil, away, loop != nil && back === loop].map(String.init).joined(separator: " ")
                    }
                }
            ) { client in
                for _ in 0..<3 {
                    let response = try await client.execute(uri: "/test/threads", method: .get)
                    #expect(response.status == .ok)
                    // On an event loop; on the shared pool inside `awayFromEventLoops`; back on
                    // the same loop after it.
                    #expect(String(buffer: response.body) == "true true true")
                }
            }
        }
    }

    @Test("a statement run for a request is read on the database pool's thread, and the request comes back to its own")
    func databaseThread() async throws {
        try await cluster.withMigratedDatabase { database in
            let databaseLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let requestLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            try await PostgresClient.withClient(
                url: database.url, eventLoopGroup: databaseLoops, logger: database.logger
            ) { postgres in
                let requestLoop = requestLoops.next()
                let threads = try await withTaskExecutorPreference(EventLoopTaskExecutor(requestLoop)) {
                    let inside = try await withDatabaseConnection(postgres, on: databaseLoops) { connection in
                        let answer = try await connection.query("SELECT 1", logger: database.logger)
                            .collect().count
                        return (answer, databaseLoops.next().inEventLoop, requestLoop.inEventLoop)
                    }
                    return (inside, requestLoop.inEventLoop)
                }
                #expect(threads.0.0 == 1)
                #expect(threads.0.1, "the statement's reply is read on the database pool's thread")
                #expect(!threads.0.2)
                #expect(threads.1, "the request continues on its own thread")
            }
            try await databaseLoops.shutdownGracefully()
            try await requestLoops.shutdownGracefully()
        }
    }

    @Test("the default limit is 1 MiB")
    func defaultLimit() async throws {
        try await cluster.withMigratedDatabase { database in
            try await ServerHarness.withServer(database: database) { client in
                let body = ByteBuffer(repeating: 0, count: (1 << 20) + 1)
                let response = try await client.execute(uri: "/healthz", method: .post, body: body)
                expectProblem(response, .contentTooLarge, type: "urn:haven:problem:body-too-large")
            }
        }
    }

    @Test("a streamed body is cut off as soon as it passes the limit")
    func streamedBodyLimit() async throws {
        let chunks = [ByteBuffer(repeating: 1, count: 600), ByteBuffer(repeating: 2, count: 600)]
        let body = RequestBody(asyncSequence: chunks.async)
        var iterator = LimitedBody(base: body, limit: 1000).makeAsyncIterator()
        #expect(try await iterator.next()?.readableBytes == 600)
        await #expect(throws: HTTPProblem.self) { _ = try await iterator.next() }
    }

    @Test("an unexpected error is a 500 problem+json that reveals nothing internal")
    func unexpectedError() async throws {
        struct InternalDetail: Error, CustomStringConvertible {
            var description: String { "connection to 10.1.2.3 failed for family ref FAM-123" }
        }
        try await cluster.withMigratedDatabase { database in
            let logs = CapturedLogs()
            try await ServerHarness.withServer(
                database: database,
                logger: logs.logger(),
                addRoutes: { router in
                    router.get("/test/fail") { _, _ -> String in throw InternalDetail() }
                }
            ) { client in
                let response = try await client.execute(uri: "/test/fail", method: .get)
                expectProblem(response, .internalServerError)
                let text = String(buffer: response.body)
                #expect(!text.contains("10.1.2.3"))
                #expect(!text.contains("FAM-123"))
            }
            let logged = logs.events.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
            #expect(logged.contains("unhandled error"))
            #expect(!logged.contains("FAM-123"))
        }
    }

    @Test("each request is logged with method, route template, status and duration; never the query or ids")
    func accessLog() async throws {
        try await cluster.withMigratedDatabase { database in
            let logs = CapturedLogs()
            try await ServerHarness.withServer(
                database: database,
                logger: logs.logger(),
                addRoutes: { router in
                    router.get("/test/families/:id") { _, _ in "ok" }
                }
            ) { client in
                let response = try await client.execute(uri: "/test/families/FAM-8841?zip=60614", method: .get)
                #expect(response.status == .ok)
                let missing = try await client.execute(uri: "/nowhere/FAM-8841", method: .get)
                #expect(missing.status == .notFound)

                let requests = logs.events.filter { $0.message == "request" }
                #expect(requests.count == 2)
                let first = try #require(requests.first)
                #expect(first.metadata["http.method"] == "GET")
                #expect(first.metadata["http.route"] == "/test/families/{id}")
                #expect(first.metadata["http.status"] == "200")
                #expect(first.metadata["duration_ms"].flatMap(Double.init) != nil)
                #expect(first.metadata["hb.request.id"] == response.requestID)
                #expect(requests.last?.metadata["http.route"] == "(unmatched)")

                let everything = logs.events.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
                #expect(!everything.contains("FAM-8841"))
                #expect(!everything.contains("60614"))
            }
        }
    }
}

private actor Reached {
    private(set) var count = 0
    func mark() { count += 1 }
}

extension Array where Element: Sendable {
    fileprivate var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}

@Suite("Dates from callers")
struct CallerDateTests {
    @Test("a far-future or malformed date is a 422 naming the field, and the server keeps answering")
    func boundedDates() async throws {
        try await TestDatabaseCluster.shared.withReferenceDatabase { database in
            let fixture = try await database.withClient {
                try await AccessFixture.make(on: $0, logger: database.logger)
            }
            let advocate: HTTPFields = [.authorization: "Bearer \(try #require(fixture.members[.advocate]).token)"]
            let admin = try #require(fixture.members[.admin])
            let adminHeaders: HTTPFields = [.authorization: "Bearer \(admin.token)", .contentType: "application/json"]
            try await ServerHarness.withServer(database: database) { client in
                func pointers(_ response: TestResponse) -> [String] {
                    (response.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["pointer"] as? String }
                }
                let farFuture = "300000-01-01T00:00:00Z"
                let followUps = try await client.execute(
                    uri: "/v1/follow-ups?due_before=\(farFuture)", method: .get, headers: advocate)
                expectProblem(followUps, .unprocessableContent, type: "urn:haven:problem:validation")
                #expect(pointers(followUps) == ["/due_before"])
                let audit = try await client.execute(
                    uri: "/v1/audit?since=yesterday", method: .get, headers: adminHeaders)
                expectProblem(audit, .unprocessableContent, type: "urn:haven:problem:validation")
                #expect(pointers(audit) == ["/since"])
                let hsds = try await client.execute(
                    uri: "/hsds/services?modified_after=\(farFuture)", method: .get, headers: advocate)
                expectProblem(hsds, .unprocessableContent, type: "urn:haven:problem:validation")
                for expiry in [farFuture, "not-a-date", "2026-13-01T00:00:00Z"] {
                    let token = try await client.execute(
                        uri: "/v1/tokens", method: .post, headers: adminHeaders,
                        body: ByteBuffer(
                            string:
                                #"{"user_id": "\#(admin.user.id.uuidString.lowercased())", "name": "x", "expires_at": "\#(expiry)"}"#
                        ))
                    #expect(token.status == .unprocessableContent, "\(expiry): \(token.status)")
                }
                let alive = try await client.execute(uri: "/healthz", method: .get)
                #expect(alive.status == .ok)
            }
        }
    }
}
