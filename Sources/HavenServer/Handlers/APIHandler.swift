import HavenAPI
import OpenAPIRuntime

/// The generated `APIProtocol`, implemented by forwarding each operation to the handler of its
/// area. Handlers stay thin: parse, call domain code, encode.
///
/// A class: the generated server copies its handler for every request, and as a struct that
/// copy retained each of the services' clients and caches, dozens of reference counts a request.
final class APIHandler: APIProtocol {
    let operations: OperationsHandler
    let access: AccessHandler
    let directory: DirectoryHandler
    let search: SearchHandler
    let volunteers: VolunteerHandler
    let matching: MatchingHandler
    let plans: PlanHandler
    let hsds: HSDSHandler

    init(
        operations: OperationsHandler, access: AccessHandler, directory: DirectoryHandler, search: SearchHandler,
        volunteers: VolunteerHandler, matching: MatchingHandler, plans: PlanHandler, hsds: HSDSHandler
    ) {
        (self.operations, self.access, self.directory, self.search) = (operations, access, directory, search)
        (self.volunteers, self.matching, self.plans, self.hsds) = (volunteers, matching, plans, hsds)
    }

    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        try await operations.getHealth(input)
    }

    func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        try await operations.getReadiness(input)
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        try await operations.getMetrics(input)
    }

    func getOpenAPIDocument(
        _ input: Operations.GetOpenAPIDocument.Input
    ) async throws -> Operations.GetOpenAPIDocument.Output {
        try await operations.getOpenAPIDocument(input)
    }

    func whoami(_ input: Operations.Whoami.Input) async throws -> Operations.Whoami.Output {
        try await access.whoami(input)
    }

    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        try await access.listUsers(input)
    }

    func createUser(_ input: Operations.CreateUser.Input) async throws -> Operations.CreateUser.Output {
        try await access.createUser(input)
    }

    func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        try await access.getUser(input)
    }

    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        try await access.updateUser(input)
    }

    func listTokens(_ input: Operations.ListTokens.Input) async throws -> Operations.ListTokens.Output {
        try await access.listTokens(input)
    }

    func createToken(_ input: Operations.CreateToken.Input) async throws -> Operations.CreateToken.Output {
        try await access.createToken(input)
    }

    func revokeToken(_ input: Operations.RevokeToken.Input) async throws -> Operations.RevokeToken.Output {
        try await access.revokeToken(input)
    }

    func listAudit(_ input: Operations.ListAudit.Input) async throws -> Operations.ListAudit.Output {
        try await access.listAudit(input)
    }

    func getPlace(_ input: Operations.GetPlace.Input) async throws -> Operations.GetPlace.Output {
        try await directory.getPlace(input)
    }

    func listNeeds(_ input: Operations.ListNeeds.Input) async throws -> Operations.ListNeeds.Output {
        try await directory.listNeeds(input)
    }

    func listServices(_ input: Operations.ListServices.Input) async throws -> Operations.ListServices.Output {
        try await directory.listServices(input)
    }

    func createService(_ input: Operations.CreateService.Input) async throws -> Operations.CreateService.Output {
        try await directory.createService(input)
    }

    func getService(_ input: Operations.GetService.Input) async throws -> Operations.GetService.Output {
        try await directory.getService(input)
    }

    func replaceService(_ input: Operations.ReplaceService.Input) async throws -> Operations.ReplaceService.Output {
        try await directory.replaceService(input)
    }

    func retireService(_ input: Operations.RetireService.Input) async throws -> Operations.RetireService.Output {
        try await directory.retireService(input)
    }

    func verifyService(_ input: Operations.VerifyService.Input) async throws -> Operations.VerifyService.Output {
        try await directory.verifyService(input)
    }

    func listOrganizations(_ input: Operations.ListOrganizations.Input) async throws
        -> Operations.ListOrganizations.Output
    {
        try await directory.listOrganizations(input)
    }

    func createOrganization(_ input: Operations.CreateOrganization.Input) async throws
        -> Operations.CreateOrganization.Output
    {
        try await directory.createOrganization(input)
    }

    func getOrganization(_ input: Operations.GetOrganization.Input) async throws -> Operations.GetOrganization.Output {
        try await directory.getOrganization(input)
    }

    func replaceOrganization(_ input: Operations.ReplaceOrganization.Input) async throws
        -> Operations.ReplaceOrganization.Output
    {
        try await directory.replaceOrganization(input)
    }

    func retireOrganization(_ input: Operations.RetireOrganization.Input) async throws
        -> Operations.RetireOrganization.Output
    {
        try await directory.retireOrganization(input)
    }

    func verifyOrganization(_ input: Operations.VerifyOrganization.Input) async throws
        -> Operations.VerifyOrganization.Output
    {
        try await directory.verifyOrganization(input)
    }

    func listLocations(_ input: Operations.ListLocations.Input) async throws -> Operations.ListLocations.Output {
        try await directory.listLocations(input)
    }

    func createLocation(_ input: Operations.CreateLocation.Input) async throws -> Operations.CreateLocation.Output {
        try await directory.createLocation(input)
    }

    func getLocation(_ input: Operations.GetLocation.Input) async throws -> Operations.GetLocation.Output {
        try await directory.getLocation(input)
    }

    func replaceLocation(_ input: Operations.ReplaceLocation.Input) async throws -> Operations.ReplaceLocation.Output {
        try await directory.replaceLocation(input)
    }

    func retireLocation(_ input: Operations.RetireLocation.Input) async throws -> Operations.RetireLocation.Output {
        try await directory.retireLocation(input)
    }

    func verifyLocation(_ input: Operations.VerifyLocation.Input) async throws -> Operations.VerifyLocation.Output {
        try await directory.verifyLocation(input)
    }

    func listCrisisContacts(_ input: Operations.ListCrisisContacts.Input) async throws
        -> Operations.ListCrisisContacts.Output
    {
        try await directory.listCrisisContacts(input)
    }

    func createCrisisContact(_ input: Operations.CreateCrisisContact.Input) async throws
        -> Operations.CreateCrisisContact.Output
    {
        try await directory.createCrisisContact(input)
    }

    func getCrisisContact(_ input: Operations.GetCrisisContact.Input) async throws -> Operations.GetCrisisContact.Output
    {
        try await directory.getCrisisContact(input)
    }

    func replaceCrisisContact(_ input: Operations.ReplaceCrisisContact.Input) async throws
        -> Operations.ReplaceCrisisContact.Output
    {
        try await directory.replaceCrisisContact(input)
    }

    func retireCrisisContact(_ input: Operations.RetireCrisisContact.Input) async throws
        -> Operations.RetireCrisisContact.Output
    {
        try await directory.retireCrisisContact(input)
    }

    func verifyCrisisContact(_ input: Operations.VerifyCrisisContact.Input) async throws
        -> Operations.VerifyCrisisContact.Output
    {
        try await directory.verifyCrisisContact(input)
    }

    func searchServices(_ input: Operations.SearchServices.Input) async throws -> Operations.SearchServices.Output {
        try await search.searchServices(input)
    }

    func searchCrisisContacts(
        _ input: Operations.SearchCrisisContacts.Input
    ) async throws -> Operations.SearchCrisisContacts.Output {
        try await search.searchCrisisContacts(input)
    }

    func listVolunteers(_ input: Operations.ListVolunteers.Input) async throws -> Operations.ListVolunteers.Output {
        try await volunteers.listVolunteers(input)
    }

    func createVolunteer(_ input: Operations.CreateVolunteer.Input) async throws -> Operations.CreateVolunteer.Output {
        try await volunteers.createVolunteer(input)
    }

    func getVolunteer(_ input: Operations.GetVolunteer.Input) async throws -> Operations.GetVolunteer.Output {
        try await volunteers.getVolunteer(input)
    }

    func replaceVolunteer(_ input: Operations.ReplaceVolunteer.Input) async throws -> Operations.ReplaceVolunteer.Output
    {
        try await volunteers.replaceVolunteer(input)
    }

    func addVolunteerCredential(_ input: Operations.AddVolunteerCredential.Input) async throws
        -> Operations.AddVolunteerCredential.Output
    {
        try await volunteers.addVolunteerCredential(input)
    }

    func listExpiringCredentials(_ input: Operations.ListExpiringCredentials.Input) async throws
        -> Operations.ListExpiringCredentials.Output
    {
        try await volunteers.listExpiringCredentials(input)
    }

    func createFamily(_ input: Operations.CreateFamily.Input) async throws -> Operations.CreateFamily.Output {
        try await matching.createFamily(input)
    }

    func getFamily(_ input: Operations.GetFamily.Input) async throws -> Operations.GetFamily.Output {
        try await matching.getFamily(input)
    }

    func replaceFamily(_ input: Operations.ReplaceFamily.Input) async throws -> Operations.ReplaceFamily.Output {
        try await matching.replaceFamily(input)
    }

    func requestMentor(_ input: Operations.RequestMentor.Input) async throws -> Operations.RequestMentor.Output {
        try await matching.requestMentor(input)
    }

    func suggestMentors(_ input: Operations.SuggestMentors.Input) async throws -> Operations.SuggestMentors.Output {
        try await matching.suggestMentors(input)
    }

    func planMentorMatches(_ input: Operations.PlanMentorMatches.Input) async throws
        -> Operations.PlanMentorMatches.Output
    {
        try await matching.planMentorMatches(input)
    }

    func listMentorMatches(_ input: Operations.ListMentorMatches.Input) async throws
        -> Operations.ListMentorMatches.Output
    {
        try await matching.listMentorMatches(input)
    }

    func createMentorMatch(_ input: Operations.CreateMentorMatch.Input) async throws
        -> Operations.CreateMentorMatch.Output
    {
        try await matching.createMentorMatch(input)
    }

    func updateMentorMatch(_ input: Operations.UpdateMentorMatch.Input) async throws
        -> Operations.UpdateMentorMatch.Output
    {
        try await matching.updateMentorMatch(input)
    }

    func createConsent(_ input: Operations.CreateConsent.Input) async throws -> Operations.CreateConsent.Output {
        try await plans.createConsent(input)
    }

    func listConsents(_ input: Operations.ListConsents.Input) async throws -> Operations.ListConsents.Output {
        try await plans.listConsents(input)
    }

    func revokeConsent(_ input: Operations.RevokeConsent.Input) async throws -> Operations.RevokeConsent.Output {
        try await plans.revokeConsent(input)
    }

    func createPlan(_ input: Operations.CreatePlan.Input) async throws -> Operations.CreatePlan.Output {
        try await plans.createPlan(input)
    }

    func getPlan(_ input: Operations.GetPlan.Input) async throws -> Operations.GetPlan.Output {
        try await plans.getPlan(input)
    }

    func replacePlan(_ input: Operations.ReplacePlan.Input) async throws -> Operations.ReplacePlan.Output {
        try await plans.replacePlan(input)
    }

    func getPlanVersion(_ input: Operations.GetPlanVersion.Input) async throws -> Operations.GetPlanVersion.Output {
        try await plans.getPlanVersion(input)
    }

    func listReferrals(_ input: Operations.ListReferrals.Input) async throws -> Operations.ListReferrals.Output {
        try await plans.listReferrals(input)
    }

    func getReferral(_ input: Operations.GetReferral.Input) async throws -> Operations.GetReferral.Output {
        try await plans.getReferral(input)
    }

    func updateReferral(_ input: Operations.UpdateReferral.Input) async throws -> Operations.UpdateReferral.Output {
        try await plans.updateReferral(input)
    }

    func listFollowUps(_ input: Operations.ListFollowUps.Input) async throws -> Operations.ListFollowUps.Output {
        try await plans.listFollowUps(input)
    }

    func getPlanDocument(_ input: Operations.GetPlanDocument.Input) async throws -> Operations.GetPlanDocument.Output {
        try await plans.getPlanDocument(input)
    }

    func getAPIMetaInformation(_ input: Operations.GetAPIMetaInformation.Input) async throws
        -> Operations.GetAPIMetaInformation.Output
    {
        try await hsds.getAPIMetaInformation(input)
    }

    func getHSDSProfile(_ input: Operations.GetHSDSProfile.Input) async throws -> Operations.GetHSDSProfile.Output {
        try await hsds.getHSDSProfile(input)
    }

    func getPaginatedListOfServices(_ input: Operations.GetPaginatedListOfServices.Input) async throws
        -> Operations.GetPaginatedListOfServices.Output
    {
        try await hsds.getPaginatedListOfServices(input)
    }

    func getFullyNestedServiceById(_ input: Operations.GetFullyNestedServiceById.Input) async throws
        -> Operations.GetFullyNestedServiceById.Output
    {
        try await hsds.getFullyNestedServiceById(input)
    }

    func getPaginatedListOfOrganizations(_ input: Operations.GetPaginatedListOfOrganizations.Input) async throws
        -> Operations.GetPaginatedListOfOrganizations.Output
    {
        try await hsds.getPaginatedListOfOrganizations(input)
    }

    func getOrganizationById(_ input: Operations.GetOrganizationById.Input) async throws
        -> Operations.GetOrganizationById.Output
    {
        try await hsds.getOrganizationById(input)
    }

    func getPaginatedListOfServiceAtLocation(_ input: Operations.GetPaginatedListOfServiceAtLocation.Input) async throws
        -> Operations.GetPaginatedListOfServiceAtLocation.Output
    {
        try await hsds.getPaginatedListOfServiceAtLocation(input)
    }

    func getServiceAtLocationWithNestedDataById(_ input: Operations.GetServiceAtLocationWithNestedDataById.Input)
        async throws -> Operations.GetServiceAtLocationWithNestedDataById.Output
    {
        try await hsds.getServiceAtLocationWithNestedDataById(input)
    }

    func getPaginatedListOfTaxonomies(_ input: Operations.GetPaginatedListOfTaxonomies.Input) async throws
        -> Operations.GetPaginatedListOfTaxonomies.Output
    {
        try await hsds.getPaginatedListOfTaxonomies(input)
    }

    func getTaxonomyById(_ input: Operations.GetTaxonomyById.Input) async throws -> Operations.GetTaxonomyById.Output {
        try await hsds.getTaxonomyById(input)
    }

    func getPaginatedListOfTaxonomyTerms(_ input: Operations.GetPaginatedListOfTaxonomyTerms.Input) async throws
        -> Operations.GetPaginatedListOfTaxonomyTerms.Output
    {
        try await hsds.getPaginatedListOfTaxonomyTerms(input)
    }

    func getTaxonomyTermById(_ input: Operations.GetTaxonomyTermById.Input) async throws
        -> Operations.GetTaxonomyTermById.Output
    {
        try await hsds.getTaxonomyTermById(input)
    }
}
