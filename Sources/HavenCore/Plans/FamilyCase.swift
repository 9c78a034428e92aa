import Foundation

/// A child in the family's record: an age, never a name.
public struct ChildInput: Sendable, Equatable, Codable {
    public var age: Int

    public init(age: Int) { self.age = age }
}

/// How the family may be reached safely, as an advocate records it with them.
public struct SafeContactInput: Sendable, Equatable, Codable {
    public var channels: [String]?
    /// When it is safe to reach the family, in their own time zone.
    public var safeTimes: [ServiceInput.Hours]?
    public var noTexts: Bool?
    /// Someone else may see the family's phone or computer.
    public var sharedDevice: Bool?
    public var phone: String?
    public var email: String?
    /// A word the family and the specialist agreed on, so the family knows a call is genuine.
    public var safeWord: String?
    /// What to say, or do, when someone else answers.
    public var callbackNote: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case channels, phone, email
        case safeTimes = "safe_times"
        case noTexts = "no_texts"
        case sharedDevice = "shared_device"
        case safeWord = "safe_word"
        case callbackNote = "callback_note"
    }

    func validate(_ check: DirectoryValidation, at pointer: String) -> SafeContactPreferences {
        var channels: [ContactChannel] = []
        for (index, raw) in (self.channels ?? []).enumerated() {
            if let channel = ContactChannel(rawValue: raw) {
                if !channels.contains(channel) { channels.append(channel) }
            } else {
                check.fail(
                    "\(pointer)/channels/\(index)",
                    "'\(raw.prefix(20))' is not one of \(ContactChannel.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
        }
        let noTexts = self.noTexts ?? false
        if noTexts && channels.contains(.sms) {
            check.fail("\(pointer)/channels", "lists sms, but the family asked for no text messages")
        }
        let safeTimes = check.weeklyHours(self.safeTimes ?? [], at: "\(pointer)/safe_times")
        var phone: String?
        if let raw = self.phone {
            phone = check.phone(ServiceInput.Phone(number: raw), at: "\(pointer)/phone")?.number
        }
        let email = check.email(self.email, at: "\(pointer)/email")
        for channel in [ContactChannel.phone, .sms] where channels.contains(channel) && phone == nil {
            check.fail("\(pointer)/phone", "is needed to reach the family by \(channel.rawValue)")
        }
        if channels.contains(.email) && email == nil {
            check.fail("\(pointer)/email", "is needed to reach the family by email")
        }
        return SafeContactPreferences(
            channels: channels, safeTimes: safeTimes, noTexts: noTexts, sharedDevice: sharedDevice ?? false,
            phone: phone, email: email, safeWord: check.text(safeWord, at: "\(pointer)/safe_word", maximum: 100),
            callbackNote: check.text(callbackNote, at: "\(pointer)/callback_note", maximum: 500))
    }
}

/// The family's safe-contact preferences as stored (sealed: they say how to reach the family).
public struct SafeContactPreferences: Sendable, Equatable {
    /// The channels the family allows; empty means the advocate has not asked yet, and every
    /// channel but texts for a family that asked for none is allowed.
    public var channels: [ContactChannel]
    public var safeTimes: [OpeningHours]
    public var noTexts: Bool
    public var sharedDevice: Bool
    public var phone: String?
    public var email: String?
    public var safeWord: String?
    public var callbackNote: String?

    public init(
        channels: [ContactChannel] = [], safeTimes: [OpeningHours] = [], noTexts: Bool = false,
        sharedDevice: Bool = false, phone: String? = nil, email: String? = nil, safeWord: String? = nil,
        callbackNote: String? = nil
    ) {
        self.channels = channels
        self.safeTimes = safeTimes
        self.noTexts = noTexts
        self.sharedDevice = sharedDevice
        self.phone = phone
        self.email = email
        self.safeWord = safeWord
        self.callbackNote = callbackNote
    }

    /// The rule that checks a contact, in the family's time zone.
    public func rule(timeZone: String) -> SafeContact {
        SafeContact(
            channels: Set(channels), safeHours: safeTimes, timeZone: timeZone, noTexts: noTexts,
            sharedDevice: sharedDevice)
    }

    /// "MO,TU 17:00–20:00; SA 10:00–12:00", or nil when any time is safe.
    public var safeTimesText: String? {
        guard !safeTimes.isEmpty else { return nil }
        return safeTimes.map { "\($0.days.map(\.rawValue).joined(separator: ",")) \($0.opens)–\($0.closes)" }
            .joined(separator: "; ")
    }
}

extension FamilyInput {
    /// The ages of the children, oldest age 25 (young adults still in the family's care).
    func validChildren(_ check: DirectoryValidation) -> [Int] {
        let children = self.children ?? []
        if children.count > 20 { check.fail("/children", "must list at most 20 children") }
        var ages: [Int] = []
        for (index, child) in children.prefix(20).enumerated() {
            if (0...25).contains(child.age) {
                ages.append(child.age)
            } else {
                check.fail("/children/\(index)/age", "must be an age from 0 to 25")
            }
        }
        return ages
    }
}
