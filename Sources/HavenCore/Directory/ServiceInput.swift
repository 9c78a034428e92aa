import Foundation

/// A service as it arrives (from the API, a seed file or the CLI), before any check: field
/// names follow HSDS. `ServiceInput.validate()` turns it into a `ServiceDraft` or lists every
/// bad field with a JSON Pointer, so a curator fixes them all in one go.
public struct ServiceInput: Sendable, Equatable, Codable {
    public struct Phone: Sendable, Equatable, Codable {
        public var number: String
        public var type: String?
        public var description: String?

        public init(number: String, type: String? = nil, description: String? = nil) {
            self.number = number
            self.type = type
            self.description = description
        }
    }

    public struct Hours: Sendable, Equatable, Codable {
        /// `MO,TU,WE,TH,FR`.
        public var byday: String
        public var opensAt: String
        public var closesAt: String

        public init(byday: String, opensAt: String, closesAt: String) {
            self.byday = byday
            self.opensAt = opensAt
            self.closesAt = closesAt
        }

        enum CodingKeys: String, CodingKey {
            case byday
            case opensAt = "opens_at"
            case closesAt = "closes_at"
        }
    }

    public struct Exception: Sendable, Equatable, Codable {
        public var startsOn: String
        public var endsOn: String?
        public var closed: Bool?
        public var opensAt: String?
        public var closesAt: String?
        public var reason: String?

        public init(
            startsOn: String, endsOn: String? = nil, closed: Bool? = nil, opensAt: String? = nil,
            closesAt: String? = nil, reason: String? = nil
        ) {
            self.startsOn = startsOn
            self.endsOn = endsOn
            self.closed = closed
            self.opensAt = opensAt
            self.closesAt = closesAt
            self.reason = reason
        }

        enum CodingKeys: String, CodingKey {
            case startsOn = "starts_on"
            case endsOn = "ends_on"
            case closed
            case opensAt = "opens_at"
            case closesAt = "closes_at"
            case reason
        }
    }

    public struct Schedule: Sendable, Equatable, Codable {
        public var timeZone: String
        public var open247: Bool?
        public var hours: [Hours]?
        public var exceptions: [Exception]?

        public init(timeZone: String, open247: Bool? = nil, hours: [Hours]? = nil, exceptions: [Exception]? = nil) {
            self.timeZone = timeZone
            self.open247 = open247
            self.hours = hours
            self.exceptions = exceptions
        }

        enum CodingKeys: String, CodingKey {
            case timeZone = "time_zone"
            case open247 = "open_24_7"
            case hours
            case exceptions
        }
    }

    public struct Area: Sendable, Equatable, Codable {
        public var kind: String
        public var states: [String]?
        public var counties: [String]?
        public var zipCodes: [String]?
        public var radiusKm: Double?
        /// GeoJSON Polygon or MultiPolygon, as a JSON string.
        public var extent: String?

        public init(
            kind: String, states: [String]? = nil, counties: [String]? = nil, zipCodes: [String]? = nil,
            radiusKm: Double? = nil, extent: String? = nil
        ) {
            self.kind = kind
            self.states = states
            self.counties = counties
            self.zipCodes = zipCodes
            self.radiusKm = radiusKm
            self.extent = extent
        }

        enum CodingKeys: String, CodingKey {
            case kind, states, counties
            case zipCodes = "zip_codes"
            case radiusKm = "radius_km"
            case extent
        }
    }

    public struct Cost: Sendable, Equatable, Codable {
        public var option: String?
        public var amount: Double?
        public var currency: String?
        public var amountDescription: String?

        public init(
            option: String? = nil, amount: Double? = nil, currency: String? = nil, amountDescription: String? = nil
        ) {
            self.option = option
            self.amount = amount
            self.currency = currency
            self.amountDescription = amountDescription
        }

        enum CodingKeys: String, CodingKey {
            case option, amount, currency
            case amountDescription = "amount_description"
        }
    }

    public var organizationID: String
    public var name: String
    public var alternateName: String?
    public var description: String?
    public var url: String?
    public var email: String?
    public var status: String?
    public var interpretationServices: String?
    public var applicationProcess: String?
    public var feesDescription: String?
    public var waitTime: String?
    public var fees: String?
    public var accreditations: String?
    public var eligibilityDescription: String?
    public var minimumAge: Int?
    public var maximumAge: Int?
    public var alert: String?
    public var needs: [String]?
    public var audiences: [String]?
    public var languages: [String]?
    public var phones: [Phone]?
    public var schedule: Schedule?
    public var serviceAreas: [Area]?
    public var costOptions: [Cost]?
    public var requiredDocuments: [String]?
    public var locationIDs: [String]?

