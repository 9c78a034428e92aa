import HavenAPI

/// The volunteer roster, for coordinators.
extension HavenAPIClient {
    public func volunteers(status: String? = nil, limit: Int? = nil, cursor: String? = nil) async throws
        -> Components.Schemas.VolunteerList
    {
        try await call {
            switch try await client.listVolunteers(query: .init(limit: limit, cursor: cursor, status: status)) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    /// A volunteer and its ETag.
    public func volunteer(_ id: String) async throws -> (Components.Schemas.Volunteer, eTag: String?) {
        try await call {
            switch try await client.getVolunteer(path: .init(id: id)) {
            case .ok(let ok): return (try ok.body.json, ok.headers.eTag)
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func createVolunteer(_ input: Components.Schemas.VolunteerInput) async throws -> Components.Schemas.Volunteer
    {
        try await call {
            switch try await client.createVolunteer(body: .json(input)) {
            case .created(let created): return try created.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    /// Replaces the volunteer as of `eTag`; a 412 means someone changed it since.
    public func replaceVolunteer(_ id: String, eTag: String?, _ input: Components.Schemas.VolunteerInput) async throws
        -> Components.Schemas.Volunteer
    {
        try await call {
            switch try await client.replaceVolunteer(
                path: .init(id: id), headers: .init(ifMatch: eTag), body: .json(input))
            {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func addCredential(_ id: String, _ input: Components.Schemas.CredentialInput) async throws
        -> Components.Schemas.Volunteer
    {
        try await call {
            switch try await client.addVolunteerCredential(path: .init(id: id), body: .json(input)) {
            case .created(let created): return try created.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func expiringCredentials(withinDays: Int?) async throws -> Components.Schemas.ExpiringCredentialList {
        try await call {
            switch try await client.listExpiringCredentials(query: .init(withinDays: withinDays)) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }
}
