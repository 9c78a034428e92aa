/// Every operation of the API, named as in the OpenAPI document (`operationId`).
public enum Operation: String, Sendable, CaseIterable {
    case getHealth
    case getReadiness
    case getMetrics
    case getOpenAPIDocument
    case whoami
    case listUsers
    case createUser
    case getUser
    case updateUser
    case listTokens
    case createToken
    case revokeToken
    case listAudit
    case getPlace
    case listNeeds
    case listServices
    case createService
    case getService
    case replaceService
    case retireService
    case verifyService
    case listOrganizations
    case createOrganization
    case getOrganization
    case replaceOrganization
    case retireOrganization
    case verifyOrganization
    case listLocations
    case createLocation
    case getLocation
    case replaceLocation
    case retireLocation
    case verifyLocation
    case listCrisisContacts
    case createCrisisContact
    case getCrisisContact
    case replaceCrisisContact
    case retireCrisisContact
    case verifyCrisisContact
    case searchServices
    case searchCrisisContacts
    case listVolunteers
    case createVolunteer
    case getVolunteer
    case replaceVolunteer
    case addVolunteerCredential
    case listExpiringCredentials
    case createFamily
    case getFamily
    case replaceFamily
    case requestMentor
    case suggestMentors
    case planMentorMatches
    case createMentorMatch
    case listMentorMatches
    case updateMentorMatch
    case createConsent
    case listConsents
    case revokeConsent
    case createPlan
    case getPlan
    case replacePlan
    case getPlanVersion
    case getPlanDocument
    case listReferrals
    case getReferral
    case updateReferral
    case listFollowUps
    case getAPIMetaInformation
    case getHSDSProfile
    case getPaginatedListOfServices
    case getFullyNestedServiceById
    case getPaginatedListOfOrganizations
    case getOrganizationById
    case getPaginatedListOfServiceAtLocation
    case getServiceAtLocationWithNestedDataById
    case getPaginatedListOfTaxonomies
    case getTaxonomyById
    case getPaginatedListOfTaxonomyTerms
    case getTaxonomyTermById
}

/// How a caller relates to the record an operation touches.
public enum Relationship: String, Sendable, CaseIterable {
    /// The caller's own record (their user, their token).
    case own
    /// A record of the caller's organization.
    case sameOrganization = "same_organization"
    /// Anything else.
    case otherOrganization = "other_organization"
}

/// The outcome of asking the policy.
public enum AccessDecision: Sendable, Equatable {
    case allow
    /// No valid credentials: 401.
    case unauthenticated
    /// The role may never do this: 403.
    case forbidden
    /// The record is outside the caller's scope: 404, exactly like a record that does not exist.
    case outOfScope
}

/// Haven's authorization, in one place: which roles may attempt each operation, and which
/// records each role may touch. Middleware asks `decide(_:caller:)` for every request; handlers
/// ask `decide(_:caller:relationship:)` once they know the record. Anything not listed here is
/// denied.
public enum AccessPolicy {
    /// Whether a role sees how to reach a family: phone, email, safe word and callback note.
    /// Families are confidential, kept by their advocates (and admins); a coordinator matching
    /// them with a mentor sees everything matching reads, not these.
    public static func seesFamilyContact(_ role: Role) -> Bool { role == .advocate || role == .admin }

    /// Who may attempt an operation at all.
    public enum Audience: Sendable, Equatable {
        /// Anyone, without a token.
        case everyone
        /// Any authenticated user.
        case authenticated
        /// Authenticated users with one of these roles.
        case roles(Set<Role>)
    }

    public static func audience(of operation: Operation) -> Audience {
        switch operation {
        case .getHealth, .getReadiness, .getOpenAPIDocument, .getHSDSProfile:
            return .everyone
        case .whoami, .listTokens, .revokeToken:
            // Everyone may see and revoke their own tokens; the record rule narrows the rest.
            return .authenticated
        case .getPlace, .listNeeds, .listServices, .getService, .listOrganizations, .getOrganization, .listLocations,
            .getLocation, .listCrisisContacts, .getCrisisContact, .searchServices,
            .searchCrisisContacts, .getAPIMetaInformation, .getPaginatedListOfServices, .getFullyNestedServiceById,
            .getPaginatedListOfOrganizations, .getOrganizationById, .getPaginatedListOfServiceAtLocation,
            .getServiceAtLocationWithNestedDataById, .getPaginatedListOfTaxonomies, .getTaxonomyById,
            .getPaginatedListOfTaxonomyTerms, .getTaxonomyTermById:
            // The public directory, read with a token of any role (docs/directory.md says why).
            return .authenticated
        case .createService, .replaceService, .retireService, .verifyService, .createOrganization, .replaceOrganization,
            .retireOrganization, .verifyOrganization, .createLocation, .replaceLocation, .retireLocation,
            .verifyLocation, .createCrisisContact, .replaceCrisisContact, .retireCrisisContact, .verifyCrisisContact:
            return .roles([.curator, .admin])
        case .listUsers, .createUser, .getUser, .updateUser, .createToken, .listAudit, .getMetrics:
            // Metrics hold no one's data, but they tell how the service is used and how it is
            // built: operating the server is an admin's job.
            return .roles([.admin])
        case .listVolunteers, .createVolunteer, .getVolunteer, .replaceVolunteer, .addVolunteerCredential,
            .listExpiringCredentials:
            // The roster holds volunteers' contact details: coordinators run it, admins oversee.
            return .roles([.coordinator, .admin])
        case .createFamily, .getFamily, .requestMentor:
            // Advocates record the families they work with; coordinators see who is waiting, but
            // not how to reach them (`seesFamilyContact`).
            return .roles([.advocate, .coordinator, .admin])
        case .replaceFamily:
            // The family's record, safe contact included, is kept by its advocates.
            return .roles([.advocate, .admin])
        case .suggestMentors, .planMentorMatches, .createMentorMatch, .listMentorMatches, .updateMentorMatch:
            return .roles([.coordinator, .admin])
        case .createConsent, .listConsents, .revokeConsent, .createPlan, .getPlan, .replacePlan, .getPlanVersion,
            .getPlanDocument, .listFollowUps:
            // The confidential tier: the advocates who own the case, and admins.
            return .roles([.advocate, .admin])
        case .listReferrals, .getReferral, .updateReferral:
            // Partners answer the referrals addressed to them (closed loop).
            return .roles([.advocate, .partner, .admin])
        }
    }

