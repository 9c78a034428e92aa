import Foundation
import HTTPTypes
import HavenCore
import HavenServer
import HavenStorage
import HavenTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

/// Runs `authz-matrix.json`: every operation × caller × relationship → expected status.
@Suite("Authorization matrix")
struct AuthorizationMatrixTests {
    struct Matrix: Decodable {
        let callers: [String]
        /// operation → relationship → caller → status
        let operations: [String: [String: [String: Int]]]

        static func load() throws -> Matrix {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "authz-matrix.json")
            return try JSONDecoder().decode(Matrix.self, from: Data(contentsOf: url))
        }
    }

    @Test("every cell of the matrix answers with its expected status")
    func matrixHolds() async throws {
        let matrix = try Matrix.load()
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            let fixture = try await database.withClient { client in
                try await AccessFixture.make(on: client, logger: database.logger)
            }
            // Every operation is tried without a token; the failed-authentication budget is
            // RateLimitTests' subject, not this one's.
            let configuration = ServerConfiguration(port: 0, authenticationFailuresPerMinute: 100_000)
            try await ServerHarness.withServer(database: database, configuration: configuration) { client in
                var mismatches: [String] = []
                var cells = 0
                for (operationName, relationships) in matrix.operations.sorted(by: { $0.key < $1.key }) {
                    let parsed = HavenCore.Operation(rawValue: operationName)
                    let operation = try #require(parsed, "unknown operation \(operationName)")
                    for (relationship, expectations) in relationships.sorted(by: { $0.key < $1.key }) {
                        for (callerName, expected) in expectations.sorted(by: { $0.key < $1.key }) {
                            let role = Role(rawValue: callerName)
                            let request = try await MatrixRequest.make(
                                operation,
                                relationship: relationship,
                                caller: role,
                                fixture: fixture,
                                database: database
                            )
                            var headers = HTTPFields()
                            if let role, let member = fixture.members[role] {
                                headers[.authorization] = "Bearer \(member.token)"
                            }
                            if request.body != nil { headers[.contentType] = "application/json" }
                            headers.append(contentsOf: request.headers)
                            let response = try await client.execute(
                                uri: request.path,
                                method: request.method,
                                headers: headers,
                                body: request.body.map { ByteBuffer(string: $0) }
                            )
                            cells += 1
                            if response.status.code != expected {
                                mismatches.append(
                                    "\(operationName) \(relationship) \(callerName): expected \(expected), got \(response.status.code)"
                                )
                            }
                        }
                    }
                }
                #expect(cells > 100)
                #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
            }
        }
    }

    @Test("every operation of the OpenAPI document has a complete row in the matrix")
    func matrixCoversTheContract() async throws {
        let matrix = try Matrix.load()
        try await TestDatabaseCluster.shared.withMigratedDatabase { database in
            try await ServerHarness.withServer(database: database) { client in
                let response = try await client.execute(uri: "/openapi.json", method: .get)
                let document = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let paths = try #require(document?["paths"] as? [String: [String: Any]])
                var operationIDs: Set<String> = []
                for item in paths.values {
                    for case let operation as [String: Any] in item.values {
                        if let id = operation["operationId"] as? String { operationIDs.insert(id) }
                    }
                }
                #expect(operationIDs.count >= 12)
                let missing = operationIDs.subtracting(matrix.operations.keys)
                #expect(missing.isEmpty, "operations missing from authz-matrix.json: \(missing.sorted())")
                #expect(Set(matrix.operations.keys).subtracting(operationIDs).isEmpty)
                #expect(Set(HavenCore.Operation.allCases.map(\.rawValue)) == operationIDs)
                for (operation, relationships) in matrix.operations {
                    for (relationship, callers) in relationships {
                        #expect(Set(callers.keys) == Set(matrix.callers), "\(operation) \(relationship) lacks callers")
                    }
                }
            }
        }
    }
}

