import Foundation

/// An organization as it arrives, HSDS field names.
public struct OrganizationInput: Sendable, Equatable, Codable {
    public var name: String
    public var alternateName: String?
    public var description: String?
    public var email: String?
    public var website: String?
    public var taxStatus: String?
    public var taxID: String?
    public var yearIncorporated: Int?
    public var legalStatus: String?
    public var parentOrganizationID: String?

    public init(name: String, description: String? = nil) {
        self.name = name
        self.description = description
    }

    enum CodingKeys: String, CodingKey {
        case name
        case alternateName = "alternate_name"
        case description, email, website
        case taxStatus = "tax_status"
        case taxID = "tax_id"
        case yearIncorporated = "year_incorporated"
        case legalStatus = "legal_status"
        case parentOrganizationID = "parent_organization_id"
    }

    public func validate() -> Result<OrganizationDraft, ValidationFailure> {
        var errors: [FieldError] = []
        let check = DirectoryValidation(errors: { errors.append($0) })
        var draft = OrganizationDraft(name: check.text(name, at: "/name", maximum: 200, required: true) ?? "")
        draft.alternateName = check.text(alternateName, at: "/alternate_name", maximum: 200)
        draft.description = check.text(description, at: "/description", maximum: 10_000) ?? ""
        draft.email = check.email(email, at: "/email")
        draft.website = check.url(website, at: "/website")
        draft.taxStatus = check.text(taxStatus, at: "/tax_status", maximum: 100)
        draft.taxID = check.text(taxID, at: "/tax_id", maximum: 100)
        draft.legalStatus = check.text(legalStatus, at: "/legal_status", maximum: 100)
        if let yearIncorporated, !(1600...2200).contains(yearIncorporated) {
            errors.append(FieldError(pointer: "/year_incorporated", detail: "must be a year"))
        }
        draft.yearIncorporated = yearIncorporated
        draft.parentOrganizationID = parentOrganizationID.flatMap { check.uuid($0, at: "/parent_organization_id") }
        return errors.isEmpty ? .success(draft) : .failure(ValidationFailure(errors: errors))
    }
}

public struct OrganizationDraft: Sendable, Equatable {
    public var name: String
    public var alternateName: String?
    public var description: String
    public var email: String?
    public var website: String?
    public var taxStatus: String?
    public var taxID: String?
    public var yearIncorporated: Int?
    public var legalStatus: String?
    public var parentOrganizationID: UUID?
    public var demo: Bool

    public init(name: String, description: String = "") {
        self.name = name
        self.description = description
        demo = false
    }
}

/// A location as it arrives, HSDS field names plus Haven's confidentiality fields.
public struct LocationInput: Sendable, Equatable, Codable {
    public struct Address: Sendable, Equatable, Codable {
        public var address1: String
        public var address2: String?
        public var city: String
        public var stateProvince: String
        public var postalCode: String
        public var country: String?

        public init(
            address1: String, address2: String? = nil, city: String, stateProvince: String, postalCode: String,
            country: String? = nil
        ) {
            self.address1 = address1
            self.address2 = address2
            self.city = city
            self.stateProvince = stateProvince
            self.postalCode = postalCode
            self.country = country
        }

        enum CodingKeys: String, CodingKey {
            case address1 = "address_1"
            case address2 = "address_2"
            case city
            case stateProvince = "state_province"
            case postalCode = "postal_code"
            case country
        }
    }

    public var organizationID: String?
    public var locationType: String?
    public var name: String?
    public var alternateName: String?
    public var description: String?
    public var transportation: String?
    public var url: String?
    public var latitude: Double?
    public var longitude: Double?
    public var timeZone: String?
    public var confidential: Bool?
    public var intakePhone: String?
    public var address: Address?
    public var languages: [String]?
    public var accessibility: String?
    public var phones: [ServiceInput.Phone]?
    public var schedule: ServiceInput.Schedule?

    public init(organizationID: String?, name: String?) {
        self.organizationID = organizationID
        self.name = name
    }

