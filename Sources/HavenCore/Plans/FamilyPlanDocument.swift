import Foundation

/// The plan as the family reads it: warm, plain words, in English or Spanish. Built by the
/// server from the plan's current version and the directory; it never holds internal notes,
/// consent details or anything about another family.
public struct FamilyPlanDocument: Sendable, Equatable {
    public enum Language: String, Sendable, CaseIterable {
        case en, es
    }

    public enum Format: String, Sendable, CaseIterable {
        case html, md
    }

    /// A service the plan refers the family to.
    public struct Service: Sendable, Equatable {
        /// nil when left out for privacy (a shared device and a sensitive service).
        public var name: String?
        public var organization: String?
        public var why: String?
        public var whatToExpect: String?
        public var phones: [String]
        public var url: String?
        public var address: String?
        /// Opening hours, already in words ("Monday–Friday 09:00–17:00"); nil when unknown.
        public var hours: String?
        /// The advocate will connect the family (warm handoff) rather than the family calling.
        public var advocateConnects: Bool

        public init(
            name: String?, organization: String?, why: String?, whatToExpect: String?, phones: [String], url: String?,
            address: String?, hours: String?, advocateConnects: Bool
        ) {
            self.name = name
            self.organization = organization
            self.why = why
            self.whatToExpect = whatToExpect
            self.phones = phones
            self.url = url
            self.address = address
            self.hours = hours
            self.advocateConnects = advocateConnects
        }
    }

    /// A crisis line, with each way to reach it in words ("Call 988 (24/7)").
    public struct CrisisLine: Sendable, Equatable {
        public var name: String
        public var ways: [String]
        public var whatToExpect: String?
        /// Every way to reach it answers round the clock: said once, after the name.
        public var alwaysOpen: Bool

        public init(name: String, ways: [String], whatToExpect: String?, alwaysOpen: Bool = false) {
            self.name = name
            self.ways = ways
            self.whatToExpect = whatToExpect
            self.alwaysOpen = alwaysOpen
        }
    }

    public var language: Language
    public var preparedOn: CalendarDate
    public var goals: [String]
    /// What the family asked for help with, as need names in the document's language.
    public var needs: [String]
    public var services: [Service]
    public var crisisLines: [CrisisLine]
    public var mentorOffered: Bool
    public var safetyNotes: String?
    /// The next check-in, already in words (date, time and channel); nil when none is set.
    public var nextCheckIn: String?

