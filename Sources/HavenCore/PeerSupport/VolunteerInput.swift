import Foundation

/// A volunteer mentor as a coordinator writes one (`POST`/`PUT /v1/volunteers`).
public struct VolunteerInput: Sendable, Equatable, Codable {
    public struct Contact: Sendable, Equatable, Codable {
        /// `phone`, `sms` or `email`.
        public var channel: String
        public var value: String
        public var note: String?

        public init(channel: String, value: String, note: String? = nil) {
            self.channel = channel
            self.value = value
            self.note = note
        }
    }

    public struct Away: Sendable, Equatable, Codable {
        public var startsOn: String
        public var endsOn: String

        public init(startsOn: String, endsOn: String) {
            self.startsOn = startsOn
            self.endsOn = endsOn
        }

        enum CodingKeys: String, CodingKey {
            case startsOn = "starts_on"
            case endsOn = "ends_on"
        }
    }

    public var name: String
    public var contacts: [Contact]?
    public var homeZip: String
    public var languages: [String]?
    public var livedExperience: [String]?
    public var ageBands: [String]?
    public var gender: String?
    /// Weekly hours in the volunteer's own time zone (from their home ZIP).
    public var availability: [ServiceInput.Hours]?
    public var away: [Away]?
    public var capacity: Int?
    public var status: String?

    public init(name: String, homeZip: String) {
        self.name = name
        self.homeZip = homeZip
    }

    enum CodingKeys: String, CodingKey {
        case name, contacts, languages, gender, availability, away, capacity, status
        case homeZip = "home_zip"
        case livedExperience = "lived_experience"
        case ageBands = "age_bands"
    }

    public static let maximumCapacity = 10

    /// Every bad field at once; the contacts and name are checked here and sealed by storage.
    public func validate() -> Result<VolunteerDraft, ValidationFailure> {
        var errors: [FieldError] = []
        let check = DirectoryValidation(errors: { errors.append($0) })
        let name = check.text(name, at: "/name", maximum: 200, required: true) ?? ""
        var contacts: [VolunteerDraft.Contact] = []
        for (index, contact) in (self.contacts ?? []).enumerated() {
            let pointer = "/contacts/\(index)"
            let note = check.text(contact.note, at: "\(pointer)/note", maximum: 300)
            switch contact.channel {
            case "phone", "sms":
                if let phone = check.phone(.init(number: contact.value), at: pointer) {
                    contacts.append(.init(channel: contact.channel, value: phone.number, note: note))
                }
            case "email":
                if let email = check.email(contact.value, at: "\(pointer)/value") {
                    contacts.append(.init(channel: "email", value: email, note: note))
                }
            default:
                check.fail("\(pointer)/channel", "must be phone, sms or email")
            }
        }
        let zip = ZIPCode(homeZip)
        if zip == nil { check.fail("/home_zip", "must be five digits, or ZIP+4") }
        let experiences = codes(livedExperience, LivedExperience.self, at: "/lived_experience", check: check)
        let bands = codes(ageBands, AgeBand.self, at: "/age_bands", check: check)
        var gender: MentorGender?
        if let raw = self.gender {
            gender = MentorGender(rawValue: raw)
            if gender == nil { check.fail("/gender", "must be one of \(Self.list(MentorGender.self))") }
        }
        let hours = check.weeklyHours(availability ?? [], at: "/availability")
        var periods: [AwayPeriod] = []
        for (index, period) in (away ?? []).enumerated() {
            let starts = CalendarDate(period.startsOn)
            let ends = CalendarDate(period.endsOn)
            if starts == nil { check.fail("/away/\(index)/starts_on", "must be a date YYYY-MM-DD") }
            if ends == nil { check.fail("/away/\(index)/ends_on", "must be a date YYYY-MM-DD") }
            if let starts, let ends {
                if ends < starts {
                    check.fail("/away/\(index)/ends_on", "must not be before starts_on")
                } else {
                    periods.append(AwayPeriod(startsOn: starts, endsOn: ends))
                }
            }
        }
        let capacity = self.capacity ?? 1
        if !(1...Self.maximumCapacity).contains(capacity) {
            check.fail("/capacity", "must be from 1 to \(Self.maximumCapacity) families")
        }
        var status = VolunteerStatus.onboarding
        if let raw = self.status {
            if let parsed = VolunteerStatus(rawValue: raw) {
                status = parsed
            } else {
                check.fail("/status", "must be one of \(Self.list(VolunteerStatus.self))")
            }
        }
        let languages = check.languages(self.languages ?? [], at: "/languages")
        guard errors.isEmpty, let zip else { return .failure(ValidationFailure(errors: errors)) }
        return .success(
            VolunteerDraft(
                name: name, contacts: contacts, homeZip: zip, languages: languages, experiences: experiences,
                ageBands: bands, gender: gender, availability: hours, away: periods, capacity: capacity, status: status)
        )
    }