    enum CodingKeys: String, CodingKey {
        case organizationID = "organization_id"
        case locationType = "location_type"
        case name
        case alternateName = "alternate_name"
        case description, transportation, url, latitude, longitude
        case timeZone = "time_zone"
        case confidential
        case intakePhone = "intake_phone"
        case address, languages, accessibility, phones, schedule
    }

    public func validate() -> Result<LocationDraft, ValidationFailure> {
        var errors: [FieldError] = []
        let check = DirectoryValidation(errors: { errors.append($0) })
        let type = locationType ?? "physical"
        if !["physical", "postal", "virtual"].contains(type) {
            errors.append(FieldError(pointer: "/location_type", detail: "must be physical, postal or virtual"))
        }
        var draft = LocationDraft(locationType: type)
        draft.organizationID = organizationID.flatMap { check.uuid($0, at: "/organization_id") }
        draft.name = check.text(name, at: "/name", maximum: 300)
        draft.alternateName = check.text(alternateName, at: "/alternate_name", maximum: 300)
        draft.description = check.text(description, at: "/description", maximum: 5000)
        draft.transportation = check.text(transportation, at: "/transportation", maximum: 2000)
        draft.url = check.url(url, at: "/url")
        if let latitude, !(-90...90).contains(latitude) {
            errors.append(FieldError(pointer: "/latitude", detail: "must be between -90 and 90"))
        }
        if let longitude, !(-180...180).contains(longitude) {
            errors.append(FieldError(pointer: "/longitude", detail: "must be between -180 and 180"))
        }
        if (latitude == nil) != (longitude == nil) {
            errors.append(
                FieldError(
                    pointer: latitude == nil ? "/latitude" : "/longitude", detail: "is needed with the other coordinate"
                ))
        }
        if type == "physical" && latitude == nil && longitude == nil {
            errors.append(FieldError(pointer: "/latitude", detail: "a physical location needs latitude and longitude"))
        }
        draft.latitude = latitude
        draft.longitude = longitude
        if let timeZone {
            if let problem = WeeklySchedule.timeZoneProblem(timeZone) {
                errors.append(FieldError(pointer: "/time_zone", detail: problem))
            } else {
                draft.timeZone = timeZone
            }
        }
        draft.confidential = confidential ?? false
        if draft.confidential {
            if let intake = intakePhone, let phone = check.phone(.init(number: intake), at: "/intake_phone") {
                draft.intakePhone = phone.number
            } else if intakePhone == nil {
                errors.append(
                    FieldError(pointer: "/intake_phone", detail: "a confidential location needs an intake phone"))
            }
        } else if let intake = intakePhone {
            draft.intakePhone = check.phone(.init(number: intake), at: "/intake_phone")?.number
        }
        if let address {
            let street = check.text(address.address1, at: "/address/address_1", maximum: 300, required: true)
            let city = check.text(address.city, at: "/address/city", maximum: 100, required: true)
            let state = address.stateProvince.uppercased()
            if !USStates.codes.contains(state) {
                errors.append(
                    FieldError(pointer: "/address/state_province", detail: "must be a USPS state code such as IL"))
            }
            let zip = ZIPCode(address.postalCode)
            if zip == nil { errors.append(FieldError(pointer: "/address/postal_code", detail: "must be a ZIP code")) }
            if let street, let city, let zip, USStates.codes.contains(state) {
                draft.address = AddressDraft(
                    address1: street, address2: check.text(address.address2, at: "/address/address_2", maximum: 300),
                    city: city, state: state, postalCode: zip, country: address.country ?? "US")
            }
        }
        draft.languages = check.languages(languages ?? [], at: "/languages")
        draft.accessibility = check.text(accessibility, at: "/accessibility", maximum: 2000)
        draft.phones = (phones ?? []).enumerated().compactMap { check.phone($1, at: "/phones/\($0)") }
        if let schedule { draft.schedule = check.schedule(schedule, at: "/schedule") }
        return errors.isEmpty ? .success(draft) : .failure(ValidationFailure(errors: errors))
    }
}

public struct AddressDraft: Sendable, Equatable {
    public var address1: String
    public var address2: String?
    public var city: String
    public var state: String
    public var postalCode: ZIPCode
    public var country: String

