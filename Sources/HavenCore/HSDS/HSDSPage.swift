import Foundation

/// The HSDS 3.0 page envelope (`Page` in the HSDS API reference), worked out from the total, the
/// page asked for and how many items it holds.
///
/// Pages count from 1. `size` is the number of items on this page, as HSDS defines it, not the
/// page size asked for. With no items at all there are no pages: `total_pages` is 0, and page 1
/// is both first and last. A page past the end is empty and last.
public struct HSDSPageEnvelope: Sendable, Equatable {
    public let totalItems: Int
    public let totalPages: Int
    public let pageNumber: Int
    public let size: Int
    public let firstPage: Bool
    public let lastPage: Bool
    public let empty: Bool

    public init(totalItems: Int, page: HSDSPageRequest, size: Int) {
        self.totalItems = totalItems
        totalPages = (totalItems + page.perPage - 1) / page.perPage
        pageNumber = page.number
        self.size = size
        firstPage = page.number == 1
        lastPage = page.number >= totalPages
        empty = size == 0
    }
}

/// Which page of an HSDS list, validated.
public struct HSDSPageRequest: Sendable, Equatable {
    public static let defaultPerPage = 50
    public static let maximumPerPage = 500
    /// A million pages: more than any directory holds at any page size.
    public static let lastPage = 1_000_000

    public let number: Int
    public let perPage: Int

    public var offset: Int { (number - 1) * perPage }

    public init(number: Int, perPage: Int) {
        self.number = number
        self.perPage = perPage
    }
}

/// What an HSDS list is narrowed to. Every filter given must hold (they combine with AND).
public struct HSDSFilter: Sendable, Equatable {
    /// Words matched against the name, description and need labels (web-search syntax: quotes,
    /// `or`, `-word`).
    public var search: String?
    public var taxonomyTermID: UUID?
    public var taxonomyID: UUID?
    public var organizationID: UUID?
    public var modifiedAfter: Date?
    /// The family's ZIP code: with no proximity, services whose service area covers it (or, for
    /// services without one, with a location in it).
    public var postcode: ZIPCode?
    /// Metres from the postcode's centre to a location of the service; service areas must still
    /// cover the postcode when the service has any.
    public var proximityMetres: Double?
    /// Taxonomy terms only: terms without a parent.
    public var topOnly = false
    /// Taxonomy terms only: the children of this term.
    public var parentID: UUID?

    public init() {}
}

/// The raw query of an HSDS list, as the partner sent it.
public struct HSDSQueryInput: Sendable {
    public var search: String?
    public var page: Int?
    public var perPage: Int?
    public var taxonomyTermID: String?
    public var taxonomyID: String?
    public var organizationID: String?
    public var modifiedAfter: String?
    public var postcode: String?
    public var proximity: String?
    public var topOnly: Bool?
    public var parentID: String?

    public init() {}

    /// The page and filter, or every problem with the query at once.
    public func validated() -> Result<(HSDSPageRequest, HSDSFilter), HSDSQueryError> {
        var errors: [FieldError] = []
        func fail(_ name: String, _ detail: String) { errors.append(FieldError(pointer: "/\(name)", detail: detail)) }
        func identifier(_ value: String?, _ name: String) -> UUID? {
            guard let value else { return nil }
            guard let id = UUID(uuidString: value.trimmingCharacters(in: .whitespaces)) else {
                fail(name, "must be a UUID")
                return nil
            }
            return id
        }

        let number = page ?? 1
        if number < 1 {
            fail("page", "must be 1 or more; pages count from 1")
        } else if number > HSDSPageRequest.lastPage {
            // Past any real list, and its offset must not overflow.
            fail("page", "must be at most \(HSDSPageRequest.lastPage)")
        }
        let size = perPage ?? HSDSPageRequest.defaultPerPage
        if !(1...HSDSPageRequest.maximumPerPage).contains(size) {
            fail("per_page", "must be between 1 and \(HSDSPageRequest.maximumPerPage)")
        }

        var filter = HSDSFilter()
        if let search {
            let trimmed = search.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.count > 200 {
                fail("search", "must be at most 200 characters")
            } else if trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                fail("search", "must not contain control characters")
            } else if !trimmed.isEmpty {
                filter.search = trimmed
            }
        }
        filter.taxonomyTermID = identifier(taxonomyTermID, "taxonomy_term_id")
        filter.taxonomyID = identifier(taxonomyID, "taxonomy_id")
        filter.organizationID = identifier(organizationID, "organization_id")
        filter.parentID = identifier(parentID, "parent_id")
        filter.topOnly = topOnly ?? false
        if let modifiedAfter {
            if let instant = Self.instant(modifiedAfter) {
                filter.modifiedAfter = instant
            } else {
                fail("modified_after", "must be a date (2026-11-01) or an RFC 3339 date-time (2026-11-01T09:30:00Z)")
            }
        }
        if let postcode {
            if let zip = ZIPCode(postcode) {
                filter.postcode = zip
            } else {
                fail("postcode", "must be a US ZIP code: five digits, or ZIP+4")
            }
        }
        if let proximity {
            if postcode == nil {
                fail("proximity", "needs a postcode to measure from")
            } else if let metres = Double(proximity.trimmingCharacters(in: .whitespaces)), metres.isFinite,
                metres > 0, metres <= 500_000
            {
                filter.proximityMetres = metres
            } else {
                fail("proximity", "must be a distance in metres, more than 0 and at most 500000")
            }
        }
        guard errors.isEmpty else { return .failure(HSDSQueryError(errors: errors)) }
        return .success((HSDSPageRequest(number: number, perPage: size), filter))
    }

    /// A date is read as its start, in UTC.
    static func instant(_ text: String) -> Date? {
        parsedInstant(text).flatMap { ISO8601Moment.isWithinRange($0) ? $0 : nil }
    }

    private static func parsedInstant(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let instant = try? Date(trimmed, strategy: .iso8601) { return instant }
        if let instant = try? Date(trimmed, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return instant
        }
        if trimmed.count == 10,
            let day = try? Date(trimmed, strategy: Date.ISO8601FormatStyle().year().month().day())
        {
            return day
        }
        return nil
    }
}

/// Everything wrong with an HSDS query, one entry per parameter.
public struct HSDSQueryError: Error, Sendable, Equatable {
    public let errors: [FieldError]
}
