import Foundation
import HavenCore

/// Peer-support records (volunteers, families, matches) belong to one organization: its members
/// work with them, admins oversee every organization's. One place for that rule.
enum OrganizationScope {
    static func caller(_ scope: RequestScope) throws -> Caller {
        guard let caller = scope.caller else { throw HTTPProblem.internalError() }
        return caller
    }

    /// Whose records a list shows: nil (every organization's) for an admin, else the caller's
    /// own organization (none at all for a user without one).
    static func of(_ caller: Caller) -> UUID? {
        caller.role == .admin ? nil : caller.organizationID.flatMap(UUID.init(uuidString:)) ?? UUID()
    }

    /// A record of another organization answers 404, exactly like one that does not exist; or,
    /// when the record was named in a request body, the same 422 on that field (`missing`) as a
    /// record that does not exist.
    static func authorize(
        _ operation: HavenCore.Operation, _ caller: Caller, organization: UUID, record: (type: String, id: UUID),
        orInvalid missing: FieldError? = nil
    ) throws {
        let relationship: Relationship =
            caller.organizationID?.lowercased() == organization.uuidString.lowercased()
            ? .sameOrganization : .otherOrganization
        guard AccessPolicy.decide(operation, caller: caller, relationship: relationship) == .allow else {
            if let missing {
                throw AccessFailure.outOfScopeField(recordType: record.type, recordID: record.id, field: missing)
            }
            throw AccessFailure.outOfScope(recordType: record.type, recordID: record.id)
        }
    }
}