    public init(
        address1: String, address2: String? = nil, city: String, state: String, postalCode: ZIPCode, country: String
    ) {
        self.address1 = address1
        self.address2 = address2
        self.city = city
        self.state = state
        self.postalCode = postalCode
        self.country = country
    }
}

public struct LocationDraft: Sendable, Equatable {
    public var organizationID: UUID?
    public var locationType: String
    public var name: String?
    public var alternateName: String?
    public var description: String?
    public var transportation: String?
    public var url: String?
    public var latitude: Double?
    public var longitude: Double?
    /// Filled from the ZIP table when not given.
    public var timeZone: String?
    public var confidential: Bool
    public var intakePhone: String?
    public var address: AddressDraft?
    public var languages: [String]
    public var accessibility: String?
    public var phones: [PhoneDraft]
    public var schedule: WeeklySchedule?
    public var demo: Bool

    public init(locationType: String) {
        self.locationType = locationType
        confidential = false
        languages = []
        phones = []
        demo = false
    }
}

/// Whether a location's point can be where its address says: swapped or mistyped coordinates
/// (0,0; a minus sign dropped) put a shelter in the ocean or another state, and every distance
/// search reports from there.
public enum LocationPlacement {
    /// Farther than this from the centre of its own ZIP code, a point is taken for a mistake. The
    /// largest rural ZIP codes (in Alaska, Nevada) reach about this far from their centres.
    public static let farthestFromOwnZIPKilometres = 150.0
    /// Farther than this from every ZIP code's centre is outside the United States and its
    /// territories, which Haven's directory covers.
    public static let farthestFromAnyZIPKilometres = 150.0

    /// The problems, on `/latitude`, given the point's distances (nil when the address has no ZIP
    /// code Haven knows).
    public static func problems(zip: String?, kilometresFromOwnZIP: Double?, kilometresFromNearestZIP: Double)
        -> [FieldError]
    {
        if kilometresFromNearestZIP > farthestFromAnyZIPKilometres {
            return [
                FieldError(
                    pointer: "/latitude",
                    detail:
                        "with this longitude is \(Int(kilometresFromNearestZIP)) km from the nearest US ZIP code; "
                        + "check the coordinates (are latitude and longitude swapped?)")
            ]
        }
        if let zip, let distance = kilometresFromOwnZIP, distance > farthestFromOwnZIPKilometres {
            return [
                FieldError(
                    pointer: "/latitude",
                    detail:
                        "with this longitude is \(Int(distance)) km from ZIP code \(zip); check the coordinates "
                        + "or the address")
            ]
        }
        return []
    }

    /// A time zone no ZIP code near the point keeps: a location's hours are judged in its zone,
    /// so Los Angeles time for a Chicago office would tell a family it is open two hours after it
    /// closed. Zones are compared by their clocks in January and in July, either side of daylight
    /// saving time, so America/Detroit fits where America/New_York is kept. Nothing is said
    /// when no zone is given or no ZIP code is known near the point.
    public static func timeZoneProblems(_ timeZone: String?, nearbyTimeZones: [String]) -> [FieldError] {
        guard let timeZone, let zone = TimeZone(identifier: timeZone), !nearbyTimeZones.isEmpty else { return [] }
        let clocks = { (zone: TimeZone) in referenceInstants.map { zone.secondsFromGMT(for: $0) } }
        let own = clocks(zone)
        let nearby = nearbyTimeZones.compactMap { TimeZone(identifier: $0) }
        guard !nearby.isEmpty, !nearby.contains(where: { clocks($0) == own }) else { return [] }
        return [
            FieldError(
                pointer: "/time_zone",
                detail:
                    "'\(timeZone.prefix(60))' is not the time kept where this location is (nearby ZIP codes keep "
                    + "\(nearbyTimeZones.prefix(3).joined(separator: ", "))); its hours would be judged at the wrong hour"
            )
        ]
    }

    /// Mid-January and mid-July: winter and summer time wherever the United States keeps either.
    static let referenceInstants = [
        Date(timeIntervalSince1970: 1_768_478_400), Date(timeIntervalSince1970: 1_784_116_800),
    ]
}
