import Foundation

/// A check-in the specialist will make, by a channel the family allows, at a time that is safe.
public struct FollowUpInput: Sendable, Equatable, Codable {
    public var dueAt: Date
    public var channel: String
    public var note: String?
    /// When the check-in happened; a done check-in leaves the list of what is due.
    public var doneAt: Date?

    public init(dueAt: Date, channel: String, note: String? = nil, doneAt: Date? = nil) {
        self.dueAt = dueAt
        self.channel = channel
        self.note = note
        self.doneAt = doneAt
    }

    enum CodingKeys: String, CodingKey {
        case channel, note
        case dueAt = "due_at"
        case doneAt = "done_at"
    }
}

/// One referral in a plan, as the specialist writes it.
public struct ReferralInput: Sendable, Equatable, Codable {
    /// The referral's id, to keep a referral (and its status) when the plan is edited; omit for
    /// a new one.
    public var id: String?
    public var serviceId: String
    /// Why this service was chosen, for the family.
    public var reason: String?
    public var whatToExpect: String?
    public var handoff: String?
    /// What a warm handoff shares with the service (default: contact and needs).
    public var share: [String]?
    public var followUp: FollowUpInput?

    public init(serviceId: String, reason: String? = nil, handoff: String? = nil) {
        self.serviceId = serviceId
        self.reason = reason
        self.handoff = handoff
    }

    enum CodingKeys: String, CodingKey {
        case id, reason, handoff, share
        case serviceId = "service_id"
        case whatToExpect = "what_to_expect"
        case followUp = "follow_up"
    }
}

/// A plan as the specialist saves it: every save is a new version.
public struct PlanInput: Sendable, Equatable, Codable {
    /// The family's goals, in their own words.
    public var goals: [String]?
    /// The family's needs in the order the family puts them (default: the family record's).
    public var needs: [String]?
    public var referrals: [ReferralInput]?
    /// Safety notes written for the family; they appear in the family's document.
    public var safetyNotes: String?
    /// Notes for the specialist's organization only; never in the family's document.
    public var internalNotes: String?
    public var followUps: [FollowUpInput]?
    /// Offer the family a peer mentor (default: when the family asked for one).
    public var mentorOffer: Bool?
    /// Name the organizations of sensitive services in the family's document even though the
    /// family shares a device: an explicit choice the specialist makes with the family.
    public var showSensitiveNames: Bool?
    /// The crisis lines shown to the family, in order (default: the current choice). Never empty.
    public var crisisContactIds: [String]?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case goals, needs, referrals
        case crisisContactIds = "crisis_contact_ids"
        case safetyNotes = "safety_notes"
        case internalNotes = "internal_notes"
        case followUps = "follow_ups"
        case mentorOffer = "mentor_offer"
        case showSensitiveNames = "show_sensitive_names"
    }

    public static let mostReferrals = 30

    /// Checks the plan against the family's safe-contact rule: new and moved check-ins, not those
    /// `scheduled` in the version being edited and kept as they were. New referrals get ids from
    /// `newID`; a referral id must be one of `knownReferralIDs` (the plan's own).
    public func validate(
        safeContact: SafeContact, knownReferralIDs: Set<UUID>, now: Date, scheduled: [FollowUp] = [],
        newID: () -> UUID = UUID.init
    ) -> Result<PlanDraft, ValidationFailure> {
        var errors: [FieldError] = []
        let check = DirectoryValidation(errors: { errors.append($0) })
        let rules = FollowUpRules(safeContact: safeContact, now: now, scheduled: scheduled)
        var goals: [String] = []
        let rawGoals = self.goals ?? []
        if rawGoals.count > 20 { check.fail("/goals", "must list at most 20 goals") }
        for (index, goal) in rawGoals.prefix(20).enumerated() {
            if let text = check.text(goal, at: "/goals/\(index)", maximum: 500, required: true) { goals.append(text) }
        }
        let needs = needs.map { check.taxonomyCodes($0, at: "/needs") }
        let rawReferrals = referrals ?? []
        if rawReferrals.count > Self.mostReferrals {
            check.fail("/referrals", "must list at most \(Self.mostReferrals) referrals")
        }
        var referrals: [PlanReferral] = []
        var services: Set<UUID> = []
        var ids: Set<UUID> = []
        for (index, input) in rawReferrals.prefix(Self.mostReferrals).enumerated() {
            guard let referral = input.validate(check, at: "/referrals/\(index)", followUps: rules) else {
                continue
            }
            var id = newID()
            if let raw = input.id {
                if let known = UUID(uuidString: raw), knownReferralIDs.contains(known) {
                    id = known
                } else {
                    check.fail("/referrals/\(index)/id", "names no referral of this plan; omit it for a new referral")
                }
            }
            if !ids.insert(id).inserted { check.fail("/referrals/\(index)/id", "appears twice") }
            if !services.insert(referral.serviceID).inserted {
                check.fail("/referrals/\(index)/service_id", "the plan already refers the family to this service")
            }
            referrals.append(PlanReferral(id: id, referral))
        }
        var followUps: [FollowUp] = []
        for (index, input) in (self.followUps ?? []).prefix(50).enumerated() {
            if let followUp = input.validate(check, at: "/follow_ups/\(index)", rules: rules) {
                followUps.append(followUp)
            }
        }
        var crisisLines: [UUID]?
        if let raw = crisisContactIds {
            if raw.isEmpty { check.fail("/crisis_contact_ids", "a plan always keeps at least one crisis line") }
            crisisLines = raw.enumerated().compactMap { check.uuid($0.element, at: "/crisis_contact_ids/\($0.offset)") }
        }
        let safetyNotes = check.text(safetyNotes, at: "/safety_notes", maximum: 4000)
        let internalNotes = check.text(internalNotes, at: "/internal_notes", maximum: 4000)
        guard errors.isEmpty else { return .failure(ValidationFailure(errors: errors)) }
        return .success(
            PlanDraft(
                goals: goals, needs: needs, referrals: referrals, safetyNotes: safetyNotes,
                internalNotes: internalNotes, followUps: followUps, mentorOffer: mentorOffer,
                showSensitiveNames: showSensitiveNames ?? false, crisisContactIDs: crisisLines))
    }
}

