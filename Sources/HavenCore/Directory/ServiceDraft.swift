import Foundation

/// HSDS service status.
public enum ServiceStatus: String, Sendable, CaseIterable {
    case active
    case inactive
    case defunct
    case temporarilyClosed = "temporarily closed"
}

/// Where a service is offered, beyond its own locations.
public enum ServiceArea: Sendable, Equatable {
    case national
    case states([String])
    /// `IL:Cook County`: state code and county name as in the ZIP table.
    case counties([String])
    case zipCodes([ZIPCode])
    /// Around each of the service's locations.
    case radius(kilometres: Double)
    /// A GeoJSON Polygon or MultiPolygon, checked by PostGIS when stored.
    case polygon(geoJSON: String)

    public var kind: String {
        switch self {
        case .national: "national"
        case .states: "state"
        case .counties: "county"
        case .zipCodes: "zip"
        case .radius: "radius"
        case .polygon: "polygon"
        }
    }
}

public struct PhoneDraft: Sendable, Equatable {
    public var number: String
    public var type: String?
    public var description: String?

    public init(number: String, type: String? = nil, description: String? = nil) {
        self.number = number
        self.type = type
        self.description = description
    }
}

public struct CostOptionDraft: Sendable, Equatable {
    public var option: String?
    public var amount: Double?
    public var currency: String?
    public var amountDescription: String?

    public init(option: String?, amount: Double?, currency: String?, amountDescription: String?) {
        self.option = option
        self.amount = amount
        self.currency = currency
        self.amountDescription = amountDescription
    }
}

/// A service as a curator writes it, validated: everything the repository stores.
public struct ServiceDraft: Sendable, Equatable {
    public var organizationID: UUID
    public var name: String
    public var alternateName: String?
    public var description: String
    public var url: String?
    public var email: String?
    public var status: ServiceStatus
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
    /// Needs taxonomy codes the service meets.
    public var needs: [String]
    /// Audience taxonomy codes the service is for.
    public var audiences: [String]
    /// ISO 639 codes.
    public var languages: [String]
    public var phones: [PhoneDraft]
    public var schedule: WeeklySchedule?
    public var serviceAreas: [ServiceArea]
    public var costOptions: [CostOptionDraft]
    public var requiredDocuments: [String]
    public var locationIDs: [UUID]
    public var demo: Bool

    public init(organizationID: UUID, name: String, description: String = "", status: ServiceStatus = .active) {
        self.organizationID = organizationID
        self.name = name
        self.description = description
        self.status = status
        needs = []
        audiences = []
        languages = []
        phones = []
        serviceAreas = []
        costOptions = []
        requiredDocuments = []
        locationIDs = []
        demo = false
    }

    /// Free of charge: a cost option of zero, or one that says free.
    public var isFree: Bool {
        costOptions.contains { ($0.amount ?? -1) == 0 || ($0.option?.lowercased().contains("free") ?? false) }
    }
}
