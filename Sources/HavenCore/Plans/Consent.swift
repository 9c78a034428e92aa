import Foundation

/// What a consent lets Haven share with a recipient organization.
public enum InformationCategory: String, Sendable, CaseIterable, Codable {
    /// How to reach the family.
    case contact
    /// What the family needs.
    case needs
    /// What the family is living through.
    case situation
    /// The children's ages.
    case children
    /// Safety notes and safe-contact preferences.
    case safety
}

/// Why information is shared.
public enum SharingPurpose: String, Sendable, CaseIterable, Codable {
    /// So a service can serve the family.
    case serviceReferral = "service-referral"
    /// So a peer mentor can reach the family.
    case peerSupport = "peer-support"
    /// So agencies working with the family can coordinate.
    case caseCoordination = "case-coordination"
}

/// A family member's consent to share information with one organization, for some purposes,
/// until a date they chose. Revocation ends it at once.
public struct Consent: Sendable, Equatable {
    public var id: UUID
    public var recipientOrganizationID: UUID
    public var purposes: Set<SharingPurpose>
    public var categories: Set<InformationCategory>
    public var givenAt: Date
    /// The last day it counts, in the family's time zone.
    public var expiresOn: CalendarDate
    public var revokedAt: Date?

    public init(
        id: UUID, recipientOrganizationID: UUID, purposes: Set<SharingPurpose>, categories: Set<InformationCategory>,
        givenAt: Date, expiresOn: CalendarDate, revokedAt: Date? = nil
    ) {
        self.id = id
        self.recipientOrganizationID = recipientOrganizationID
        self.purposes = purposes
        self.categories = categories
        self.givenAt = givenAt
        self.expiresOn = expiresOn
        self.revokedAt = revokedAt
    }
}

/// How a referral reaches a service.
public enum Handoff: String, Sendable, CaseIterable, Codable {
    /// The family contacts the service on their own: nothing is shared, no consent is needed.
    case selfReferral = "self-referral"
    /// The specialist connects the family: their information is shared, so consent is needed.
    case warm
}

/// The answer to "may this referral share the family's information?".
public enum ConsentDecision: Sendable, Equatable {
    case notNeeded
    case allowed(consentID: UUID)
    /// What is missing, in sentences for the specialist.
    case refused([String])
}

/// The consent gate: a warm handoff shares the family's information only under an active
/// consent that names the recipient, the purpose and every category shared.
public enum ConsentGate {
    public static func decide(
        _ handoff: Handoff, recipient: UUID, purpose: SharingPurpose, categories: Set<InformationCategory>,
        consents: [Consent], at moment: Date, today: CalendarDate
    ) -> ConsentDecision {
        guard handoff == .warm else { return .notNeeded }
        let forRecipient = consents.filter { $0.recipientOrganizationID == recipient && $0.givenAt <= moment }
        guard !forRecipient.isEmpty else {
            return .refused(["The family has given no consent to share with this organization."])
        }
        // The consent that comes closest explains what is missing.
        var closest: [String]?
        for consent in forRecipient {
            let gaps = problems(consent, purpose: purpose, categories: categories, at: moment, today: today)
            if gaps.isEmpty { return .allowed(consentID: consent.id) }
            if closest == nil || gaps.count < closest!.count { closest = gaps }
        }
        return .refused(closest ?? [])
    }

    /// The categories the recipient may see right now: the union of what its active consents
    /// for `purpose` cover. Read on every access, so a revocation narrows it at once.
    public static func covered(
        recipient: UUID, purpose: SharingPurpose, consents: [Consent], at moment: Date, today: CalendarDate
    ) -> Set<InformationCategory> {
        consents.filter {
            $0.recipientOrganizationID == recipient && $0.purposes.contains(purpose)
                && $0.isActive(at: moment, today: today)
        }
        .reduce(into: Set<InformationCategory>()) { $0.formUnion($1.categories) }
    }

    static func problems(
        _ consent: Consent, purpose: SharingPurpose, categories: Set<InformationCategory>, at moment: Date,
        today: CalendarDate
    ) -> [String] {
        var problems: [String] = []
        if let revoked = consent.revokedAt, revoked <= moment {
            problems.append("The consent was revoked.")
        }
        if consent.expiresOn < today { problems.append("The consent expired on \(consent.expiresOn).") }
        if !consent.purposes.contains(purpose) {
            problems.append("The consent does not cover the purpose \(purpose.rawValue).")
        }
        let missing = categories.subtracting(consent.categories)
        if !missing.isEmpty {
            let names = InformationCategory.allCases.filter(missing.contains).map(\.rawValue)
            problems.append("The consent does not cover: \(names.joined(separator: ", ")).")
        }
        return problems
    }
}

/// How a family may be reached.
public enum ContactChannel: String, Sendable, CaseIterable, Codable {
    case phone
    case sms
    case email
    case video
    case inPerson = "in-person"
}

/// The family's safe-contact preferences: the channels they allow, the hours it is safe to
/// reach them, and whether someone else may see their phone.
public struct SafeContact: Sendable, Equatable {
    public var channels: Set<ContactChannel>
    /// Safe hours, in `timeZone`; empty means any time.
    public var safeHours: [OpeningHours]
    public var timeZone: String
    public var noTexts: Bool
    public var sharedDevice: Bool

    public init(
        channels: Set<ContactChannel>, safeHours: [OpeningHours], timeZone: String, noTexts: Bool = false,
        sharedDevice: Bool = false
    ) {
        self.channels = channels
        self.safeHours = safeHours
        self.timeZone = timeZone
        self.noTexts = noTexts
        self.sharedDevice = sharedDevice
    }

    /// Why a contact by `channel` at `moment` would not be safe, or nil when it is.
    public func problem(channel: ContactChannel, at moment: Date) -> FieldError? {
        if channel == .sms && noTexts {
            return FieldError(pointer: "/channel", detail: "the family asked for no text messages")
        }
        if !channels.isEmpty && !channels.contains(channel) {
            let allowed = ContactChannel.allCases.filter(channels.contains).map(\.rawValue).joined(separator: ", ")
            return FieldError(pointer: "/channel", detail: "the family allows only \(allowed)")
        }
        guard !safeHours.isEmpty else { return nil }
        let schedule = WeeklySchedule(timeZone: timeZone, alwaysOpen: false, hours: safeHours)
        guard let status = schedule.status(at: moment) else {
            return FieldError(pointer: "/due_at", detail: "the family's time zone is unknown")
        }
        if !status.isOpen {
            let windows = safeHours.map { "\($0.days.map(\.rawValue).joined(separator: ",")) \($0.opens)–\($0.closes)" }
            return FieldError(
                pointer: "/due_at",
                detail: "outside the family's safe times (\(windows.joined(separator: "; ")), \(timeZone))")
        }
        return nil
    }
}
