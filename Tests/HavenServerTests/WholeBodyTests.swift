import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Testing

@testable import HavenServer

/// The answer a middleware passes on, as the connection would be handed it.
@Suite("Responses of known length leave in one write")
struct WholeBodyTests {
    let middleware = WholeBodyMiddleware<PlainContext>(limit: 64)

    @Test("a body of known length written in parts reaches the connection as one buffer")
    func gathered() async throws {
        let response = try await respond(parts: ["{\"data\":", "[1,2]", "}"], length: 14)
        let written = try await Written(response.body)
        #expect(written.buffers == ["{\"data\":[1,2]}"])
        #expect(written.finished)
        #expect(response.headers[.contentLength] == "14")
        #expect(response.headers[.contentType] == "application/json")
    }

    @Test("a body of unknown length, or over the limit, still streams part by part")
    func streamed() async throws {
        let unknown = try await Written(try await respond(parts: ["a", "b"], length: nil).body)
        #expect(unknown.buffers == ["a", "b"])
        let large = String(repeating: "x", count: 40)
        let over = try await Written(try await respond(parts: [large, large], length: 80).body)
        #expect(over.buffers == [large, large])
    }

    @Test("a body that fails while it is produced fails the request, before anything is sent")
    func failing() async throws {
        await #expect(throws: BodyFailure.self) {
            _ = try await respond(
                ResponseBody(contentLength: 4) { writer in
                    try await writer.write(ByteBuffer(string: "ab"))
                    throw BodyFailure()
                })
        }
    }

    private func respond(parts: [String], length: Int?) async throws -> Response {
        try await respond(
            ResponseBody(contentLength: length) { writer in
                for part in parts { try await writer.write(ByteBuffer(string: part)) }
                try await writer.finish(nil)
            })
    }

    private func respond(_ body: ResponseBody) async throws -> Response {
        let request = Request(
            head: .init(method: .get, scheme: nil, authority: nil, path: "/"), body: RequestBody(buffer: ByteBuffer()))
        return try await middleware.handle(request, context: PlainContext(source: .init())) { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: body)
        }
    }
}

private struct BodyFailure: Error {}

/// What a body writes, call by call.
private struct Written {
    var buffers: [String] = []
    var finished = false

    init(_ body: ResponseBody) async throws {
        let recorder = Recorder()
        try await body.write(recorder)
        buffers = recorder.box.buffers
        finished = recorder.box.finished
    }

    final class Box {
        var buffers: [String] = []
        var finished = false
    }

    struct Recorder: ResponseBodyWriter {
        let box = Box()

        mutating func write(_ buffer: ByteBuffer) async throws {
            box.buffers.append(String(buffer: buffer))
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
            box.finished = true
        }
    }
}

/// A request context with nothing but a logger: the middleware reads nothing else.
struct PlainContext: RequestContext {
    struct Source: RequestContextSource {
        var logger = Logger(label: "whole-body-test")
    }

    var coreContext: CoreRequestContextStorage

    init(source: Source) {
        coreContext = .init(source: source)
    }
}
