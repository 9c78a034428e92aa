/// What a family lived through, and what a volunteer mentor lived through: one coded list, so a
/// family and a mentor can be matched on shared experience. Person-first wording throughout.
public enum LivedExperience: String, Sendable, CaseIterable, Codable {
    case familyAbduction = "family-abduction"
    case nonFamilyAbduction = "non-family-abduction"
    case ranAway = "ran-away"
    case forcedToLeaveHome = "forced-to-leave-home"
    case lostOrInjured = "lost-or-injured"
    case sexTrafficking = "sex-trafficking"
    case sextortion
    case childRecovered = "child-recovered"
    case childStillMissing = "child-still-missing"
    case childDied = "child-died"

    public var label: String {
        switch self {
        case .familyAbduction: "family abduction"
        case .nonFamilyAbduction: "non-family abduction"
        case .ranAway: "a child who ran away"
        case .forcedToLeaveHome: "a child forced to leave home"
        case .lostOrInjured: "a child lost or injured"
        case .sexTrafficking: "child sex trafficking"
        case .sextortion: "sextortion"
        case .childRecovered: "a child who came home"
        case .childStillMissing: "a child still missing"
        case .childDied: "the loss of a child"
        }
    }

    public var description: String {
        switch self {
        case .familyAbduction: "A child was taken or kept by a parent or another family member."
        case .nonFamilyAbduction: "A child was taken by someone outside the family."
        case .ranAway: "A child left home or care on their own and was missing."
        case .forcedToLeaveHome: "A young person was forced to leave home or care."
        case .lostOrInjured: "A child was missing because they were lost, injured or otherwise unable to get home."
        case .sexTrafficking:
            "A child experienced sex trafficking or commercial sexual exploitation; a child cannot consent to it."
        case .sextortion:
            "A child was threatened with the sharing of intimate images to force them into more images, money or acts."
        case .childRecovered: "The child came home or was found."
        case .childStillMissing: "The child is still missing."
        case .childDied: "The child died."
        }
    }
}

/// A child's age band: what a family's child is in now, and what a mentor's child was in then.
public enum AgeBand: String, Sendable, CaseIterable, Codable {
    case upTo5 = "0-5"
    case from6To11 = "6-11"
    case from12To14 = "12-14"
    case from15To17 = "15-17"
    case from18To20 = "18-20"

    public var label: String {
        switch self {
        case .upTo5: "up to 5"
        case .from6To11: "6–11"
        case .from12To14: "12–14"
        case .from15To17: "15–17"
        case .from18To20: "18–20"
        }
    }
}

/// A mentor's gender, as the volunteer describes it, for families who ask for a mentor of a
/// given gender.
public enum MentorGender: String, Sendable, CaseIterable, Codable {
    case woman
    case man
    case nonbinary
}

/// Where a volunteer is in the program. Only an active volunteer can be matched.
public enum VolunteerStatus: String, Sendable, CaseIterable, Codable {
    case onboarding
    case active
    case paused
    case retired
}
