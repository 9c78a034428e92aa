import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// Turns every error into an `application/problem+json` response: problems thrown on purpose,
/// unknown routes (404) and wrong methods (405), errors from the OpenAPI layer (400s for
/// malformed input), and anything unexpected (500, with nothing internal revealed).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable
    let parameters: QueryParameterTypes

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = problem(for: error, request: request, context: context)
            return problem.response(requestID: context.id)
        }
    }

    private func problem(for error: any Error, request: Request, context: Context) -> HTTPProblem {
        switch error {
        case let problem as HTTPProblem:
            return problem
        case let error as ServerError:
            if let problem = error.underlyingError as? HTTPProblem { return problem }
            if let failure = error.underlyingError as? AccessFailure { return HTTPProblem(failure) }
            if let decoding = error.underlyingError as? DecodingError {
                // The runtime's URI decoder names neither the parameter nor the value, so a bad
                // query or path value is told apart from a bad body by the request having none,
                // and the parameter is found by checking the query against the declared types.
                let bodiless = [.get, .head, .delete].contains(error.request.method)
                guard bodiless else { return HTTPProblem(decoding) }
                let errors = parameters.problems(operationID: error.operationID, query: request.uri.query ?? "")
                return errors.isEmpty ? .badParameter : .validation(errors)
            }
            if error.httpStatus.kind == .clientError {
                // The OpenAPI layer describes what it could not parse in the caller's own terms.
                return HTTPProblem(error.httpStatus, detail: error.causeDescription)
            }
            return unexpected(error.underlyingError, context: context)
        case let error as HTTPError:
            if error.status == .notFound, context.endpointPath == nil || context.endpointPath == "NotFound" {
                // The router found no handler: a wrong method on a known path is 405, not 404.
                let allowed = routes.allowedMethods(for: request.uri.path)
                return allowed.isEmpty ? .notFound() : .methodNotAllowed(allowed: allowed)
            }
            if error.status.kind == .clientError {
                return HTTPProblem(error.status, detail: error.body)
            }
            return unexpected(error, context: context)
        default:
            return unexpected(error, context: context)
        }
    }

    private func unexpected(_ error: any Error, context: Context) -> HTTPProblem {
        // Only the type: an error's description may quote a query or a stored value.
        context.logger.error("unhandled error", metadata: ["error.type": .string(String(reflecting: type(of: error)))])
        return .internalError()
    }
}