    public init(
        language: Language, preparedOn: CalendarDate, goals: [String], needs: [String], services: [Service],
        crisisLines: [CrisisLine], mentorOffered: Bool, safetyNotes: String?, nextCheckIn: String?
    ) {
        self.language = language
        self.preparedOn = preparedOn
        self.goals = goals
        self.needs = needs
        self.services = services
        self.crisisLines = crisisLines
        self.mentorOffered = mentorOffered
        self.safetyNotes = safetyNotes
        self.nextCheckIn = nextCheckIn
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .html: html()
        case .md: markdown()
        }
    }

    var words: DocumentWords { DocumentWords(language) }

    // MARK: Markdown

    func markdown() -> String {
        let w = words
        var lines: [String] = ["# \(w.title)", "", w.intro, "", "_\(w.preparedOn) \(w.date(preparedOn))_", ""]
        lines += ["## \(w.rightNow)", "", w.rightNowIntro, ""]
        for line in crisisLines {
            let always = line.alwaysOpen ? " (\(w.alwaysOpenShort))" : ""
            lines.append(
                "- **\(Self.markdownText(line.name))**\(always): "
                    + line.ways.map(Self.markdownText).joined(separator: "; "))
            if let expect = line.whatToExpect { lines.append("  \(Self.markdownText(expect))") }
        }
        lines.append("")
        if !goals.isEmpty {
            lines += ["## \(w.goals)", ""] + goals.map { "- \(Self.markdownText($0))" } + [""]
        }
        if !needs.isEmpty {
            lines += ["## \(w.needs)", ""] + needs.map { "- \(Self.markdownText($0))" } + [""]
        }
        if !services.isEmpty {
            lines += ["## \(w.services)", ""]
            for (index, service) in services.enumerated() {
                lines += ["### \(index + 1). \(Self.markdownText(service.name ?? w.nameWithheld))", ""]
                if let organization = service.organization, organization != service.name {
                    lines.append("\(Self.markdownText(organization))  ")
                }
                if let why = service.why { lines.append("**\(w.why):** \(Self.markdownText(why))  ") }
                if let expect = service.whatToExpect { lines.append("**\(w.expect):** \(Self.markdownText(expect))  ") }
                lines.append("**\(w.reach):** \(Self.markdownText(reach(service)))  ")
                if let address = service.address { lines.append("**\(w.address):** \(Self.markdownText(address))  ") }
                lines.append("**\(w.hours):** \(Self.markdownText(service.hours ?? w.hoursUnknown))")
                lines.append("")
            }
        }
        if mentorOffered { lines += ["## \(w.mentor)", "", w.mentorText, ""] }
        if let safetyNotes { lines += ["## \(w.safety)", "", Self.markdownText(safetyNotes), ""] }
        lines += ["## \(w.nextStep)", "", nextCheckIn.map { "\(w.checkIn) \($0)." } ?? w.noCheckIn, ""]
        lines += ["---", "", w.closing, ""]
        return lines.joined(separator: "\n")
    }

    func reach(_ service: Service) -> String {
        let w = words
        var ways = service.phones.map { "\(w.call) \($0)" }
        if let url = service.url { ways.append(url) }
        if ways.isEmpty { ways.append(w.askAdvocate) }
        let text = ways.joined(separator: " · ")
        return service.advocateConnects ? "\(w.advocateConnects) \(text)" : text
    }

    static func markdownText(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\`*_[]<>#|".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped.replacingOccurrences(of: "\n", with: " ")
    }

    // MARK: HTML

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Plain text as HTML paragraphs, line breaks kept.
    static func paragraphs(_ text: String) -> String {
        text.components(separatedBy: "\n\n").map {
            "<p>\(escape($0).replacingOccurrences(of: "\n", with: "<br>"))</p>"
        }
        .joined(separator: "\n")
    }

    /// Self-contained: one file, inline styles, no scripts, fonts, images or links to load.
    /// Dark text on white (contrast above 12:1), one h1, sections under h2, and print styles.
    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;\
        color:#1a1a1a;background:#fff;line-height:1.55;font-size:18px;max-width:42rem;margin:0 auto;padding:1.5rem}
        h1{font-size:2rem;margin:0 0 .5rem}h2{font-size:1.4rem;margin:2rem 0 .5rem;border-bottom:2px solid #2b4a6f;\
        padding-bottom:.2rem}h3{font-size:1.15rem;margin:1.25rem 0 .25rem}
        .now{border:3px solid #8a1c1c;border-radius:8px;padding:1rem 1.25rem;background:#fff7f7}
        .now h2{border:none;margin-top:0;color:#8a1c1c}
        .service{border-left:4px solid #2b4a6f;padding:.25rem 0 .25rem 1rem;margin:1rem 0}
        dl{margin:.25rem 0}dt{font-weight:700}dd{margin:0 0 .4rem 0}
        .muted{color:#4a4a4a}a{color:#1d3f8f}
        @media print{body{font-size:12pt;max-width:none;padding:0}.now{break-inside:avoid}\
        .service{break-inside:avoid}a{color:#000;text-decoration:none}}
        """

    func html() -> String {
        let w = words
        let e = Self.escape
        var body: [String] = []
        body.append("<header>\n<h1>\(e(w.title))</h1>\n<p>\(e(w.intro))</p>")
        body.append("<p class=\"muted\">\(e(w.preparedOn)) \(e(w.date(preparedOn)))</p>\n</header>")
        body.append("<section class=\"now\" aria-labelledby=\"now\">\n<h2 id=\"now\">\(e(w.rightNow))</h2>")
        body.append("<p>\(e(w.rightNowIntro))</p>\n<ul>")
        for line in crisisLines {
            let always = line.alwaysOpen ? " (\(e(w.alwaysOpenShort)))" : ""
            var item = "<li><strong>\(e(line.name))</strong>\(always): \(line.ways.map(e).joined(separator: "; "))"
            if let expect = line.whatToExpect { item += "<br><span class=\"muted\">\(e(expect))</span>" }
            body.append(item + "</li>")
        }
        body.append("</ul>\n</section>")
        if !goals.isEmpty {
            body.append(
                "<section aria-labelledby=\"goals\">\n<h2 id=\"goals\">\(e(w.goals))</h2>\n<ul>\n"
                    + goals.map { "<li>\(e($0))</li>" }.joined(separator: "\n") + "\n</ul>\n</section>")
        }
        if !needs.isEmpty {
            body.append(
                "<section aria-labelledby=\"needs\">\n<h2 id=\"needs\">\(e(w.needs))</h2>\n<ul>\n"
                    + needs.map { "<li>\(e($0))</li>" }.joined(separator: "\n") + "\n</ul>\n</section>")
        }
        if !services.isEmpty {
            body.append("<section aria-labelledby=\"services\">\n<h2 id=\"services\">\(e(w.services))</h2>")
            for (index, service) in services.enumerated() {
                var parts = [
                    "<article class=\"service\">", "<h3>\(index + 1). \(e(service.name ?? w.nameWithheld))</h3>",
                ]
                if let organization = service.organization, organization != service.name {
                    parts.append("<p class=\"muted\">\(e(organization))</p>")
                }
                parts.append("<dl>")
                if let why = service.why { parts.append("<dt>\(e(w.why))</dt><dd>\(e(why))</dd>") }
                if let expect = service.whatToExpect { parts.append("<dt>\(e(w.expect))</dt><dd>\(e(expect))</dd>") }
                parts.append("<dt>\(e(w.reach))</dt><dd>\(e(reach(service)))</dd>")
                if let address = service.address { parts.append("<dt>\(e(w.address))</dt><dd>\(e(address))</dd>") }
                parts.append("<dt>\(e(w.hours))</dt><dd>\(e(service.hours ?? w.hoursUnknown))</dd>")
                parts.append("</dl>\n</article>")
                body.append(parts.joined(separator: "\n"))
            }
            body.append("</section>")
        }
        if mentorOffered {
            body.append(
                "<section aria-labelledby=\"mentor\">\n<h2 id=\"mentor\">\(e(w.mentor))</h2>\n<p>\(e(w.mentorText))</p>\n</section>"
            )
        }
        if let safetyNotes {
            body.append(
                "<section aria-labelledby=\"safety\">\n<h2 id=\"safety\">\(e(w.safety))</h2>\n\(Self.paragraphs(safetyNotes))\n</section>"
            )
        }
        let next = nextCheckIn.map { "\(w.checkIn) \($0)." } ?? w.noCheckIn
        body.append(
            "<section aria-labelledby=\"next\">\n<h2 id=\"next\">\(e(w.nextStep))</h2>\n<p>\(e(next))</p>\n</section>")
        body.append("<footer>\n<p>\(e(w.closing))</p>\n</footer>")
        return """
            <!DOCTYPE html>
            <html lang="\(language.rawValue)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>\(e(w.title))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <main>
            \(body.joined(separator: "\n"))
            </main>
            </body>
            </html>

            """
    }
}

/// Every phrase of the family's document, in English and Spanish: short sentences, no jargon,
/// addressed to the family.
struct DocumentWords {
    let language: FamilyPlanDocument.Language

    init(_ language: FamilyPlanDocument.Language) { self.language = language }

    private func pick(_ en: String, _ es: String) -> String { language == .en ? en : es }

    var title: String { pick("Your plan", "Tu plan") }
    var intro: String {
        pick(
            "We made this plan together. It lists people and places that can help, and how to reach them. You can change any part of it, at any time.",
            "Hicimos este plan juntos. Aquí están las personas y los lugares que pueden ayudar, y cómo comunicarte con ellos. Puedes cambiar cualquier parte, en cualquier momento."
        )
    }
    var preparedOn: String { pick("Prepared on", "Preparado el") }
    var rightNow: String { pick("If you need help right now", "Si necesitas ayuda ahora mismo") }
    var rightNowIntro: String {
        pick(
            "These lines answer when you reach out. If anyone is in danger, call 911.",
            "Estas líneas responden cuando te comunicas. Si alguien está en peligro, llama al 911.")
    }
    var goals: String { pick("What you want", "Lo que quieres lograr") }
    var needs: String { pick("What you asked for help with", "En qué pediste ayuda") }
    var services: String { pick("Services that can help", "Servicios que pueden ayudar") }
    var why: String { pick("Why we chose it", "Por qué lo elegimos") }
    var expect: String { pick("What to expect", "Qué esperar") }
    var reach: String { pick("How to reach them", "Cómo comunicarte") }
    var address: String { pick("Where", "Dónde") }
    var hours: String { pick("When they are open", "Horario") }
    var hoursUnknown: String { pick("Call to ask when they are open.", "Llama para preguntar el horario.") }
    var call: String { pick("Call", "Llama al") }
    var askAdvocate: String { pick("Ask your advocate.", "Pregunta a tu defensora o defensor.") }
    var advocateConnects: String {
        pick("Your advocate will contact them with you.", "Tu defensora o defensor se comunicará con ellos contigo.")
    }
    var nameWithheld: String {
        pick(
            "A service your advocate chose (name left out for your privacy)",
            "Un servicio que eligió tu defensora o defensor (sin nombre, para proteger tu privacidad)")
    }
    var mentor: String {
        pick("Talk with a parent who has been there", "Hablar con alguien que ha pasado por lo mismo")
    }
    var mentorText: String {
        pick(
            "A trained volunteer parent who lived through something similar can talk with you. Tell your advocate if you would like that, now or later.",
            "Una madre o un padre voluntario, con capacitación, que vivió algo parecido puede hablar contigo. Avísale a tu defensora o defensor si lo deseas, ahora o más adelante."
        )
    }
    var safety: String { pick("Staying safe", "Tu seguridad") }
    var nextStep: String { pick("What happens next", "Qué sigue") }
    var checkIn: String { pick("Your advocate will check in", "Tu defensora o defensor se comunicará contigo") }
    var noCheckIn: String {
        pick(
            "Your advocate will agree the next check-in with you.",
            "Tu defensora o defensor acordará contigo el próximo contacto.")
    }
    var closing: String {
        pick(
            "You are not alone. Reach out whenever you need to.",
            "No estás sola ni solo. Comunícate cuando lo necesites.")
    }

    func date(_ date: CalendarDate) -> String {
        let months =
            language == .en
            ? [
                "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December",
            ]
            : [
                "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
                "noviembre", "diciembre",
            ]
        let month = months[max(0, min(11, date.month - 1))]
        return language == .en ? "\(month) \(date.day), \(date.year)" : "\(date.day) de \(month) de \(date.year)"
    }

    func day(_ day: Weekday) -> String {
        let names: [Weekday: (String, String)] = [
            .monday: ("Monday", "lunes"), .tuesday: ("Tuesday", "martes"), .wednesday: ("Wednesday", "miércoles"),
            .thursday: ("Thursday", "jueves"), .friday: ("Friday", "viernes"), .saturday: ("Saturday", "sábado"),
            .sunday: ("Sunday", "domingo"),
        ]
        let pair = names[day] ?? ("", "")
        return language == .en ? pair.0 : pair.1
    }

    func channel(_ channel: ContactChannel) -> String {
        switch channel {
        case .phone: pick("by phone", "por teléfono")
        case .sms: pick("by text message", "por mensaje de texto")
        case .email: pick("by email", "por correo electrónico")
        case .video: pick("by video call", "por videollamada")
        case .inPerson: pick("in person", "en persona")
        }
    }

    var alwaysOpen: String { pick("Open 24 hours, every day", "Abierto las 24 horas, todos los días") }
    var alwaysOpenShort: String { pick("24 hours, every day", "24 horas, todos los días") }
    var at: String { pick("at", "a las") }
}

extension FamilyPlanDocument {
    /// Weekly hours in words: "Monday, Tuesday 09:00–17:00; Saturday 10:00–12:00".
    public static func hours(_ schedule: WeeklySchedule, language: Language) -> String {
        let words = DocumentWords(language)
        if schedule.alwaysOpen { return words.alwaysOpen }
        return schedule.hours.map { hours in
            "\(hours.days.map(words.day).joined(separator: ", ")) \(hours.opens)–\(hours.closes)"
        }
        .joined(separator: "; ")
    }

    /// "on Monday, November 23, 2026 at 18:00, by phone" in the family's time zone.
    public static func checkIn(_ followUp: FollowUp, timeZone: String, language: Language) -> String {
        let words = DocumentWords(language)
        let moment = LocalMoment(followUp.dueAt, timeZone: timeZone)
        let date = CalendarDate(followUp.dueAt, timeZone: timeZone)
        let day = moment.map { words.day($0.weekday) } ?? ""
        let time = moment.map { String(format: "%02d:%02d", $0.minutes / 60, $0.minutes % 60) } ?? ""
        // "on Monday, November 23, 2026" / "el lunes 23 de noviembre de 2026".
        let when = language == .en ? "on \(day), \(words.date(date))" : "el \(day) \(words.date(date))"
        return "\(when) \(words.at) \(time), \(words.channel(followUp.channel))"
    }
}

/// Services whose name alone could tell someone reading over a family's shoulder what the
/// family is going through. On a shared device, the family's document leaves their names out
/// unless the advocate and family choose otherwise.
public enum SensitiveServices {
    /// Needs codes (and everything under them) that make a service sensitive.
    public static let needs: [String] = [
        "safety.domestic-violence", "safety.child-abuse", "mental-health", "medical.forensic-exam",
        "medical.sexual-health", "medical.child-advocacy-center", "legal.protective-orders", "legal.vacatur",
        "victim-services", "law-enforcement.exploitation-report", "housing.emergency-shelter", "housing.youth-shelter",
        "housing.survivor-housing", "substance-use", "lgbtq", "immigration.t-visa", "immigration.u-visa",
    ]

    public static func isSensitive(needs codes: [String], confidentialLocation: Bool) -> Bool {
        confidentialLocation || codes.contains(where: isSensitive(need:))
    }

    /// Whether naming this need could tell someone reading over the family's shoulder what they
    /// are going through.
    public static func isSensitive(need code: String) -> Bool {
        needs.contains { code == $0 || code.hasPrefix($0 + ".") }
    }
}
