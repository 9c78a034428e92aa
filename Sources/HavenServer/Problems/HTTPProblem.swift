import Foundation
import HTTPTypes
import HavenCore
import Hummingbird

/// An error that answers as an RFC 9457 `application/problem+json` document.
///
/// Handlers and middleware throw these; `ProblemMiddleware` renders every error, these and
/// unexpected ones alike, so no error response ever has another shape.
public struct HTTPProblem: Error, Sendable {
    public var status: HTTPResponse.Status
    /// `about:blank` when the status says it all, otherwise a `urn:haven:problem:<slug>`
    /// documented in docs/problems.md.
    public var type: String
    public var title: String
    public var detail: String?
    public var errors: [FieldError]
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status,
        type: String = "about:blank",
        title: String? = nil,
        detail: String? = nil,
        errors: [FieldError] = [],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.type = type
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }
}

extension HTTPProblem {
    static func notFound() -> HTTPProblem {
        HTTPProblem(.notFound, detail: "No resource exists at this path.")
    }

    static func methodNotAllowed(allowed: [HTTPRequest.Method]) -> HTTPProblem {
        let names = allowed.map(\.rawValue)
        var headers = HTTPFields()
        headers[.allow] = names.joined(separator: ", ")
        return HTTPProblem(
            .methodNotAllowed,
            detail: "This path answers only \(names.joined(separator: ", ")).",
            headers: headers
        )
    }

    static func contentTooLarge(limit: Int) -> HTTPProblem {
        HTTPProblem(
            .contentTooLarge,
            type: "urn:haven:problem:body-too-large",
            title: "Request body too large",
            detail: "The request body is larger than the \(limit)-byte limit."
        )
    }

    /// A query or path parameter whose value is not of its type (`per_page=abc`, `full=maybe`,
    /// a value outside an enumeration).
    static let badParameter = HTTPProblem(
        .badRequest,
        detail:
            "A query or path parameter has a value of the wrong type: numbers are digits, yes-or-no parameters are true or false, and listed values only. GET /openapi.json gives each parameter's type."
    )

    static func internalError() -> HTTPProblem {
        HTTPProblem(
            .internalServerError,
            detail: "Something went wrong on our side. Quote the request id when reporting it."
        )
    }
}

/// The wire form of a problem (RFC 9457 members, plus `errors` for validation).
struct ProblemDocument: Encodable {
    var type: String
    var title: String
    var status: Int
    var detail: String?
    var instance: String
    var errors: [FieldError]?

    init(_ problem: HTTPProblem, requestID: String) {
        type = problem.type
        title = problem.title
        status = problem.status.code
        detail = problem.detail
        instance = "urn:haven:request:\(requestID)"
        errors = problem.errors.isEmpty ? nil : problem.errors
    }
}

extension HTTPProblem {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    func response(requestID: String) -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        // Encoding this fixed shape cannot fail; an empty body would still carry the status.
        let body = (try? Self.encoder.encode(ProblemDocument(self, requestID: requestID))) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension HTTPProblem {
    static func validation(_ errors: [FieldError]) -> HTTPProblem {
        HTTPProblem(
            .unprocessableContent,
            type: "urn:haven:problem:validation",
            title: "Invalid request",
            detail: errors.count == 1 ? "One field is invalid." : "\(errors.count) fields are invalid.",
            errors: errors
        )
    }

    init(_ failure: AccessFailure) {
        switch failure {
        case .notFound, .outOfScope: self = .notFound()
        case .unknownReference(let detail): self = HTTPProblem(.notFound, detail: detail)
        case .invalid(let errors): self = .validation(errors)
        case .outOfScopeField(_, _, let field): self = .validation([field])
        case .preconditionRequired:
            self = HTTPProblem(
                .preconditionRequired,
                detail: "Send If-Match with the ETag of the version you edited (GET the record to learn it).")
        case .preconditionFailed:
            self = HTTPProblem(
                .preconditionFailed,
                detail: "The record changed since you read it. GET it again, reapply your edit, and retry.")
        case .conflict(let detail):
            self = HTTPProblem(.conflict, type: "urn:haven:problem:conflict", title: "Conflict", detail: detail)
        }
    }

    /// A body that is not JSON is a 400; JSON of the wrong shape (missing, mistyped or unknown
    /// fields) is a 422 pointing at the field.
    init(_ error: DecodingError) {
        func pointer(_ path: [any CodingKey]) -> String {
            "/" + path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
        }
        switch error {
        case .keyNotFound(let key, let context):
            self = .validation([.init(pointer: pointer(context.codingPath + [key]), detail: "is required")])
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            self = .validation([.init(pointer: pointer(context.codingPath), detail: "has the wrong type")])
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            let unknown = context.debugDescription.contains("Additional properties")
            self = .validation([
                .init(pointer: pointer(context.codingPath), detail: unknown ? "is not a known field" : "is not valid")
            ])
        case .dataCorrupted(let context) where context.debugDescription == MomentTranscoder.message:
            // The date reader is not told which field it reads; the document is named instead.
            self = .validation([.init(pointer: "", detail: "holds a date-time that \(MomentTranscoder.message)")])
        default:
            self = HTTPProblem(.badRequest, detail: "The request body is not valid JSON.")
        }
    }
}