extension ReferralInput {
    func validate(_ check: DirectoryValidation, at pointer: String, followUps rules: FollowUpRules) -> PlanReferral? {
        let service = check.uuid(serviceId, at: "\(pointer)/service_id")
        let reason = check.text(reason, at: "\(pointer)/reason", maximum: 1000)
        let expect = check.text(whatToExpect, at: "\(pointer)/what_to_expect", maximum: 1000)
        var handoff = Handoff.selfReferral
        if let raw = self.handoff {
            if let value = Handoff(rawValue: raw) {
                handoff = value
            } else {
                check.fail("\(pointer)/handoff", "must be warm or self-referral")
            }
        }
        var shares: Set<InformationCategory> = []
        if let share {
            if handoff == .selfReferral && !share.isEmpty {
                check.fail(
                    "\(pointer)/share",
                    "a self-referral shares nothing: the family contacts the service; choose a warm handoff to share")
            } else if handoff == .warm {
                shares = ConsentInput.codes(share, InformationCategory.self, at: "\(pointer)/share", check)
            }
        } else if handoff == .warm {
            shares = [.contact, .needs]
        }
        let followUp = self.followUp.flatMap {
            $0.validate(check, at: "\(pointer)/follow_up", rules: rules)
        }
        guard let service else { return nil }
        return PlanReferral(
            id: UUID(), serviceID: service, reason: reason, whatToExpect: expect, handoff: handoff, shares: shares,
            followUp: followUp)
    }
}

/// What a check-in is checked against when a plan is saved.
struct FollowUpRules {
    let safeContact: SafeContact
    let now: Date
    /// The check-ins still to do in the version being edited. One kept as it was is not held to
    /// safe times that changed since it was scheduled: `haven followups` warns about it, and it
    /// must not stop every other edit of the plan until it is moved.
    let scheduled: [FollowUp]

    func isKept(dueAt: Date, channel: ContactChannel) -> Bool {
        scheduled.contains { !$0.isDone && $0.dueAt == dueAt && $0.channel == channel }
    }
    /// Clocks disagree a little; a check-in marked done "now" on a device running ahead passes.
    static let clockSkew: TimeInterval = 5 * 60
}

extension FollowUpInput {
    func validate(_ check: DirectoryValidation, at pointer: String, rules: FollowUpRules) -> FollowUp? {
        let note = check.text(note, at: "\(pointer)/note", maximum: 1000)
        guard let channel = ContactChannel(rawValue: channel) else {
            check.fail(
                "\(pointer)/channel",
                "must be one of \(ContactChannel.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        if let doneAt {
            // A check-in that happened is a record: the family's safe times may have changed
            // since, and that must not stop the plan from being saved.
            guard doneAt <= rules.now.addingTimeInterval(FollowUpRules.clockSkew) else {
                check.fail("\(pointer)/done_at", "is in the future: mark a check-in done once it has happened")
                return nil
            }
        } else if !rules.isKept(dueAt: dueAt, channel: channel),
            let problem = rules.safeContact.problem(channel: channel, at: dueAt)
        {
            check.fail(pointer + problem.pointer, problem.detail)
            return nil
        }
        return FollowUp(dueAt: dueAt, channel: channel, note: note, doneAt: doneAt)
    }
}

/// A scheduled check-in.
public struct FollowUp: Sendable, Equatable, Codable {
    public var dueAt: Date
    public var channel: ContactChannel
    public var note: String?
    /// When it happened; nil while it is still to do. Versions saved before check-ins could be
    /// marked done decode as not done.
    public var doneAt: Date?