    private func codes<Code: RawRepresentable & CaseIterable>(
        _ raw: [String]?, _ type: Code.Type, at pointer: String, check: DirectoryValidation
    ) -> [Code] where Code.RawValue == String {
        var result: [Code] = []
        for (index, value) in (raw ?? []).enumerated() {
            if let code = Code(rawValue: value) {
                result.append(code)
            } else {
                check.fail("\(pointer)/\(index)", "'\(value.prefix(40))' is not one of \(Self.list(Code.self))")
            }
        }
        return result
    }

    static func list<Code: RawRepresentable & CaseIterable>(_ type: Code.Type) -> String where Code.RawValue == String {
        Code.allCases.map(\.rawValue).joined(separator: ", ")
    }
}

/// A validated volunteer, ready to store.
public struct VolunteerDraft: Sendable, Equatable {
    public struct Contact: Sendable, Equatable, Codable {
        public var channel: String
        public var value: String
        public var note: String?

        public init(channel: String, value: String, note: String?) {
            self.channel = channel
            self.value = value
            self.note = note
        }
    }

    public var name: String
    public var contacts: [Contact]
    public var homeZip: ZIPCode
    public var languages: [String]
    public var experiences: [LivedExperience]
    public var ageBands: [AgeBand]
    public var gender: MentorGender?
    public var availability: [OpeningHours]
    public var away: [AwayPeriod]
    public var capacity: Int
    public var status: VolunteerStatus

    public init(
        name: String, contacts: [Contact], homeZip: ZIPCode, languages: [String], experiences: [LivedExperience],
        ageBands: [AgeBand], gender: MentorGender?, availability: [OpeningHours], away: [AwayPeriod], capacity: Int,
        status: VolunteerStatus
    ) {
        self.name = name
        self.contacts = contacts
        self.homeZip = homeZip
        self.languages = languages
        self.experiences = experiences
        self.ageBands = ageBands
        self.gender = gender
        self.availability = availability
        self.away = away
        self.capacity = capacity
        self.status = status
    }
}

/// A training completion or background check as a coordinator records it.
public struct CredentialInput: Sendable, Equatable, Codable {
    public var kind: String
    public var name: String
    public var issuedOn: String
    public var expiresOn: String?

    public init(kind: String, name: String, issuedOn: String, expiresOn: String?) {
        self.kind = kind
        self.name = name
        self.issuedOn = issuedOn
        self.expiresOn = expiresOn
    }

    enum CodingKeys: String, CodingKey {
        case kind, name
        case issuedOn = "issued_on"
        case expiresOn = "expires_on"
    }

    public func validate() -> Result<Credential, ValidationFailure> {
        var errors: [FieldError] = []
        let check = DirectoryValidation(errors: { errors.append($0) })
        let kind = Credential.Kind(rawValue: kind)
        if kind == nil { check.fail("/kind", "must be training or background-check") }
        let name = check.text(name, at: "/name", maximum: 200, required: true)
        let issued = CalendarDate(issuedOn)
        if issued == nil { check.fail("/issued_on", "must be a date YYYY-MM-DD") }
        var expires: CalendarDate?
        if let expiresOn {
            expires = CalendarDate(expiresOn)
            if expires == nil { check.fail("/expires_on", "must be a date YYYY-MM-DD") }
        } else if kind == .backgroundCheck {
            check.fail("/expires_on", "a background check needs its expiry date")
        }
        if let issued, let expires, expires < issued { check.fail("/expires_on", "must not be before issued_on") }
        guard errors.isEmpty, let kind, let name, let issued else { return .failure(ValidationFailure(errors: errors)) }
        return .success(Credential(kind: kind, name: name, issuedOn: issued, expiresOn: expires))
    }
}
