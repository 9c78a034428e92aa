import HavenCore
import Testing

@Suite("Access policy")
struct AccessPolicyTests {
    func caller(_ role: Role) -> Caller {
        Caller(userID: "u", tokenID: "t", role: role, organizationID: "o")
    }

    @Test("only health, readiness and the contracts (OpenAPI, HSDS profile) are public")
    func publicOperations() {
        #expect(
            Set(AccessPolicy.publicOperations) == [.getHealth, .getReadiness, .getOpenAPIDocument, .getHSDSProfile])
        for operation in Operation.allCases where !AccessPolicy.publicOperations.contains(operation) {
            #expect(AccessPolicy.decide(operation, caller: nil) == .unauthenticated)
        }
    }

    @Test(
        "user management, the audit log and the metrics are for admins only",
        arguments: [Operation.listUsers, .createUser, .getUser, .updateUser, .createToken, .listAudit, .getMetrics])
    func adminOnly(operation: Operation) {
        #expect(AccessPolicy.decide(operation, caller: caller(.admin)) == .allow)
        for role in Role.allCases where role != .admin {
            #expect(AccessPolicy.decide(operation, caller: caller(role)) == .forbidden)
        }
    }

    @Test("anyone may revoke their own token; another's is out of scope unless admin")
    func revokeOwnTokens() {
        for role in Role.allCases {
            #expect(AccessPolicy.decide(.revokeToken, caller: caller(role), relationship: .own) == .allow)
            let other = AccessPolicy.decide(.revokeToken, caller: caller(role), relationship: .sameOrganization)
            #expect(other == (role == .admin ? .allow : .outOfScope))
        }
        #expect(AccessPolicy.decide(.revokeToken, caller: nil, relationship: .own) == .unauthenticated)
    }

    @Test("records that stay within an organization or with their user are the ones whose 404s are recorded")
    func hiddenRecords() {
        for hidden in [Operation.getFamily, .getPlan, .getReferral, .getVolunteer, .updateMentorMatch, .revokeToken] {
            #expect(AccessPolicy.hidesRecords(hidden), "\(hidden)")
        }
        for open in [Operation.getService, .getCrisisContact, .searchServices, .listVolunteers, .getUser, .whoami] {
            #expect(!AccessPolicy.hidesRecords(open), "\(open)")
        }
    }
}
