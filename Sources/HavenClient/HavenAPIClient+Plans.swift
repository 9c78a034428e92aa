import Foundation
import HavenAPI
import OpenAPIRuntime

/// Consents, referral plans, referrals and follow-ups.
extension HavenAPIClient {
    public func createConsent(family: String, _ input: Components.Schemas.ConsentInput) async throws
        -> Components.Schemas.Consent
    {
        try await call {
            switch try await client.createConsent(path: .init(id: family), body: .json(input)) {
            case .created(let created): return try created.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func consents(family: String) async throws -> [Components.Schemas.Consent] {
        try await call {
            switch try await client.listConsents(path: .init(id: family)) {
            case .ok(let ok): return try ok.body.json.data
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func revokeConsent(_ id: String) async throws -> Components.Schemas.Consent {
        try await call {
            switch try await client.revokeConsent(path: .init(id: id)) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func createPlan(family: String, goals: [String], servicesPerNeed: Int?) async throws
        -> Components.Schemas.Plan
    {
        try await call {
            switch try await client.createPlan(
                path: .init(id: family), body: .json(.init(goals: goals, servicesPerNeed: servicesPerNeed)))
            {
            case .created(let created): return try created.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    /// The plan's current version with its ETag, or an earlier version.
    public func plan(_ id: String, version: Int? = nil) async throws -> (Components.Schemas.Plan, eTag: String?) {
        try await call {
            if let version {
                switch try await client.getPlanVersion(path: .init(id: id, version: version)) {
                case .ok(let ok): return (try ok.body.json, nil)
                case .default(let status, let response): throw Self.refusal(status, response.body)
                }
            }
            switch try await client.getPlan(path: .init(id: id)) {
            case .ok(let ok): return (try ok.body.json, ok.headers.eTag)
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func replacePlan(_ id: String, ifMatch: String, _ input: Components.Schemas.PlanInput) async throws
        -> Components.Schemas.Plan
    {
        try await call {
            switch try await client.replacePlan(
                path: .init(id: id), headers: .init(ifMatch: ifMatch), body: .json(input))
            {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    /// The family's document as text (HTML or Markdown).
    public func planDocument(_ id: String, format: String, language: String, showSensitiveNames: Bool?)
        async throws -> String
    {
        try await call {
            switch try await client.getPlanDocument(
                path: .init(id: id),
                query: .init(format: format, lang: language, showSensitiveNames: showSensitiveNames))
            {
            case .ok(let ok):
                let body: HTTPBody
                switch ok.body {
                case .html(let html): body = html
                case .textMarkdown(let markdown): body = markdown
                }
                return try await String(collecting: body, upTo: 4 << 20)
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func referrals(status: String?, limit: Int?, cursor: String?) async throws
        -> Components.Schemas.ReferralList
    {
        try await call {
            switch try await client.listReferrals(query: .init(status: status, limit: limit, cursor: cursor)) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func referral(_ id: String) async throws -> Components.Schemas.Referral {
        try await call {
            switch try await client.getReferral(path: .init(id: id)) {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func moveReferral(_ id: String, to status: String, reason: String? = nil, outcome: String? = nil)
        async throws -> Components.Schemas.Referral
    {
        try await call {
            switch try await client.updateReferral(
                path: .init(id: id), body: .json(.init(status: status, reason: reason, outcome: outcome)))
            {
            case .ok(let ok): return try ok.body.json
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }

    public func followUps(dueBefore: Date?, limit: Int?) async throws -> [Components.Schemas.DueFollowUp] {
        try await call {
            switch try await client.listFollowUps(query: .init(dueBefore: dueBefore, limit: limit)) {
            case .ok(let ok): return try ok.body.json.data
            case .default(let status, let response): throw Self.refusal(status, response.body)
            }
        }
    }
}
