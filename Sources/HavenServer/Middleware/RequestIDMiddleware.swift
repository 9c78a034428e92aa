import Foundation
import HTTPTypes
import Hummingbird

/// Gives every request an id: the caller's `X-Request-Id` when it is safe to echo and log,
/// a new one otherwise. The id goes on the response and on every log line of the request.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = HavenRequestContext

    static var headerName: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let requestID = request.headers[Self.headerName].flatMap(Self.acceptable) ?? Self.newID()
        // Hummingbird reads this key for `context.id`; replacing it keeps one id per request.
        context.logger[metadataKey: "hb.request.id"] = .string(requestID)
        let scope = RequestScope(requestID: requestID, clientAddress: context.clientAddress)
        var response = try await RequestScope.$current.withValue(scope) { try await next(request, context) }
        response.headers[Self.headerName] = requestID
        return response
    }

    /// A random (version 4) UUID, lowercase. Its sixteen bytes come from one `arc4random_buf`
    /// call, which is one `getrandom` system call: on Linux, Foundation's `UUID()` opens, reads
    /// and closes `/dev/urandom` every time, three system calls on every request that brings no
    /// id of its own, and the generator's `next()` is a system call per eight bytes.
    static func newID() -> String {
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { raw in
            // A tuple of sixteen bytes always has an address.
            arc4random_buf(raw.baseAddress!, raw.count)
            raw[6] = raw[6] & 0x0F | 0x40  // version 4
            raw[8] = raw[8] & 0x3F | 0x80  // RFC 4122 variant
        }
        return UUID(uuid: uuid).uuidString.lowercased()
    }

    /// Ids from callers are echoed into logs and headers, so only short, plain ones are kept.
    static func acceptable(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count) else { return nil }
        let allowed = value.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: ":"):
                true
            default:
                false
            }
        }
        return allowed ? value : nil
    }
}
