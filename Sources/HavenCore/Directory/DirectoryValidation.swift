import Foundation

/// The field checks every directory record shares. Each check reports its own `FieldError`s
/// and returns the cleaned value, or nil when the value is unusable.
struct DirectoryValidation {
    let errors: (FieldError) -> Void

    func fail(_ pointer: String, _ detail: String) { errors(FieldError(pointer: pointer, detail: detail)) }

    func text(_ value: String?, at pointer: String, maximum: Int, required: Bool = false) -> String? {
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if trimmed.isEmpty {
            if required { fail(pointer, "must not be empty") }
            return nil
        }
        if trimmed.count > maximum {
            fail(pointer, "must be at most \(maximum) characters")
            return nil
        }
        if trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" }) {
            fail(pointer, "must not contain control characters")
            return nil
        }
        return trimmed
    }

    func uuid(_ value: String, at pointer: String) -> UUID? {
        guard let id = UUID(uuidString: value) else {
            fail(pointer, "must be a UUID")
            return nil
        }
        return id
    }

    func url(_ value: String?, at pointer: String) -> String? {
        guard let value = text(value, at: pointer, maximum: 2000) else { return nil }
        guard let components = URLComponents(string: value),
            ["http", "https"].contains(components.scheme?.lowercased()),
            components.host?.isEmpty == false
        else {
            fail(pointer, "must be an http or https URL")
            return nil
        }
        return value
    }

    func email(_ value: String?, at pointer: String) -> String? {
        guard let value = text(value, at: pointer, maximum: 320) else { return nil }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasSuffix("."),
            !value.contains(where: \.isWhitespace)
        else {
            fail(pointer, "must be an email address")
            return nil
        }
        return value
    }

    func taxonomyCodes(_ codes: [String], at pointer: String) -> [String] {
        var result: [String] = []
        for (index, code) in codes.enumerated() {
            if TaxonomyCode.isValid(code) {
                if !result.contains(code) { result.append(code) }
            } else {
                fail("\(pointer)/\(index)", "'\(code.prefix(60))' is not a taxonomy code")
            }
        }
        return result
    }

    func languages(_ codes: [String], at pointer: String) -> [String] {
        var result: [String] = []
        for (index, raw) in codes.enumerated() {
            let code = raw.lowercased()
            if LanguageCodes.isKnown(code) {
                if !result.contains(code) { result.append(code) }
            } else {
                fail("\(pointer)/\(index)", "'\(raw.prefix(20))' is not an ISO 639 language code")
            }
        }
        return result
    }

    func phone(_ phone: ServiceInput.Phone, at pointer: String) -> PhoneDraft? {
        let digits = phone.number.filter(\.isNumber)
        let allowed = CharacterSet(charactersIn: "0123456789+-(). ")
        guard (3...15).contains(digits.count), phone.number.unicodeScalars.allSatisfy(allowed.contains) else {
            fail("\(pointer)/number", "must be a phone number (3–15 digits, e.g. +13125550123 or 988)")
            return nil
        }
        return PhoneDraft(
            number: phone.number.trimmingCharacters(in: .whitespaces),
            type: text(phone.type, at: "\(pointer)/type", maximum: 50),
            description: text(phone.description, at: "\(pointer)/description", maximum: 500))
    }

    /// Weekly windows a person can talk (a volunteer's availability, a family's preferred or
    /// safe hours): days and times, each window checked on its own.
    func weeklyHours(_ rows: [ServiceInput.Hours], at pointer: String) -> [OpeningHours] {
        var hours: [OpeningHours] = []
        for (index, row) in rows.enumerated() {
            let here = "\(pointer)/\(index)"
            let days = Weekday.parseList(row.byday)
            let opens = LocalTime(row.opensAt)
            let closes = LocalTime(row.closesAt)
            if days == nil { fail("\(here)/byday", "must list days as MO,TU,WE,TH,FR,SA,SU") }
            if opens == nil { fail("\(here)/opens_at", "must be a time HH:MM") }
            if closes == nil { fail("\(here)/closes_at", "must be a time HH:MM") }
            guard let days, let opens, let closes else { continue }
            if opens == closes {
                fail("\(here)/closes_at", "must differ from opens_at")
            } else {
                hours.append(OpeningHours(days: days, opens: opens, closes: closes))
            }
        }
        return hours
    }

    func schedule(_ input: ServiceInput.Schedule, at pointer: String) -> WeeklySchedule? {
        var valid = true
        if let problem = WeeklySchedule.timeZoneProblem(input.timeZone) {
            fail("\(pointer)/time_zone", problem)
            valid = false
        }
        var hours: [OpeningHours] = []
        for (index, row) in (input.hours ?? []).enumerated() {
            let here = "\(pointer)/hours/\(index)"
            let days = Weekday.parseList(row.byday)
            let opens = LocalTime(row.opensAt)
            let closes = LocalTime(row.closesAt)
            if days == nil { fail("\(here)/byday", "must list days as MO,TU,WE,TH,FR,SA,SU") }
            if opens == nil || opens?.minutes == 1440 {
                fail("\(here)/opens_at", "must be a time HH:MM from 00:00 to 23:59")
            }
            if closes == nil { fail("\(here)/closes_at", "must be a time HH:MM from 00:00 to 24:00") }
            if let opens, let closes, opens == closes {
                fail("\(here)/closes_at", "must differ from opens_at (use open_24_7 for round-the-clock)")
            }
            if let days, let opens, let closes, opens.minutes < 1440, opens != closes {
                hours.append(OpeningHours(days: days, opens: opens, closes: closes))
            } else {
                valid = false
            }
        }
        let alwaysOpen = input.open247 ?? false
        if alwaysOpen && !hours.isEmpty {
            fail("\(pointer)/hours", "must be empty when open_24_7 is true")
            valid = false
        }
        if !alwaysOpen && hours.isEmpty && (input.hours ?? []).isEmpty {
            fail("\(pointer)/hours", "must list opening hours, or set open_24_7")
            valid = false
        }
        var exceptions: [ScheduleException] = []
        for (index, row) in (input.exceptions ?? []).enumerated() {
            let here = "\(pointer)/exceptions/\(index)"
            let starts = CalendarDate(row.startsOn)
            let ends = row.endsOn.map(CalendarDate.init) ?? starts
            if starts == nil { fail("\(here)/starts_on", "must be a date YYYY-MM-DD") }
            if ends == nil { fail("\(here)/ends_on", "must be a date YYYY-MM-DD") }
            if let starts, let ends, ends < starts { fail("\(here)/ends_on", "must not be before starts_on") }
            let closed = row.closed ?? (row.opensAt == nil)
            let opens = row.opensAt.flatMap(LocalTime.init)
            let closes = row.closesAt.flatMap(LocalTime.init)
            if !closed && (opens == nil || closes == nil) {
                fail("\(here)/opens_at", "special hours need opens_at and closes_at as HH:MM")
            }
            // Equal times read as open all day: almost always a typo for a short opening.
            if !closed, let opens, opens == closes {
                fail("\(here)/closes_at", "must differ from opens_at")
                valid = false
            }
            guard let starts, let ends, starts <= ends, closed || (opens != nil && closes != nil) else {
                valid = false
                continue
            }
            // Closed and open on the same day cannot both be true; two openings on one day can.
            if let clash = exceptions.firstIndex(where: { other in
                other.startsOn <= ends && starts <= other.endsOn && (other.closed || closed)
            }) {
                fail("\(here)/starts_on", "overlaps exception \(clash): a day is either closed or has special hours")
                valid = false
            }
            exceptions.append(
                ScheduleException(
                    startsOn: starts, endsOn: ends, closed: closed, opens: opens, closes: closes,
                    reason: text(row.reason, at: "\(here)/reason", maximum: 300)))
        }
        guard valid else { return nil }
        return WeeklySchedule(timeZone: input.timeZone, alwaysOpen: alwaysOpen, hours: hours, exceptions: exceptions)
    }

    func serviceArea(_ area: ServiceInput.Area, at pointer: String) -> ServiceArea? {
        switch area.kind {
        case "national":
            return .national
        case "state":
            let states = (area.states ?? []).map { $0.uppercased() }
            let unknown = states.filter { !USStates.codes.contains($0) }
            guard !states.isEmpty, unknown.isEmpty else {
                fail(
                    "\(pointer)/states",
                    states.isEmpty
                        ? "must list at least one state" : "unknown state code(s): \(unknown.joined(separator: ", "))")
                return nil
            }
            return .states(states)
        case "county":
            let counties = area.counties ?? []
            let malformed = counties.filter { county in
                let parts = county.split(separator: ":", maxSplits: 1)
                return parts.count != 2 || !USStates.codes.contains(String(parts[0])) || parts[1].isEmpty
            }
            guard !counties.isEmpty, malformed.isEmpty else {
                fail("\(pointer)/counties", "must list counties as STATE:County name, e.g. IL:Cook County")
                return nil
            }
            return .counties(counties)
        case "zip":
            let zips = (area.zipCodes ?? []).map { ($0, ZIPCode($0)) }
            let malformed = zips.filter { $0.1 == nil }.map(\.0)
            guard !zips.isEmpty, malformed.isEmpty else {
                fail(
                    "\(pointer)/zip_codes",
                    zips.isEmpty
                        ? "must list at least one ZIP code"
                        : "not ZIP codes: \(malformed.prefix(5).joined(separator: ", "))")
                return nil
            }
            return .zipCodes(zips.compactMap(\.1))
        case "radius":
            guard let radius = area.radiusKm, radius > 0, radius <= 1000 else {
                fail("\(pointer)/radius_km", "must be a distance in kilometres, above 0 and at most 1000")
                return nil
            }
            return .radius(kilometres: radius)
        case "polygon":
            guard let extent = area.extent, let data = extent.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let type = object["type"] as? String, ["Polygon", "MultiPolygon"].contains(type)
            else {
                fail("\(pointer)/extent", "must be a GeoJSON Polygon or MultiPolygon")
                return nil
            }
            return .polygon(geoJSON: extent)
        default:
            fail("\(pointer)/kind", "must be one of: national, state, county, zip, radius, polygon")
            return nil
        }
    }

    func cost(_ cost: ServiceInput.Cost, at pointer: String) -> CostOptionDraft? {
        if let amount = cost.amount, amount < 0 || !amount.isFinite {
            fail("\(pointer)/amount", "must not be negative")
            return nil
        }
        if let currency = cost.currency, currency.count != 3 || !currency.allSatisfy(\.isUppercase) {
            fail("\(pointer)/currency", "must be an ISO 4217 code such as USD")
            return nil
        }
        return CostOptionDraft(
            option: text(cost.option, at: "\(pointer)/option", maximum: 500), amount: cost.amount,
            currency: cost.currency,
            amountDescription: text(cost.amountDescription, at: "\(pointer)/amount_description", maximum: 500))
    }
}

