import Foundation

/// Who in the family gave a consent.
public enum ConsentRelationship: String, Sendable, CaseIterable, Codable {
    case parent
    case guardian
    case caregiver
    case grandparent
    case sibling
    /// A young person consenting for themselves.
    case `self`
    case other
}

/// A consent as the advocate records it with the family.
public struct ConsentInput: Sendable, Equatable, Codable {
    /// The family member who gave it, as the family wants them named (no legal name needed).
    public var givenBy: String
    public var relationship: String
    public var recipientOrganizationId: String
    public var purposes: [String]
    public var categories: [String]
    public var givenAt: Date?
    /// The last day it counts, `YYYY-MM-DD` in the family's time zone.
    public var expiresOn: String

    public init(
        givenBy: String, relationship: String, recipientOrganizationId: String, purposes: [String],
        categories: [String], givenAt: Date? = nil, expiresOn: String
    ) {
        self.givenBy = givenBy
        self.relationship = relationship
        self.recipientOrganizationId = recipientOrganizationId
        self.purposes = purposes
        self.categories = categories
        self.givenAt = givenAt
        self.expiresOn = expiresOn
    }

    enum CodingKeys: String, CodingKey {
        case relationship, purposes, categories
        case givenBy = "given_by"
        case recipientOrganizationId = "recipient_organization_id"
        case givenAt = "given_at"
        case expiresOn = "expires_on"
    }

    /// The longest a consent may run: time-limited means the family is asked again.
    public static let longestDays = 366

    /// Checks the consent at `now`, with `today` the date in the family's time zone.
    public func validate(now: Date, today: CalendarDate) -> Result<ConsentDraft, ValidationFailure> {
        var errors: [FieldError] = []
        let check = DirectoryValidation(errors: { errors.append($0) })
        let givenBy = check.text(givenBy, at: "/given_by", maximum: 100, required: true) ?? ""
        let relationship = ConsentRelationship(rawValue: relationship)
        if relationship == nil {
            check.fail(
                "/relationship",
                "must be one of \(ConsentRelationship.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let recipient = check.uuid(recipientOrganizationId, at: "/recipient_organization_id")
        let purposes = Self.codes(purposes, SharingPurpose.self, at: "/purposes", check)
        let categories = Self.codes(categories, InformationCategory.self, at: "/categories", check)
        let givenAt = givenAt ?? now
        if givenAt > now.addingTimeInterval(300) { check.fail("/given_at", "must not be in the future") }
        let expires = CalendarDate(expiresOn)
        if let expires {
            if expires < today {
                check.fail("/expires_on", "must be today or later")
            } else if today.days(until: expires) > Self.longestDays {
                check.fail(
                    "/expires_on",
                    "must be at most \(Self.longestDays) days away; ask the family again when it runs out")
            }
        } else {
            check.fail("/expires_on", "must be a date YYYY-MM-DD")
        }
        guard errors.isEmpty, let relationship, let recipient, let expires else {
            return .failure(ValidationFailure(errors: errors))
        }
        return .success(
            ConsentDraft(
                givenBy: givenBy, relationship: relationship, recipientOrganizationID: recipient,
                purposes: purposes, categories: categories, givenAt: givenAt, expiresOn: expires))
    }

    static func codes<Code: RawRepresentable & CaseIterable & Hashable>(
        _ raw: [String], _ type: Code.Type, at pointer: String, _ check: DirectoryValidation
    ) -> Set<Code> where Code.RawValue == String {
        if raw.isEmpty { check.fail(pointer, "must name at least one") }
        var codes: Set<Code> = []
        for (index, value) in raw.enumerated() {
            if let code = Code(rawValue: value) {
                codes.insert(code)
            } else {
                check.fail(
                    "\(pointer)/\(index)",
                    "'\(value.prefix(30))' is not one of \(Code.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        return codes
    }
}

/// A validated consent, ready to store.
public struct ConsentDraft: Sendable, Equatable {
    public var givenBy: String
    public var relationship: ConsentRelationship
    public var recipientOrganizationID: UUID
    public var purposes: Set<SharingPurpose>
    public var categories: Set<InformationCategory>
    public var givenAt: Date
    public var expiresOn: CalendarDate

    public init(
        givenBy: String, relationship: ConsentRelationship, recipientOrganizationID: UUID,
        purposes: Set<SharingPurpose>, categories: Set<InformationCategory>, givenAt: Date, expiresOn: CalendarDate
    ) {
        self.givenBy = givenBy
        self.relationship = relationship
        self.recipientOrganizationID = recipientOrganizationID
        self.purposes = purposes
        self.categories = categories
        self.givenAt = givenAt
        self.expiresOn = expiresOn
    }
}

extension Consent {
    /// Whether it counts at `moment` (`today` in the family's time zone).
    public func isActive(at moment: Date, today: CalendarDate) -> Bool {
        givenAt <= moment && expiresOn >= today && (revokedAt.map { $0 > moment } ?? true)
    }
}
