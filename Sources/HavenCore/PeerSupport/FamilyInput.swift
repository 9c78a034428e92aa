import Foundation

/// A family as an advocate records it: a pseudonymous reference (no legal names), where they
/// live, their languages, what they are living through, the children's ages, their needs in the
/// order the family puts them, how they may be reached safely, and what they would like in a
/// peer mentor.
public struct FamilyInput: Sendable, Equatable, Codable {
    public var reference: String
    public var homeZip: String
    public var languages: [String]?
    public var situations: [String]?
    public var childAgeBand: String?
    public var needs: [String]?
    public var preferredMentorGender: String?
    public var sameLanguageRequired: Bool?
    public var sameSituationPreferred: Bool?
    /// When the family would like to talk, in their own time zone.
    public var contactHours: [ServiceInput.Hours]?
    public var children: [ChildInput]?
    public var safeContact: SafeContactInput?
    /// The family would like to talk with a parent who has been through it.
    public var wantsMentor: Bool?

    public init(reference: String, homeZip: String) {
        self.reference = reference
        self.homeZip = homeZip
    }

    enum CodingKeys: String, CodingKey {
        case reference, languages, situations, needs
        case homeZip = "home_zip"
        case childAgeBand = "child_age_band"
        case preferredMentorGender = "preferred_mentor_gender"
        case sameLanguageRequired = "same_language_required"
        case sameSituationPreferred = "same_situation_preferred"
        case contactHours = "contact_hours"
        case children
        case safeContact = "safe_contact"
        case wantsMentor = "wants_mentor"
    }

    public func validate() -> Result<FamilyDraft, ValidationFailure> {
        var errors: [FieldError] = []
        let check = DirectoryValidation(errors: { errors.append($0) })
        let reference = check.text(reference, at: "/reference", maximum: 100, required: true) ?? ""
        let zip = ZIPCode(homeZip)
        if zip == nil { check.fail("/home_zip", "must be five digits, or ZIP+4") }
        var situations: [LivedExperience] = []
        for (index, raw) in (self.situations ?? []).enumerated() {
            if let code = LivedExperience(rawValue: raw) {
                situations.append(code)
            } else {
                check.fail(
                    "/situations/\(index)",
                    "'\(raw.prefix(40))' is not one of \(VolunteerInput.list(LivedExperience.self))")
            }
        }
        var band: AgeBand?
        if let raw = childAgeBand {
            band = AgeBand(rawValue: raw)
            if band == nil { check.fail("/child_age_band", "must be one of \(VolunteerInput.list(AgeBand.self))") }
        }
        var gender: MentorGender?
        if let raw = preferredMentorGender {
            gender = MentorGender(rawValue: raw)
            if gender == nil {
                check.fail("/preferred_mentor_gender", "must be one of \(VolunteerInput.list(MentorGender.self))")
            }
        }
        let languages = check.languages(self.languages ?? [], at: "/languages")
        let required = sameLanguageRequired ?? false
        if required && languages.isEmpty {
            check.fail("/same_language_required", "name the family's languages to require a mentor who speaks one")
        }
        let hours = check.weeklyHours(contactHours ?? [], at: "/contact_hours")
        let needs = check.taxonomyCodes(self.needs ?? [], at: "/needs")
        let children = validChildren(check)
        let safeContact = (self.safeContact ?? SafeContactInput()).validate(check, at: "/safe_contact")
        guard errors.isEmpty, let zip else { return .failure(ValidationFailure(errors: errors)) }
        return .success(
            FamilyDraft(
                reference: reference, homeZip: zip, languages: languages, situations: situations, childAgeBand: band,
                needs: needs, preferredMentorGender: gender, sameLanguageRequired: required,
                sameSituationPreferred: sameSituationPreferred ?? true, contactHours: hours, children: children,
                safeContact: safeContact, wantsMentor: wantsMentor ?? false))
    }
}

/// A validated family record, ready to store.
public struct FamilyDraft: Sendable, Equatable {
    public var reference: String
    public var homeZip: ZIPCode
    public var languages: [String]
    public var situations: [LivedExperience]
    public var childAgeBand: AgeBand?
    public var needs: [String]
    public var preferredMentorGender: MentorGender?
    public var sameLanguageRequired: Bool
    public var sameSituationPreferred: Bool
    public var contactHours: [OpeningHours]
    /// The children's ages.
    public var children: [Int]
    public var safeContact: SafeContactPreferences
    public var wantsMentor: Bool

    public init(
        reference: String, homeZip: ZIPCode, languages: [String], situations: [LivedExperience],
        childAgeBand: AgeBand?, needs: [String], preferredMentorGender: MentorGender?, sameLanguageRequired: Bool,
        sameSituationPreferred: Bool, contactHours: [OpeningHours], children: [Int] = [],
        safeContact: SafeContactPreferences = SafeContactPreferences(), wantsMentor: Bool = false
    ) {
        self.reference = reference
        self.homeZip = homeZip
        self.languages = languages
        self.situations = situations
        self.childAgeBand = childAgeBand
        self.needs = needs
        self.preferredMentorGender = preferredMentorGender
        self.sameLanguageRequired = sameLanguageRequired
        self.sameSituationPreferred = sameSituationPreferred
        self.contactHours = contactHours
        self.children = children
        self.safeContact = safeContact
        self.wantsMentor = wantsMentor
    }
}

/// Where a mentor match is. Proposed and accepted matches hold a place in the volunteer's
/// capacity as much as active ones do, so a proposal can never overbook a volunteer.
public enum MentorMatchStatus: String, Sendable, CaseIterable, Codable {
    case proposed
    case accepted
    case declined
    case active
    case closed

    /// Statuses that count against the volunteer's capacity and the family's one open match.
    public static let open: [MentorMatchStatus] = [.proposed, .accepted, .active]

    /// The moves a coordinator may make, and what each needs.
    public func canMove(to next: MentorMatchStatus) -> Bool {
        switch (self, next) {
        case (.proposed, .accepted), (.proposed, .declined), (.accepted, .active), (.accepted, .declined),
            (.active, .closed):
            true
        default: false
        }
    }

    /// Checks a requested move: the transition itself, and the reason a decline needs or the
    /// outcome a close needs.
    public func move(to next: MentorMatchStatus, note: String?) -> FieldError? {
        guard canMove(to: next) else {
            let allowed = MentorMatchStatus.allCases.filter(canMove).map(\.rawValue)
            return FieldError(
                pointer: "/status",
                detail: allowed.isEmpty
                    ? "a \(rawValue) match does not change any more"
                    : "a \(rawValue) match can become \(allowed.joined(separator: " or ")), not \(next.rawValue)")
        }
        let text = note?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if next == .declined && text.isEmpty {
            return FieldError(pointer: "/reason", detail: "say why it was declined")
        }
        if next == .closed && text.isEmpty { return FieldError(pointer: "/outcome", detail: "record the outcome") }
        if text.count > 1000 {
            return FieldError(
                pointer: next == .closed ? "/outcome" : "/reason", detail: "must be at most 1000 characters")
        }
        return nil
    }
}
