/// Where a ZIP code is: what a specialist types, resolved to a point and a time zone.
public struct Place: Sendable, Equatable {
    public var zip: ZIPCode
    public var city: String
    public var state: String
    public var county: String?
    /// IANA name, e.g. `America/Chicago`.
    public var timeZone: String
    public var latitude: Double
    public var longitude: Double
    /// standard, po_box, unique or military, as the source list says.
    public var kind: String
    public var active: Bool

    public init(
        zip: ZIPCode, city: String, state: String, county: String?, timeZone: String, latitude: Double,
        longitude: Double, kind: String, active: Bool
    ) {
        self.zip = zip
        self.city = city
        self.state = state
        self.county = county
        self.timeZone = timeZone
        self.latitude = latitude
        self.longitude = longitude
        self.kind = kind
        self.active = active
    }
}

/// One term of a Haven taxonomy, in English and Spanish.
public struct TaxonomyTerm: Sendable, Equatable {
    public var id: String
    public var code: String
    public var parentCode: String?
    public var name: String
    public var description: String
    public var nameES: String
    public var descriptionES: String

    public init(
        id: String, code: String, parentCode: String?, name: String, description: String, nameES: String,
        descriptionES: String
    ) {
        self.id = id
        self.code = code
        self.parentCode = parentCode
        self.name = name
        self.description = description
        self.nameES = nameES
        self.descriptionES = descriptionES
    }
}
