import Foundation

/// How a crisis contact is reached.
public enum CrisisChannelKind: String, Sendable, CaseIterable, Codable {
    case voice, sms, chat
    case webReport = "web_report"
}

/// A crisis contact as it arrives: a line with its channels, coverage and what to expect.
public struct CrisisContactInput: Sendable, Equatable, Codable {
    public struct Channel: Sendable, Equatable, Codable {
        public var channel: String
        /// A phone number, an SMS number or short code, or a URL.
        public var value: String
        public var keyword: String?
        public var label: String?
        /// The hours as the source states them.
        public var hoursNote: String?
        public var languages: [String]?
        public var interpretation: Bool?
        public var languageNote: String?
        public var whatToExpect: String?
        public var schedule: ServiceInput.Schedule?

        public init(channel: String, value: String) {
            self.channel = channel
            self.value = value
        }

        enum CodingKeys: String, CodingKey {
            case channel, value, keyword, label
            case hoursNote = "hours_note"
            case languages, interpretation
            case languageNote = "language_note"
            case whatToExpect = "what_to_expect"
            case schedule
        }
    }

    public struct Coverage: Sendable, Equatable, Codable {
        public var kind: String
        public var states: [String]?
        public var counties: [String]?
        public var zipCodes: [String]?

        public init(kind: String, states: [String]? = nil, counties: [String]? = nil, zipCodes: [String]? = nil) {
            self.kind = kind
            self.states = states
            self.counties = counties
            self.zipCodes = zipCodes
        }

        enum CodingKeys: String, CodingKey {
            case kind, states, counties
            case zipCodes = "zip_codes"
        }
    }

    public var slug: String
    public var name: String
    public var operatorName: String?
    public var url: String?
    public var audience: String?
    public var whatToExpect: String?
    /// The same in Spanish, for families who read Spanish.
    public var whatToExpectEs: String?
    public var confidentiality: String?
    public var lawEnforcement: String?
    public var coverage: Coverage?
    public var sourceURL: String?
    public var verifiedOn: String?
    public var channels: [Channel]

    public init(slug: String, name: String, channels: [Channel]) {
        self.slug = slug
        self.name = name
        self.channels = channels
    }

    enum CodingKeys: String, CodingKey {
        case slug, name
        case operatorName = "operator"
        case url, audience
        case whatToExpect = "what_to_expect"
        case whatToExpectEs = "what_to_expect_es"
        case confidentiality
        case lawEnforcement = "law_enforcement"
        case coverage
        case sourceURL = "source_url"
        case verifiedOn = "verified_on"
        case channels
    }

    public func validate() -> Result<CrisisContactDraft, ValidationFailure> {
        var errors: [FieldError] = []
        let check = DirectoryValidation(errors: { errors.append($0) })
        let slugOK = TaxonomyCode.isValid(slug) && !slug.contains(".")
        if !slugOK {
            errors.append(
                FieldError(pointer: "/slug", detail: "must be lowercase words joined by -, e.g. 988-lifeline"))
        }
        var draft = CrisisContactDraft(
            slug: slug, name: check.text(name, at: "/name", maximum: 300, required: true) ?? "")
        draft.operatorName = check.text(operatorName, at: "/operator", maximum: 500)
        draft.url = check.url(url, at: "/url")
        draft.audience = check.text(audience, at: "/audience", maximum: 2000)
        draft.whatToExpect = check.text(whatToExpect, at: "/what_to_expect", maximum: 5000)
        draft.whatToExpectEs = check.text(whatToExpectEs, at: "/what_to_expect_es", maximum: 5000)
        draft.confidentiality = check.text(confidentiality, at: "/confidentiality", maximum: 2000)
        draft.lawEnforcement = check.text(lawEnforcement, at: "/law_enforcement", maximum: 2000)
        draft.sourceURL = check.url(sourceURL, at: "/source_url")
        if let verifiedOn {
            if let date = CalendarDate(verifiedOn) {
                draft.verifiedOn = date
            } else {
                errors.append(FieldError(pointer: "/verified_on", detail: "must be a date YYYY-MM-DD"))
            }
        }
        if let coverage {
            switch check.serviceArea(
                .init(
                    kind: coverage.kind, states: coverage.states, counties: coverage.counties,
                    zipCodes: coverage.zipCodes),
                at: "/coverage")
            {
            case .some(.radius), .some(.polygon):
                errors.append(FieldError(pointer: "/coverage/kind", detail: "must be national, state, county or zip"))
            case .some(let area): draft.coverage = area
            case .none: break
            }
        }
        if channels.isEmpty {
            errors.append(FieldError(pointer: "/channels", detail: "must list at least one channel"))
        }
        for (index, channel) in channels.enumerated() {
            if let valid = check.channel(channel, at: "/channels/\(index)") { draft.channels.append(valid) }
        }
        return errors.isEmpty ? .success(draft) : .failure(ValidationFailure(errors: errors))
    }
}

