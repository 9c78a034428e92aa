/// What a user is for. Every permission in Haven follows from the role and, for records, from
/// the user's relationship to the record (`AccessPolicy`).
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Manages users and tokens; sees everything, including the audit log.
    case admin
    /// Keeps directory data correct and fresh.
    case curator
    /// Keeps the volunteer roster current and matches families with peer mentors.
    case coordinator
    /// Family advocacy specialist: families and referral plans of their own organization.
    case advocate
    /// A partner organization's integration: directory reads, and referrals addressed to it.
    case partner
}

/// Who is calling: resolved from a valid, unexpired, unrevoked token of an enabled user.
public struct Caller: Sendable, Equatable {
    public let userID: String
    public let tokenID: String
    public let role: Role
    public let organizationID: String?

    public init(userID: String, tokenID: String, role: Role, organizationID: String?) {
        self.userID = userID
        self.tokenID = tokenID
        self.role = role
        self.organizationID = organizationID
    }
}