/// Every bad field of one request.
public struct ValidationFailure: Error, Sendable, Equatable {
    public var errors: [FieldError]

    public init(errors: [FieldError]) { self.errors = errors }
}

/// USPS codes of the states, DC and the territories in the ZIP table.
public enum USStates {
    public static let codes: Set<String> = [
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
        "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK",
        "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "PR", "VI", "GU",
        "AS", "MP",
    ]
}

/// ISO 639-1 codes, and the ISO 639-2/3 codes US services commonly list that have no
/// two-letter code (American Sign Language, Hmong, Cantonese, Navajo, Cherokee and more).
public enum LanguageCodes {
    public static func isKnown(_ code: String) -> Bool { twoLetter.contains(code) || threeLetter.contains(code) }

    static let twoLetter: Set<String> = Set(
        """
        aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee \
        el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is \
        it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms \
        mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk \
        sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi \
        yo za zh zu
        """.split(separator: " ").map(String.init))

    static let threeLetter: Set<String> = [
        "ase", "hmn", "yue", "cmn", "chr", "nav", "haw", "smo", "chk", "mah", "kar", "kin", "prs", "tir", "fil",
        "ilo", "ceb", "mxb", "mam", "quc", "kjb", "yua", "cak", "ote", "zap", "mix", "nah", "que", "grn", "lkt",
        "ojb", "cre", "esu", "ipk", "ain",
    ]
}
