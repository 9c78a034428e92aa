import Foundation
import HTTPTypes
import HavenAPI
import OpenAPIRuntime
import OpenAPIURLSession

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Talks to a Haven server through its JSON API only, with the generated OpenAPI client.
public struct HavenAPIClient: Sendable {
    public let login: ClientLogin
    let client: Client

    public init(login: ClientLogin) {
        self.init(login: login, transport: URLSessionTransport(), retryPause: IdempotentRetryMiddleware.pause)
    }

    init(
        login: ClientLogin, transport: any ClientTransport,
        retryPause: @escaping @Sendable (_ attempt: Int) async throws -> Void
    ) {
        self.login = login
        client = Client(
            serverURL: login.server.url,
            transport: transport,
            middlewares: [BearerTokenMiddleware(token: login.token), IdempotentRetryMiddleware(pause: retryPause)]
        )
    }

    public func whoami() async throws -> Components.Schemas.Whoami {
        try await call {
            switch try await client.whoami() {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func place(_ zip: String) async throws -> Components.Schemas.Place {
        try await call {
            switch try await client.getPlace(path: .init(zip: zip)) {
            case .ok(let ok): return try ok.body.json
            // This client never sends If-None-Match, so a 304 is not Haven's answer to it.
            case .notModified: throw ClientError.unexpectedResponse(status: 304)
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    /// Every need (following every page), optionally only those within a code.
    public func needs(within ancestor: String? = nil) async throws -> [Components.Schemas.Need] {
        var all: [Components.Schemas.Need] = []
        var cursor: String?
        repeat {
            let page = try await call {
                switch try await client.listNeeds(query: .init(within: ancestor, limit: 100, cursor: cursor)) {
                case .ok(let ok): return try ok.body.json
                // This client never sends If-None-Match, so a 304 is not Haven's answer to it.
                case .notModified: throw ClientError.unexpectedResponse(status: 304)
                case .default(let status, let response): throw Self.refusal(status, response.body)
                }
            }
            all += page.data
            cursor = page.nextCursor
        } while cursor != nil
        return all
    }

    // MARK: Search

    public struct SearchOptions: Sendable {
        public var zip: String?
        public var near: String?
        public var radiusKm: String?
        public var needs: [String] = []
        public var text: String?
        public var language: String?
        public var age: String?
        public var audiences: [String] = []
        public var openNow = false
        public var openAt: String?
        public var free = false
        public var includeClosed = false
        /// Leave out services not verified within the freshness period.
        public var verifiedOnly = false
        public var limit: Int?
        public var cursor: String?

        public init() {}
    }

    public func searchServices(_ options: SearchOptions) async throws -> Components.Schemas.SearchResultList {
        try await call {
            let query = Operations.SearchServices.Input.Query(
                zip: options.zip, near: options.near, radiusKm: options.radiusKm,
                needs: options.needs.isEmpty ? nil : options.needs, q: options.text, language: options.language,
                age: options.age, audience: options.audiences.isEmpty ? nil : options.audiences,
                openNow: options.openNow ? "true" : nil, openAt: options.openAt, free: options.free ? "true" : nil,
                includeClosed: options.includeClosed ? "true" : nil, includeStale: options.verifiedOnly ? "false" : nil,
                limit: options.limit, cursor: options.cursor)
            switch try await client.searchServices(query: query) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    /// The lines for a place, with the place (for its time zone) and any notice.
    public func crisisContacts(zip: String, at: String? = nil, language: String? = nil) async throws
        -> Components.Schemas.CrisisSearchList
    {
        try await call {
            switch try await client.searchCrisisContacts(query: .init(zip: zip, at: at, language: language)) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    // MARK: Directory

    /// A service and its ETag.
    public func service(_ id: String) async throws -> (Components.Schemas.Service, eTag: String?) {
        try await call {
            switch try await client.getService(path: .init(id: id)) {
            case .ok(let ok): return (try ok.body.json, ok.headers.eTag)
            // This client never sends If-None-Match, so a 304 is not Haven's answer to it.
            case .notModified: throw ClientError.unexpectedResponse(status: 304)
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func services(organization: String? = nil, limit: Int? = nil, cursor: String? = nil) async throws
        -> Components.Schemas.ServiceList
    {
        try await call {
            switch try await client.listServices(
                query: .init(organizationId: organization, limit: limit, cursor: cursor))
            {
            case .ok(let ok): return try ok.body.json
            // This client never sends If-None-Match, so a 304 is not Haven's answer to it.
            case .notModified: throw ClientError.unexpectedResponse(status: 304)
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func createService(_ input: Components.Schemas.ServiceInput) async throws -> Components.Schemas.Service {
        try await call {
            switch try await client.createService(body: .json(input)) {
            case .created(let created): return try created.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    /// Replaces the service as of `eTag`; a 412 means someone changed it since.
    public func replaceService(_ id: String, eTag: String?, _ input: Components.Schemas.ServiceInput) async throws
        -> Components.Schemas.Service
    {
        try await call {
            switch try await client.replaceService(
                path: .init(id: id), headers: .init(ifMatch: eTag), body: .json(input))
            {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func verifyService(_ id: String) async throws -> Components.Schemas.Service {
        try await call {
            switch try await client.verifyService(path: .init(id: id)) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func retireService(_ id: String) async throws {
        try await call {
            switch try await client.retireService(path: .init(id: id)) {
            case .noContent: return
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func organization(_ id: String) async throws -> (Components.Schemas.Organization, eTag: String?) {
        try await call {
            switch try await client.getOrganization(path: .init(id: id)) {
            case .ok(let ok): return (try ok.body.json, ok.headers.eTag)
            // This client never sends If-None-Match, so a 304 is not Haven's answer to it.
            case .notModified: throw ClientError.unexpectedResponse(status: 304)
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func organizations(limit: Int? = nil, cursor: String? = nil) async throws
        -> Components.Schemas.OrganizationList
    {
        try await call {
            switch try await client.listOrganizations(query: .init(limit: limit, cursor: cursor)) {
            case .ok(let ok): return try ok.body.json
            // This client never sends If-None-Match, so a 304 is not Haven's answer to it.
            case .notModified: throw ClientError.unexpectedResponse(status: 304)
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func createOrganization(_ input: Components.Schemas.OrganizationInput) async throws
        -> Components.Schemas.Organization
    {
        try await call {
            switch try await client.createOrganization(body: .json(input)) {
            case .created(let created): return try created.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func replaceOrganization(_ id: String, eTag: String?, _ input: Components.Schemas.OrganizationInput)
        async throws
        -> Components.Schemas.Organization
    {
        try await call {
            switch try await client.replaceOrganization(
                path: .init(id: id), headers: .init(ifMatch: eTag), body: .json(input))
            {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func verifyOrganization(_ id: String) async throws -> Components.Schemas.Organization {
        try await call {
            switch try await client.verifyOrganization(path: .init(id: id)) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func retireOrganization(_ id: String) async throws {
        try await call {
            switch try await client.retireOrganization(path: .init(id: id)) {
            case .noContent: return
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func location(_ id: String) async throws -> (Components.Schemas.Location, eTag: String?) {
        try await call {
            switch try await client.getLocation(path: .init(id: id)) {
            case .ok(let ok): return (try ok.body.json, ok.headers.eTag)
            // This client never sends If-None-Match, so a 304 is not Haven's answer to it.
            case .notModified: throw ClientError.unexpectedResponse(status: 304)
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func locations(
        organization: String? = nil, confidential: Bool? = nil, limit: Int? = nil, cursor: String? = nil
    ) async throws -> Components.Schemas.LocationList {
        try await call {
            switch try await client.listLocations(
                query: .init(organizationId: organization, confidential: confidential, limit: limit, cursor: cursor))
            {
            case .ok(let ok): return try ok.body.json
            // This client never sends If-None-Match, so a 304 is not Haven's answer to it.
            case .notModified: throw ClientError.unexpectedResponse(status: 304)
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func createLocation(_ input: Components.Schemas.LocationInput) async throws -> Components.Schemas.Location {
        try await call {
            switch try await client.createLocation(body: .json(input)) {
            case .created(let created): return try created.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func replaceLocation(_ id: String, eTag: String?, _ input: Components.Schemas.LocationInput) async throws
        -> Components.Schemas.Location
    {
        try await call {
            switch try await client.replaceLocation(
                path: .init(id: id), headers: .init(ifMatch: eTag), body: .json(input))
            {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func verifyLocation(_ id: String) async throws -> Components.Schemas.Location {
        try await call {
            switch try await client.verifyLocation(path: .init(id: id)) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func retireLocation(_ id: String) async throws {
        try await call {
            switch try await client.retireLocation(path: .init(id: id)) {
            case .noContent: return
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func crisisContact(_ id: String) async throws -> (Components.Schemas.CrisisContact, eTag: String?) {
        try await call {
            switch try await client.getCrisisContact(path: .init(id: id)) {
            case .ok(let ok): return (try ok.body.json, ok.headers.eTag)
            // This client never sends If-None-Match, so a 304 is not Haven's answer to it.
            case .notModified: throw ClientError.unexpectedResponse(status: 304)
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func crisisContacts(limit: Int? = nil, cursor: String? = nil) async throws
        -> Components.Schemas.CrisisContactList
    {
        try await call {
            switch try await client.listCrisisContacts(query: .init(limit: limit, cursor: cursor)) {
            case .ok(let ok): return try ok.body.json
            // This client never sends If-None-Match, so a 304 is not Haven's answer to it.
            case .notModified: throw ClientError.unexpectedResponse(status: 304)
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func createCrisisContact(_ input: Components.Schemas.CrisisContactInput) async throws
        -> Components.Schemas.CrisisContact
    {
        try await call {
            switch try await client.createCrisisContact(body: .json(input)) {
            case .created(let created): return try created.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func replaceCrisisContact(_ id: String, eTag: String?, _ input: Components.Schemas.CrisisContactInput)
        async throws
        -> Components.Schemas.CrisisContact
    {
        try await call {
            switch try await client.replaceCrisisContact(
                path: .init(id: id), headers: .init(ifMatch: eTag), body: .json(input))
            {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func verifyCrisisContact(_ id: String) async throws -> Components.Schemas.CrisisContact {
        try await call {
            switch try await client.verifyCrisisContact(path: .init(id: id)) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func retireCrisisContact(_ id: String) async throws {
        try await call {
            switch try await client.retireCrisisContact(path: .init(id: id)) {
            case .noContent: return
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    /// Revokes a token: the caller's own, or any token for an admin.
    public func revokeToken(id: String) async throws {
        try await call {
            switch try await client.revokeToken(path: .init(id: id)) {
            case .noContent: return
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    /// Turns the generated client's transport and decoding failures into one-line errors.
    func call<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as HavenClient.ClientError {
            throw error
        } catch let error as OpenAPIRuntime.ClientError {
            if let status = error.response?.status.code {
                throw HavenClient.ClientError.unexpectedResponse(status: status)
            }
            throw HavenClient.ClientError.unreachable(
                server: login.server.description, reason: Self.reason(error.underlyingError))
        }
    }

    static func refusal(_ status: Int, _ body: Components.Responses.Problem.Body) -> HavenClient.ClientError {
        guard case .applicationProblemJson(let problem) = body else { return .unexpectedResponse(status: status) }
        var detail = problem.detail
        if let fields = problem.errors, !fields.isEmpty {
            let listed = fields.map { "\($0.pointer): \($0.detail)" }.joined(separator: "; ")
            detail = [detail, listed].compactMap { $0 }.joined(separator: " — ")
        }
        return .problem(status: problem.status, title: problem.title, detail: detail)
    }

    static func reason(_ error: any Error) -> String {
        if let unknown = error as? WriteOutcomeUnknown {
            let cause = (unknown.cause as? OpenAPIRuntime.ClientError)?.underlyingError ?? unknown.cause
            return
                "\(reason(cause)), \(unknown.attempts) times; the server may have saved the change, so check before sending it again"
        }
        guard let urlError = error as? URLError else { return "\(type(of: error))" }
        return switch urlError.code {
        case .cannotConnectToHost: "connection refused; is the server running?"
        case .cannotFindHost, .dnsLookupFailed: "unknown host"
        case .timedOut: "timed out"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
            .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            "the TLS connection failed (certificate not trusted?)"
        case .notConnectedToInternet, .networkConnectionLost: "the network connection failed"
        default: urlError.localizedDescription
        }
    }
}

/// Sends the API token on every request.
struct BearerTokenMiddleware: ClientMiddleware {
    let token: String

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        request.headerFields[.userAgent] = "haven-cli"
        return try await next(request, body, baseURL)
    }
}