    /// The operations anyone may call without a token.
    public static var publicOperations: [Operation] {
        Operation.allCases.filter { audience(of: $0) == .everyone }
    }

    /// The role-level decision, before any record is known.
    public static func decide(_ operation: Operation, caller: Caller?) -> AccessDecision {
        switch audience(of: operation) {
        case .everyone:
            return .allow
        case .authenticated:
            return caller == nil ? .unauthenticated : .allow
        case .roles(let roles):
            guard let caller else { return .unauthenticated }
            return roles.contains(caller.role) ? .allow : .forbidden
        }
    }

    /// The record-level decision, once the handler knows how the caller relates to the record.
    public static func decide(
        _ operation: Operation,
        caller: Caller?,
        relationship: Relationship
    ) -> AccessDecision {
        let roleDecision = decide(operation, caller: caller)
        guard roleDecision == .allow, let caller else { return roleDecision }
        switch operation {
        case .revokeToken, .listTokens:
            return caller.role == .admin || relationship == .own ? .allow : .outOfScope
        case .getVolunteer, .replaceVolunteer, .addVolunteerCredential, .getFamily, .replaceFamily, .requestMentor,
            .suggestMentors, .createMentorMatch, .updateMentorMatch, .createConsent, .listConsents, .revokeConsent,
            .createPlan, .getPlan, .replacePlan, .getPlanVersion, .getPlanDocument:
            // Volunteers, families, their consents, plans and matches stay within their organization.
            return caller.role == .admin || relationship != .otherOrganization ? .allow : .outOfScope
        case .getReferral, .updateReferral:
            // The same organization here is the one that sent it or, for a partner, the one it
            // was sent to (`PlanService` decides which).
            return caller.role == .admin || relationship == .sameOrganization ? .allow : .outOfScope
        case .listVolunteers, .createVolunteer, .listExpiringCredentials, .createFamily, .planMentorMatches,
            .listMentorMatches, .listReferrals, .listFollowUps:
            return .allow
        case .getHealth, .getReadiness, .getMetrics, .getOpenAPIDocument, .getHSDSProfile, .whoami, .listUsers,
            .createUser, .getUser,
            .updateUser, .createToken, .listAudit, .getPlace, .listNeeds, .listServices, .createService, .getService,
            .replaceService, .retireService, .verifyService, .listOrganizations, .createOrganization, .getOrganization,
            .replaceOrganization, .retireOrganization, .verifyOrganization, .listLocations, .createLocation,
            .getLocation,
            .replaceLocation, .retireLocation, .verifyLocation, .listCrisisContacts, .createCrisisContact,
            .getCrisisContact, .replaceCrisisContact, .retireCrisisContact, .verifyCrisisContact, .searchServices,
            .searchCrisisContacts, .getAPIMetaInformation, .getPaginatedListOfServices, .getFullyNestedServiceById,
            .getPaginatedListOfOrganizations, .getOrganizationById, .getPaginatedListOfServiceAtLocation,
            .getServiceAtLocationWithNestedDataById, .getPaginatedListOfTaxonomies, .getTaxonomyById,
            .getPaginatedListOfTaxonomyTerms, .getTaxonomyTermById:
            return .allow
        }
    }
}

extension AccessPolicy {
    /// Whether the operation's records stay within an organization, or with their user, so that
    /// one out of the caller's scope answers exactly like one that does not exist. Read from the
    /// record rule above, so the two cannot drift apart.
    public static func hidesRecords(_ operation: Operation) -> Bool {
        Role.allCases.contains { role in
            let caller = Caller(userID: "", tokenID: "", role: role, organizationID: nil)
            return decide(operation, caller: caller, relationship: .otherOrganization) == .outOfScope
        }
    }

    /// Who sees a confidential location whole (address, exact point). Everyone else gets the
    /// intake phone and an approximate area: a shelter's address must never reach the wrong
    /// hands through a referral directory.
    public static func seesConfidentialLocations(_ role: Role) -> Bool {
        role == .curator || role == .admin
    }
}