/// The request one matrix cell sends, with the records it needs created fresh so that writes in
/// one cell (a revoked token, a renamed user) never change another's outcome.
struct MatrixRequest {
    var method: HTTPRequest.Method
    var path: String
    var body: String?
    var headers: HTTPFields = [:]

    static func make(
        _ operation: HavenCore.Operation,
        relationship: String,
        caller: Role?,
        fixture: AccessFixture,
        database: TestDatabase
    ) async throws -> MatrixRequest {
        // Anonymous callers are shown records of organization A's admin.
        let role = caller ?? .admin
        let own = fixture.members[role]!
        let target: AccessFixture.Member =
            switch relationship {
            case "own": own
            case "same_organization": fixture.colleagues[role]!
            case "other_organization": fixture.outsiders[role]!
            default: own
            }
        let userID = target.user.id.uuidString.lowercased()
        switch operation {
        case .getHealth: return .init(method: .get, path: "/healthz")
        case .getHSDSProfile: return .init(method: .get, path: "/hsds/profile")
        case .getAPIMetaInformation: return .init(method: .get, path: "/hsds")
        case .getPaginatedListOfServices: return .init(method: .get, path: "/hsds/services")
        case .getPaginatedListOfOrganizations: return .init(method: .get, path: "/hsds/organizations")
        case .getPaginatedListOfServiceAtLocation: return .init(method: .get, path: "/hsds/service_at_locations")
        case .getPaginatedListOfTaxonomies: return .init(method: .get, path: "/hsds/taxonomies")
        case .getPaginatedListOfTaxonomyTerms: return .init(method: .get, path: "/hsds/taxonomy_terms")
        case .getFullyNestedServiceById, .getOrganizationById, .getServiceAtLocationWithNestedDataById,
            .getTaxonomyById, .getTaxonomyTermById:
            let records = try await hsdsRecords(database)
            let paths: [HavenCore.Operation: String] = [
                .getFullyNestedServiceById: "/hsds/services/\(records.service)",
                .getOrganizationById: "/hsds/organizations/\(records.organization)",
                .getServiceAtLocationWithNestedDataById: "/hsds/service_at_locations/\(records.serviceAtLocation)",
                .getTaxonomyById: "/hsds/taxonomies/\(records.taxonomy)",
                .getTaxonomyTermById: "/hsds/taxonomy_terms/\(records.term)",
            ]
            return .init(method: .get, path: paths[operation]!)
        case .getReadiness: return .init(method: .get, path: "/readyz")
        case .getOpenAPIDocument: return .init(method: .get, path: "/openapi.json")
        case .getMetrics: return .init(method: .get, path: "/metrics")
        case .whoami: return .init(method: .get, path: "/v1/whoami")
        case .listUsers: return .init(method: .get, path: "/v1/users")
        case .createUser:
            return .init(method: .post, path: "/v1/users", body: #"{"name": "Demo new user", "role": "curator"}"#)
        case .getUser: return .init(method: .get, path: "/v1/users/\(userID)")
        case .updateUser:
            return .init(method: .patch, path: "/v1/users/\(userID)", body: #"{"name": "\#(target.user.name)"}"#)
        case .listTokens:
            return .init(method: .get, path: relationship == "none" ? "/v1/tokens" : "/v1/tokens?user_id=\(userID)")
        case .createToken:
            return .init(method: .post, path: "/v1/tokens", body: #"{"user_id": "\#(userID)", "name": "matrix"}"#)
        case .revokeToken:
            let spare = try await database.withClient { client in
                try await AccessFixture.spareToken(for: target.user.id, on: client, logger: database.logger)
            }
            return .init(method: .delete, path: "/v1/tokens/\(spare.id.uuidString.lowercased())")
        case .listAudit: return .init(method: .get, path: "/v1/audit")
        case .getPlace, .searchServices, .searchCrisisContacts:
            try await chicago(database)
            let paths: [HavenCore.Operation: String] = [
                .getPlace: "/v1/places/60614", .searchServices: "/v1/search/services?zip=60614",
                .searchCrisisContacts: "/v1/search/crisis-contacts?zip=60614",
            ]
            return .init(method: .get, path: paths[operation]!)
        case .listNeeds: return .init(method: .get, path: "/v1/needs")
        case .listServices: return .init(method: .get, path: "/v1/services")
        case .createService:
            let organization = try await directoryRecords(database).organization
            return .init(
                method: .post, path: "/v1/services",
                body: #"{"organization_id": "\#(organization)", "name": "Matrix service"}"#)
        case .getService:
            return .init(method: .get, path: "/v1/services/\(try await directoryRecords(database).service)")
        case .replaceService:
            let records = try await directoryRecords(database)
            return .init(
                method: .put, path: "/v1/services/\(records.service)",
                body: #"{"organization_id": "\#(records.organization)", "name": "Matrix service, renamed"}"#,
                headers: [.ifMatch: #""v1""#])
        case .retireService:
            return .init(method: .delete, path: "/v1/services/\(try await directoryRecords(database).service)")
        case .verifyService:
            return .init(method: .post, path: "/v1/services/\(try await directoryRecords(database).service)/verify")
        case .listOrganizations: return .init(method: .get, path: "/v1/organizations")
        case .createOrganization:
            return .init(method: .post, path: "/v1/organizations", body: #"{"name": "Matrix organization"}"#)
        case .getOrganization:
            return .init(method: .get, path: "/v1/organizations/\(try await directoryRecords(database).organization)")
        case .replaceOrganization:
            return .init(
                method: .put, path: "/v1/organizations/\(try await directoryRecords(database).organization)",
                body: #"{"name": "Matrix organization, renamed"}"#, headers: [.ifMatch: #""v1""#])
        case .retireOrganization:
            return .init(
                method: .delete, path: "/v1/organizations/\(try await directoryRecords(database).organization)")
        case .verifyOrganization:
            return .init(
                method: .post, path: "/v1/organizations/\(try await directoryRecords(database).organization)/verify")
        case .listLocations: return .init(method: .get, path: "/v1/locations?confidential=true")
        case .createLocation:
            return .init(
                method: .post, path: "/v1/locations",
                body:
                    #"{"name": "Matrix office", "latitude": 41.9, "longitude": -87.6, "time_zone": "America/Chicago"}"#)
        case .getLocation:
            return .init(method: .get, path: "/v1/locations/\(try await directoryRecords(database).location)")
        case .replaceLocation:
            return .init(
                method: .put, path: "/v1/locations/\(try await directoryRecords(database).location)",
                body:
                    #"{"name": "Matrix office, moved", "latitude": 41.8, "longitude": -87.6, "time_zone": "America/Chicago"}"#,
                headers: [.ifMatch: #""v1""#])
        case .retireLocation:
            return .init(method: .delete, path: "/v1/locations/\(try await directoryRecords(database).location)")
        case .verifyLocation:
            return .init(method: .post, path: "/v1/locations/\(try await directoryRecords(database).location)/verify")
        case .listCrisisContacts: return .init(method: .get, path: "/v1/crisis-contacts")
        case .createCrisisContact:
            return .init(
                method: .post, path: "/v1/crisis-contacts",
                body:
                    #"{"slug": "matrix-\#(UUID().uuidString.prefix(8).lowercased())", "name": "Matrix line", "channels": [{"channel": "voice", "value": "+13125550111"}]}"#
            )
        case .getCrisisContact:
            return .init(method: .get, path: "/v1/crisis-contacts/\(try await crisisContact(database))")
        case .replaceCrisisContact:
            let id = try await crisisContact(database)
            return .init(
                method: .put, path: "/v1/crisis-contacts/\(id)",
                body:
                    #"{"slug": "matrix-\#(id.prefix(8))", "name": "Matrix line, renamed", "channels": [{"channel": "sms", "value": "55511"}]}"#,
                headers: [.ifMatch: #""v1""#])
        case .retireCrisisContact:
            return .init(method: .delete, path: "/v1/crisis-contacts/\(try await crisisContact(database))")
        case .verifyCrisisContact:
            return .init(method: .post, path: "/v1/crisis-contacts/\(try await crisisContact(database))/verify")
        case .listVolunteers: return .init(method: .get, path: "/v1/volunteers")
        case .listExpiringCredentials: return .init(method: .get, path: "/v1/volunteers/credentials/expiring")
        case .createVolunteer:
            try await chicago(database)
            return .init(
                method: .post, path: "/v1/volunteers", body: #"{"name": "Demo Mentor", "home_zip": "60614"}"#)
        case .getVolunteer:
            return .init(method: .get, path: "/v1/volunteers/\(try await volunteer(database, of: target))")
        case .replaceVolunteer:
            return .init(
                method: .put, path: "/v1/volunteers/\(try await volunteer(database, of: target))",
                body: #"{"name": "Demo Mentor, renamed", "home_zip": "60614", "capacity": 2}"#,
                headers: [.ifMatch: #""v1""#])
        case .addVolunteerCredential:
            return .init(
                method: .post, path: "/v1/volunteers/\(try await volunteer(database, of: target))/credentials",
                body: #"{"kind": "training", "name": "Peer mentor training", "issued_on": "2026-01-15"}"#)
        case .createFamily:
            try await chicago(database)
            return .init(method: .post, path: "/v1/families", body: #"{"reference": "DEMO-F1", "home_zip": "60614"}"#)
        case .getFamily:
            return .init(method: .get, path: "/v1/families/\(try await family(database, of: target, waiting: false))")
        case .replaceFamily:
            return .init(
                method: .put, path: "/v1/families/\(try await family(database, of: target, waiting: false))",
                body: #"{"reference": "DEMO-F1b", "home_zip": "60614"}"#, headers: [.ifMatch: #""v1""#])
        case .requestMentor:
            return .init(
                method: .post,
                path: "/v1/families/\(try await family(database, of: target, waiting: false))/mentor-requests")
        case .suggestMentors:
            return .init(
                method: .post,
                path: "/v1/families/\(try await family(database, of: target, waiting: true))/mentor-suggestions")
        case .planMentorMatches: return .init(method: .post, path: "/v1/mentor-matching/plan", body: "{}")
        case .listMentorMatches: return .init(method: .get, path: "/v1/mentor-matches")
        case .createMentorMatch:
            let family = try await family(database, of: target, waiting: true)
            let volunteer = try await volunteer(database, of: target, eligible: true)
            return .init(
                method: .post, path: "/v1/mentor-matches",
                body: #"{"family_id": "\#(family)", "volunteer_id": "\#(volunteer)"}"#)
        case .updateMentorMatch:
            return .init(
                method: .post, path: "/v1/mentor-matches/\(try await match(database, of: target))/status",
                body: #"{"status": "accepted"}"#)
        case .createConsent:
            let family = try await family(database, of: target, waiting: false)
            return .init(
                method: .post, path: "/v1/families/\(family)/consents",
                body: #"""
                    {"given_by": "Parent A", "relationship": "parent",
                     "recipient_organization_id": "\#(target.user.organizationID!.uuidString)",
                     "purposes": ["service-referral"], "categories": ["contact"], "expires_on": "2099-01-01"}
                    """#.replacingOccurrences(
                        of: "2099-01-01", with: CalendarDate(Date(), timeZone: "UTC").adding(days: 30).description))
        case .listConsents:
            return .init(
                method: .get, path: "/v1/families/\(try await family(database, of: target, waiting: false))/consents")
        case .revokeConsent:
            let sent = try await sentReferral(database, of: target)
            return .init(method: .post, path: "/v1/consents/\(sent.consent)/revoke")
        case .createPlan:
            return .init(
                method: .post, path: "/v1/families/\(try await family(database, of: target, waiting: false))/plans",
                body: "{}")
        case .getPlan:
            return .init(method: .get, path: "/v1/plans/\(try await sentReferral(database, of: target).plan)")
        case .replacePlan:
            // The sent referral stays: one that went out leaves the plan only once finished.
            let sent = try await sentReferral(database, of: target)
            return .init(
                method: .put, path: "/v1/plans/\(sent.plan)",
                body: #"""
                    {"goals": ["Find a counselor"], "referrals": [{"id": "\#(sent.referral)", "service_id": "\#(sent.service)",
                     "handoff": "warm", "share": ["contact", "needs"]}]}
                    """#, headers: [.ifMatch: #""v1""#])
        case .getPlanVersion:
            return .init(
                method: .get, path: "/v1/plans/\(try await sentReferral(database, of: target).plan)/versions/1")
        case .getPlanDocument:
            return .init(
                method: .get, path: "/v1/plans/\(try await sentReferral(database, of: target).plan)/document?format=md")
        case .listReferrals: return .init(method: .get, path: "/v1/referrals")
        case .getReferral:
            return .init(method: .get, path: "/v1/referrals/\(try await sentReferral(database, of: target).referral)")
        case .updateReferral:
            return .init(
                method: .post, path: "/v1/referrals/\(try await sentReferral(database, of: target).referral)/status",
                body: #"{"status": "connected"}"#)
        case .listFollowUps: return .init(method: .get, path: "/v1/follow-ups")
        }
    }

    /// A fresh plan of a family of `member`'s organization with one warm referral, sent under a
    /// consent, to a service `member`'s organization runs (so its partner is the recipient).
    static func sentReferral(_ database: TestDatabase, of member: AccessFixture.Member) async throws -> (
        plan: String, referral: String, consent: String, service: String
    ) {
        let family = UUID(uuidString: try await family(database, of: member, waiting: false))!
        let organization = member.user.organizationID!
        let (service, plan, referral, consent) = (UUID(), UUID(), UUID(), UUID())
        try await database.withClient { client in
            try await client.transaction(logger: database.logger) { connection in
                try await ServiceRepository(logger: database.logger).save(
                    id: service, ServiceDraft(organizationID: organization, name: "Matrix counseling"), on: connection)
                try await ConsentRepository(logger: database.logger, cipher: database.cipher).insert(
                    id: consent, familyID: family,
                    ConsentDraft(
                        givenBy: "Parent A", relationship: .parent, recipientOrganizationID: organization,
                        purposes: [.serviceReferral], categories: [.contact, .needs], givenAt: Date(),
                        expiresOn: CalendarDate(Date(), timeZone: "UTC").adding(days: 30)),
                    recordedBy: nil, on: connection)
                let plans = PlanRepository(logger: database.logger, cipher: database.cipher)
                try await plans.insert(
                    id: plan, familyID: family, organizationID: organization, createdBy: nil, on: connection)
                let content = PlanContent(
                    goals: [], needs: [],
                    referrals: [
                        PlanReferral(
                            id: referral, serviceID: service, reason: nil, whatToExpect: nil, handoff: .warm,
                            shares: [.contact, .needs], followUp: nil)
                    ], crisisContactIDs: [], mentor: nil, safetyNotes: nil, internalNotes: nil, followUps: [],
                    showSensitiveNames: false)
                _ = try await plans.saveVersion(planID: plan, content, savedBy: nil, on: connection)
                let referrals = ReferralRepository(logger: database.logger, cipher: database.cipher)
                let header = try await plans.header(id: plan, on: connection)!
                try await referrals.sync(header, content.referrals, recipients: [service: organization], on: connection)
                try await referrals.move(id: referral, to: .sent, note: nil, consentID: consent, on: connection)
            }
        }
        return (
            plan.uuidString.lowercased(), referral.uuidString.lowercased(), consent.uuidString.lowercased(),
            service.uuidString.lowercased()
        )
    }

    /// A fresh family of `member`'s organization, on the waiting list when `waiting`.
    static func family(_ database: TestDatabase, of member: AccessFixture.Member, waiting: Bool) async throws -> String
    {
        try await chicago(database)
        let id = UUID()
        let draft = FamilyDraft(
            reference: "DEMO-F-\(id.uuidString.prefix(4))", homeZip: ZIPCode("60614")!, languages: ["en"],
            situations: [.familyAbduction], childAgeBand: .from12To14, needs: [], preferredMentorGender: nil,
            sameLanguageRequired: false, sameSituationPreferred: true, contactHours: [])
        try await database.withClient { client in
            try await client.withConnection { connection in
                let families = FamilyRepository(logger: database.logger, cipher: database.cipher)
                try await families.insert(id: id, organizationID: member.user.organizationID!, draft, on: connection)
                if waiting { _ = try await families.requestMentor(familyID: id, requestedBy: nil, on: connection) }
            }
        }
        return id.uuidString.lowercased()
    }

    /// A fresh proposed match between a waiting family and a volunteer of `member`'s organization.
    static func match(_ database: TestDatabase, of member: AccessFixture.Member) async throws -> String {
        let family = UUID(uuidString: try await family(database, of: member, waiting: true))!
        let volunteer = UUID(uuidString: try await volunteer(database, of: member, eligible: true))!
        let id = UUID()
        try await database.withClient { client in
            try await client.withConnection { connection in
                let request = try await FamilyRepository(logger: database.logger, cipher: database.cipher)
                    .find([family], on: connection).first?.requestID
                try await MentorMatchRepository(logger: database.logger, cipher: database.cipher).propose(
                    id: id, requestID: request!, familyID: family, volunteerID: volunteer, score: 0.8, reasons: [],
                    proposedBy: nil, on: connection)
            }
        }
        return id.uuidString.lowercased()
    }

    static func chicago(_ database: TestDatabase) async throws {
        try await database.withClient { client in
            _ = try await client.query(
                """
                INSERT INTO zip_codes (zip, kind, city, state, county, time_zone, point, active)
                VALUES ('60614', 'standard', 'Chicago', 'IL', 'Cook County', 'America/Chicago',
                        ST_SetSRID(ST_MakePoint(-87.6483, 41.9229), 4326)::geography, true)
                ON CONFLICT (zip) DO NOTHING
                """,
                logger: database.logger)
        }
    }

    /// A fresh volunteer on the roster of `member`'s organization, for one cell.
    static func volunteer(_ database: TestDatabase, of member: AccessFixture.Member, eligible: Bool = false)
        async throws -> String
    {
        try await chicago(database)
        let id = UUID()
        let draft = VolunteerDraft(
            name: "Demo Mentor", contacts: [.init(channel: "phone", value: "+13125550142", note: nil)],
            homeZip: ZIPCode("60614")!, languages: ["en"], experiences: [.familyAbduction], ageBands: [.from12To14],
            gender: nil, availability: [], away: [], capacity: 2, status: .active)
        try await database.withClient { client in
            try await client.withConnection { connection in
                let volunteers = VolunteerRepository(logger: database.logger, cipher: database.cipher)
                try await volunteers.insert(id: id, organizationID: member.user.organizationID!, draft, on: connection)
                if eligible {
                    for credential in [
                        Credential(
                            kind: .training, name: "Peer mentor training", issuedOn: CalendarDate("2025-01-10")!,
                            expiresOn: nil),
                        Credential(
                            kind: .backgroundCheck, name: "Background check", issuedOn: CalendarDate("2025-01-10")!,
                            expiresOn: CalendarDate("2099-01-10")!),
                    ] {
                        try await volunteers.addCredential(
                            id: UUID(), volunteerID: id, credential, recordedBy: nil, on: connection)
                    }
                }
            }
        }
        return id.uuidString.lowercased()
    }

    /// A fresh crisis contact for one cell.
    static func crisisContact(_ database: TestDatabase) async throws -> String {
        let id = UUID()
        let slug = "matrix-\(id.uuidString.prefix(8).lowercased())"
        var draft = CrisisContactDraft(slug: slug, name: "Matrix line")
        draft.channels = [CrisisChannelDraft(kind: .voice, value: "+13125550111")]
        let contact = draft
        try await database.withClient { client in
            try await client.transaction(logger: database.logger) { connection in
                try await CrisisContactRepository(logger: database.logger).save(id: id, contact, on: connection)
            }
        }
        return id.uuidString.lowercased()
    }

    /// A fresh organization, location and service for one cell.
    static func directoryRecords(_ database: TestDatabase) async throws -> (
        organization: String, service: String, location: String
    ) {
        let organization = UUID()
        let service = UUID()
        let location = UUID()
        try await database.withClient { client in
            try await client.transaction(logger: database.logger) { connection in
                try await OrganizationRepository(logger: database.logger).save(
                    id: organization, OrganizationDraft(name: "Matrix organization"), on: connection)
                try await ServiceRepository(logger: database.logger).save(
                    id: service, ServiceDraft(organizationID: organization, name: "Matrix service"), on: connection)
                var office = LocationDraft(locationType: "physical")
                office.organizationID = organization
                (office.latitude, office.longitude, office.timeZone) = (41.9, -87.6, "America/Chicago")
                try await LocationRepository(logger: database.logger).save(id: location, office, on: connection)
            }
        }
        return (
            organization.uuidString.lowercased(), service.uuidString.lowercased(), location.uuidString.lowercased()
        )
    }

    /// One record of each HSDS kind: a service at a location, its organization, a taxonomy and
    /// a term.
    static func hsdsRecords(_ database: TestDatabase) async throws -> (
        organization: String, service: String, serviceAtLocation: String, taxonomy: String, term: String
    ) {
        let (organization, service, location) = (UUID(), UUID(), UUID())
        let (taxonomy, term) = (UUID(), UUID())
        let link: UUID = try await database.withClient { client in
            try await client.transaction(logger: database.logger) { connection in
                try await OrganizationRepository(logger: database.logger).save(
                    id: organization, OrganizationDraft(name: "Matrix organization"), on: connection)
                var office = LocationDraft(locationType: "physical")
                office.organizationID = organization
                (office.latitude, office.longitude, office.timeZone) = (41.9, -87.6, "America/Chicago")
                try await LocationRepository(logger: database.logger).save(id: location, office, on: connection)
                var draft = ServiceDraft(organizationID: organization, name: "Matrix service")
                draft.locationIDs = [location]
                try await ServiceRepository(logger: database.logger).save(id: service, draft, on: connection)
                try await connection.query(
                    """
                    INSERT INTO taxonomies (id, name, description) VALUES (\(taxonomy), 'Matrix taxonomy', 'For the matrix.');
                    """,
                    logger: database.logger)
                try await connection.query(
                    """
                    INSERT INTO taxonomy_terms (id, taxonomy_id, code, name, description, name_es, description_es)
                    VALUES (\(term), \(taxonomy), 'matrix', 'Matrix', 'For the matrix.', 'Matriz', 'Para la matriz.')
                    """,
                    logger: database.logger)
                let rows = try await connection.query(
                    "SELECT id FROM service_at_locations WHERE service_id = \(service)", logger: database.logger)
                var link: UUID?
                for try await id in rows.decode(UUID.self) { link = id }
                return try #require(link, "the service has its service-at-location")
            }
        }
        return (
            organization.uuidString.lowercased(), service.uuidString.lowercased(), link.uuidString.lowercased(),
            taxonomy.uuidString.lowercased(), term.uuidString.lowercased()
        )
    }
}