    public init(organizationID: String, name: String) {
        self.organizationID = organizationID
        self.name = name
    }

    enum CodingKeys: String, CodingKey {
        case organizationID = "organization_id"
        case name
        case alternateName = "alternate_name"
        case description, url, email, status
        case interpretationServices = "interpretation_services"
        case applicationProcess = "application_process"
        case feesDescription = "fees_description"
        case waitTime = "wait_time"
        case fees, accreditations
        case eligibilityDescription = "eligibility_description"
        case minimumAge = "minimum_age"
        case maximumAge = "maximum_age"
        case alert, needs, audiences, languages, phones, schedule
        case serviceAreas = "service_areas"
        case costOptions = "cost_options"
        case requiredDocuments = "required_documents"
        case locationIDs = "location_ids"
    }
}

extension ServiceInput {
    /// Checks everything that needs no database; taxonomy codes and ids that must exist are
    /// checked by the service layer against the database, and their errors join these.
    public func validate() -> Result<ServiceDraft, ValidationFailure> {
        var errors: [FieldError] = []
        let check = DirectoryValidation(errors: { errors.append($0) })

        let organization = check.uuid(organizationID, at: "/organization_id")
        let name = check.text(name, at: "/name", maximum: 300, required: true) ?? ""
        var status = ServiceStatus.active
        if let raw = self.status {
            if let parsed = ServiceStatus(rawValue: raw) {
                status = parsed
            } else {
                errors.append(
                    FieldError(
                        pointer: "/status",
                        detail: "must be one of: " + ServiceStatus.allCases.map(\.rawValue).joined(separator: ", ")))
            }
        }
        for (value, pointer) in [(minimumAge, "/minimum_age"), (maximumAge, "/maximum_age")] {
            if let value, !(0...120).contains(value) {
                errors.append(FieldError(pointer: pointer, detail: "must be an age from 0 to 120"))
            }
        }
        if let minimumAge, let maximumAge, minimumAge > maximumAge {
            errors.append(FieldError(pointer: "/maximum_age", detail: "must not be below minimum_age (\(minimumAge))"))
        }

        var draft = ServiceDraft(organizationID: organization ?? UUID(), name: name, status: status)
        draft.alternateName = check.text(alternateName, at: "/alternate_name", maximum: 300)
        draft.description = check.text(description, at: "/description", maximum: 10_000) ?? ""
        draft.url = check.url(url, at: "/url")
        draft.email = check.email(email, at: "/email")
        draft.interpretationServices = check.text(interpretationServices, at: "/interpretation_services", maximum: 2000)
        draft.applicationProcess = check.text(applicationProcess, at: "/application_process", maximum: 5000)
        draft.feesDescription = check.text(feesDescription, at: "/fees_description", maximum: 2000)
        draft.waitTime = check.text(waitTime, at: "/wait_time", maximum: 500)
        draft.fees = check.text(fees, at: "/fees", maximum: 2000)
        draft.accreditations = check.text(accreditations, at: "/accreditations", maximum: 2000)
        draft.eligibilityDescription = check.text(eligibilityDescription, at: "/eligibility_description", maximum: 5000)
        draft.alert = check.text(alert, at: "/alert", maximum: 2000)
        draft.minimumAge = minimumAge
        draft.maximumAge = maximumAge
        draft.needs = check.taxonomyCodes(needs ?? [], at: "/needs")
        draft.audiences = check.taxonomyCodes(audiences ?? [], at: "/audiences")
        draft.languages = check.languages(languages ?? [], at: "/languages")
        draft.phones = (phones ?? []).enumerated().compactMap { index, phone in
            check.phone(phone, at: "/phones/\(index)")
        }
        if let schedule { draft.schedule = check.schedule(schedule, at: "/schedule") }
        draft.serviceAreas = (serviceAreas ?? []).enumerated().compactMap { index, area in
            check.serviceArea(area, at: "/service_areas/\(index)")
        }
        draft.costOptions = (costOptions ?? []).enumerated().compactMap { index, cost in
            check.cost(cost, at: "/cost_options/\(index)")
        }
        draft.requiredDocuments = (requiredDocuments ?? []).enumerated().compactMap { index, document in
            check.text(document, at: "/required_documents/\(index)", maximum: 500, required: true)
        }
        draft.locationIDs = (locationIDs ?? []).enumerated().compactMap { index, id in
            check.uuid(id, at: "/location_ids/\(index)")
        }
        return errors.isEmpty ? .success(draft) : .failure(ValidationFailure(errors: errors))
    }
}