    public init(dueAt: Date, channel: ContactChannel, note: String? = nil, doneAt: Date? = nil) {
        self.dueAt = dueAt
        self.channel = channel
        self.note = note
        self.doneAt = doneAt
    }

    public var isDone: Bool { doneAt != nil }

    enum CodingKeys: String, CodingKey {
        case channel, note
        case dueAt = "due_at"
        case doneAt = "done_at"
    }
}

/// A referral as the plan holds it.
public struct PlanReferral: Sendable, Equatable, Codable {
    public var id: UUID
    public var serviceID: UUID
    public var reason: String?
    public var whatToExpect: String?
    public var handoff: Handoff
    /// What a warm handoff shares; empty for a self-referral.
    public var shares: Set<InformationCategory>
    public var followUp: FollowUp?
    /// Why search ranked the service, for the specialist (never in the family's document,
    /// where `reason`, written with the family, says why).
    public var searchReasons: [String]?

    public init(
        id: UUID, serviceID: UUID, reason: String?, whatToExpect: String?, handoff: Handoff,
        shares: Set<InformationCategory>, followUp: FollowUp?, searchReasons: [String]? = nil
    ) {
        self.id = id
        self.serviceID = serviceID
        self.reason = reason
        self.whatToExpect = whatToExpect
        self.handoff = handoff
        self.shares = shares
        self.followUp = followUp
        self.searchReasons = searchReasons
    }

    init(id: UUID, _ other: PlanReferral) {
        self = other
        self.id = id
    }

    enum CodingKeys: String, CodingKey {
        case id, reason, handoff, shares
        case serviceID = "service_id"
        case whatToExpect = "what_to_expect"
        case followUp = "follow_up"
        case searchReasons = "search_reasons"
    }
}

/// A peer-mentor suggestion the builder found, kept with the plan.
public struct MentorOffer: Sendable, Equatable, Codable {
    public var volunteerID: UUID?
    public var reasons: [String]

    public init(volunteerID: UUID?, reasons: [String]) {
        self.volunteerID = volunteerID
        self.reasons = reasons
    }

    enum CodingKeys: String, CodingKey {
        case reasons
        case volunteerID = "volunteer_id"
    }
}

/// A validated plan; the server completes it with the crisis contacts and the mentor offer.
public struct PlanDraft: Sendable, Equatable {
    public var goals: [String]
    /// nil: the family record's needs.
    public var needs: [String]?
    public var referrals: [PlanReferral]
    public var safetyNotes: String?
    public var internalNotes: String?
    public var followUps: [FollowUp]
    /// nil: offer a mentor when the family asked for one.
    public var mentorOffer: Bool?
    public var showSensitiveNames: Bool
    /// nil: keep the current choice.
    public var crisisContactIDs: [UUID]?
}

/// One version of a plan, as stored (sealed) and read back.
public struct PlanContent: Sendable, Equatable, Codable {
    public var goals: [String]
    public var needs: [String]
    public var referrals: [PlanReferral]
    public var crisisContactIDs: [UUID]
    public var mentor: MentorOffer?
    public var safetyNotes: String?
    public var internalNotes: String?
    public var followUps: [FollowUp]
    public var showSensitiveNames: Bool

    public init(
        goals: [String], needs: [String], referrals: [PlanReferral], crisisContactIDs: [UUID], mentor: MentorOffer?,
        safetyNotes: String?, internalNotes: String?, followUps: [FollowUp], showSensitiveNames: Bool
    ) {
        self.goals = goals
        self.needs = needs
        self.referrals = referrals
        self.crisisContactIDs = crisisContactIDs
        self.mentor = mentor
        self.safetyNotes = safetyNotes
        self.internalNotes = internalNotes
        self.followUps = followUps
        self.showSensitiveNames = showSensitiveNames
    }

    enum CodingKeys: String, CodingKey {
        case goals, needs, referrals, mentor
        case crisisContactIDs = "crisis_contact_ids"
        case safetyNotes = "safety_notes"
        case internalNotes = "internal_notes"
        case followUps = "follow_ups"
        case showSensitiveNames = "show_sensitive_names"
    }