public struct CrisisChannelDraft: Sendable, Equatable {
    public var kind: CrisisChannelKind
    public var value: String
    public var keyword: String?
    public var label: String?
    public var hoursNote: String?
    public var languages: [String]
    public var interpretation: Bool
    public var languageNote: String?
    public var whatToExpect: String?
    public var schedule: WeeklySchedule?

    public init(kind: CrisisChannelKind, value: String) {
        self.kind = kind
        self.value = value
        languages = []
        interpretation = false
    }
}

public struct CrisisContactDraft: Sendable, Equatable {
    public var slug: String
    public var name: String
    public var operatorName: String?
    public var url: String?
    public var audience: String?
    public var whatToExpect: String?
    public var whatToExpectEs: String?
    public var confidentiality: String?
    public var lawEnforcement: String?
    public var coverage: ServiceArea
    public var sourceURL: String?
    public var verifiedOn: CalendarDate?
    public var channels: [CrisisChannelDraft]
    public var demo: Bool

    public init(slug: String, name: String) {
        self.slug = slug
        self.name = name
        coverage = .national
        channels = []
        demo = false
    }
}

extension CrisisContactDraft {
    /// An edit that changes the English "what to expect" and keeps the Spanish as it was would
    /// show Spanish-speaking families a translation of something the line no longer says.
    public func staleTranslation(storedEnglish: String?, storedSpanish: String?) -> FieldError? {
        guard let spanish = whatToExpectEs, spanish == storedSpanish, whatToExpect != storedEnglish else { return nil }
        return FieldError(
            pointer: "/what_to_expect_es",
            detail:
                "is the translation of the earlier what_to_expect; give a translation of the new text, or leave it out")
    }
}

extension DirectoryValidation {
    func channel(_ input: CrisisContactInput.Channel, at pointer: String) -> CrisisChannelDraft? {
        guard let kind = CrisisChannelKind(rawValue: input.channel) else {
            fail("\(pointer)/channel", "must be one of: voice, sms, chat, web_report")
            return nil
        }
        let value: String?
        switch kind {
        case .voice, .sms: value = phone(.init(number: input.value), at: "\(pointer)/value")?.number
        case .chat, .webReport: value = url(input.value, at: "\(pointer)/value")
        }
        guard let value else { return nil }
        var draft = CrisisChannelDraft(kind: kind, value: value)
        draft.keyword = text(input.keyword, at: "\(pointer)/keyword", maximum: 100)
        draft.label = text(input.label, at: "\(pointer)/label", maximum: 300)
        draft.hoursNote = text(input.hoursNote, at: "\(pointer)/hours_note", maximum: 1000)
        draft.languages = languages(input.languages ?? [], at: "\(pointer)/languages")
        draft.interpretation = input.interpretation ?? false
        draft.languageNote = text(input.languageNote, at: "\(pointer)/language_note", maximum: 1000)
        draft.whatToExpect = text(input.whatToExpect, at: "\(pointer)/what_to_expect", maximum: 5000)
        if let schedule = input.schedule { draft.schedule = self.schedule(schedule, at: "\(pointer)/schedule") }
        return draft
    }
}
