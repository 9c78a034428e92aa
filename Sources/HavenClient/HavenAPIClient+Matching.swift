import HavenAPI

/// Families waiting for a mentor, suggestions, plans and matches.
extension HavenAPIClient {
    public func createFamily(_ input: Components.Schemas.FamilyInput) async throws -> Components.Schemas.Family {
        try await call {
            switch try await client.createFamily(body: .json(input)) {
            case .created(let created): return try created.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func family(_ id: String) async throws -> (Components.Schemas.Family, eTag: String?) {
        try await call {
            switch try await client.getFamily(path: .init(id: id)) {
            case .ok(let ok): return (try ok.body.json, ok.headers.eTag)
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func requestMentor(family id: String) async throws -> Components.Schemas.Family {
        try await call {
            switch try await client.requestMentor(path: .init(id: id)) {
            case .created(let created): return try created.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func suggestMentors(family id: String, limit: Int?) async throws -> Components.Schemas.MentorSuggestionList {
        try await call {
            switch try await client.suggestMentors(path: .init(id: id), query: .init(limit: limit)) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func planMentorMatches(commit: Bool) async throws -> Components.Schemas.MentorPlan {
        try await call {
            switch try await client.planMentorMatches(body: .json(.init(commit: commit))) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func mentorMatches(status: String?) async throws -> [Components.Schemas.MentorMatch] {
        try await call {
            switch try await client.listMentorMatches(query: .init(status: status)) {
            case .ok(let ok): return try ok.body.json.data
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func proposeMatch(family: String, volunteer: String) async throws -> Components.Schemas.MentorMatch {
        try await call {
            switch try await client.createMentorMatch(body: .json(.init(familyId: family, volunteerId: volunteer))) {
            case .created(let created): return try created.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func moveMatch(_ id: String, to status: String, reason: String? = nil, outcome: String? = nil) async throws
        -> Components.Schemas.MentorMatch
    {
        try await call {
            switch try await client.updateMentorMatch(
                path: .init(id: id), body: .json(.init(status: status, reason: reason, outcome: outcome)))
            {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }
}