    /// Every piece of free text in the plan, with its JSON pointer, for the language check.
    public var texts: [(pointer: String, text: String)] {
        var texts: [(String, String)] = []
        for (index, goal) in goals.enumerated() { texts.append(("/goals/\(index)", goal)) }
        for (index, referral) in referrals.enumerated() {
            if let reason = referral.reason { texts.append(("/referrals/\(index)/reason", reason)) }
            if let expect = referral.whatToExpect { texts.append(("/referrals/\(index)/what_to_expect", expect)) }
            if let note = referral.followUp?.note { texts.append(("/referrals/\(index)/follow_up/note", note)) }
        }
        if let safetyNotes { texts.append(("/safety_notes", safetyNotes)) }
        if let internalNotes { texts.append(("/internal_notes", internalNotes)) }
        for (index, followUp) in followUps.enumerated() {
            if let note = followUp.note { texts.append(("/follow_ups/\(index)/note", note)) }
        }
        return texts
    }
}

/// A language-guide finding, placed in the plan.
public struct PlanLanguageWarning: Sendable, Equatable {
    public var pointer: String
    public var finding: LanguageFinding

    public init(pointer: String, finding: LanguageFinding) {
        self.pointer = pointer
        self.finding = finding
    }
}

extension LanguageGuide {
    /// Every finding in the plan's text. Warnings, never errors: the plan is saved either way.
    public func check(_ plan: PlanContent) -> [PlanLanguageWarning] {
        plan.texts.flatMap { entry in check(entry.text).map { PlanLanguageWarning(pointer: entry.pointer, finding: $0) }
        }
    }
}

/// Where a referral is. The specialist's organization sends it; the recipient answers.
public enum ReferralStatus: String, Sendable, CaseIterable, Codable {
    case draft
    case sent
    case accepted
    case declined
    case connected
    case closed
    /// The family changed their mind, or the specialist took it back, before it was closed.
    case withdrawn

    /// Who is moving a referral.
    public enum Actor: Sendable {
        /// The specialist's organization, which owns the family's plan.
        case owner
        /// The organization the referral is addressed to.
        case recipient
    }

    /// Statuses a referral can no longer leave.
    public var isFinal: Bool { self == .declined || self == .closed || self == .withdrawn }

    public func canMove(to next: ReferralStatus, by actor: Actor) -> Bool {
        switch (self, next) {
        case (.draft, .sent), (.sent, .withdrawn), (.accepted, .withdrawn):
            // Only the family's side decides to send or take back.
            actor == .owner
        case (.sent, .accepted), (.sent, .declined), (.accepted, .declined):
            // A self-referral has no recipient in the loop: the specialist records the answer.
            true
        case (.sent, .connected), (.accepted, .connected), (.accepted, .closed), (.connected, .closed):
            true
        default:
            false
        }
    }

    /// Checks a requested move: the transition itself, and the reason a decline needs or the
    /// outcome a close needs.
    public func move(to next: ReferralStatus, by actor: Actor, note: String?) -> FieldError? {
        guard canMove(to: next, by: actor) else {
            let allowed = ReferralStatus.allCases.filter { canMove(to: $0, by: actor) }.map(\.rawValue)
            return FieldError(
                pointer: "/status",
                detail: allowed.isEmpty
                    ? "a \(rawValue) referral cannot be changed by \(actor == .owner ? "the family's advocate" : "its recipient")"
                    : "a \(rawValue) referral can become \(allowed.joined(separator: " or ")), not \(next.rawValue)")
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

/// Which crisis lines a new plan shows the family. Every line covering the family's ZIP is a
/// candidate; eighteen national numbers would bury the one they need at 3 a.m., so a draft
/// keeps the local and state lines and a short national core chosen for families of missing
/// and exploited children. The specialist can change the choice, never to none.
public enum CrisisLineChoice {
    /// National lines, by directory slug, most relevant first.
    public static let nationalCore = [
        "ncmec-the-lost", "988-lifeline", "national-runaway-safeline", "national-human-trafficking-hotline",
        "crisis-text-line", "childhelp-hotline",
    ]

    public struct Line: Sendable, Equatable {
        public var id: String
        public var slug: String
        /// local, state or national.
        public var reach: String

        public init(id: String, slug: String, reach: String) {
            self.id = id
            self.slug = slug
            self.reach = reach
        }
    }

    /// The default choice from the lines covering the family's place (given most local first).
    public static func defaults(_ covering: [Line]) -> [String] {
        let local = covering.filter { $0.reach != "national" }.map(\.id)
        let national = nationalCore.flatMap { slug in covering.filter { $0.reach == "national" && $0.slug == slug } }
            .map(\.id)
        let chosen = local + national
        return chosen.isEmpty ? Array(covering.prefix(5).map(\.id)) : chosen
    }
}
