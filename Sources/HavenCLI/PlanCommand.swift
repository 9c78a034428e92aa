import ArgumentParser
import Foundation
import HavenAPI
import HavenClient
import HavenCore

/// `haven plan …`: advocates build a family's referral plan, check its words and export the
/// family's document.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Build a family's referral plan, check its language, and export the family's document.",
        discussion: """
            Advocate or admin of the family's organization. Every change is saved as a new version \
            (the command sends the version it read; if someone saved first, it stops with 412 and \
            changes nothing). Language warnings never block saving. See docs/plans.md.
            """,
        subcommands: [
            Create.self, Show.self, Check.self, Edit.self, ReferralCommand.self, FollowUpCommand.self, Export.self,
        ])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draft a plan: services per need from search, crisis lines, and a mentor offer.")
        @Option(help: "The family's id.") var family: String
        @Option(help: "A goal in the family's own words (repeat for more).") var goal: [String] = []
        @Option(help: "Services suggested per need, 0–5.") var perNeed: Int?
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let plan = try await api().createPlan(family: family, goals: goal, servicesPerNeed: perNeed)
            if output.json { return say(try jsonText(plan)) }
            PlanText.print(plan)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a plan (its current or an earlier version).")
        @Argument(help: "The plan's id.") var id: String
        @Option(help: "An earlier version's number.") var version: Int?
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let (plan, _) = try await api().plan(id, version: version)
            if output.json { return say(try jsonText(plan)) }
            PlanText.print(plan)
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the trauma-informed language check on a plan's text.",
            discussion:
                "Lists each flagged word with where it is, the preferred words and why. Exit status 0 either way.")
        @Argument(help: "The plan's id.") var id: String
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let (plan, _) = try await api().plan(id)
            if output.json { return say(try jsonText(plan.languageWarnings)) }
            if plan.languageWarnings.isEmpty { return say("No language warnings in version \(plan.version).") }
            PlanText.warnings(plan.languageWarnings)
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a plan's goals, notes or mentor offer; saved as a new version.")
        @Argument(help: "The plan's id.") var id: String
        @Option(help: "Replace the goals (repeat for several), in the family's own words.") var goal: [String] = []
        @Option(help: "Safety notes, written for the family (they appear in the document).") var safetyNotes: String?
        @Option(help: "Notes for your organization only (never in the document).") var internalNotes: String?
        @Option(help: "Offer a peer mentor: yes or no.") var mentorOffer: YesNo?
        @Option(help: "Name sensitive services in the document of a family on a shared device: yes or no.")
        var showSensitiveNames: YesNo?
        @Option(
            help:
                "Replace the crisis lines shown to the family (a crisis contact's id; repeat, in order). See haven crisis --zip … --json."
        )
        var crisisLine: [String] = []

        func run() async throws {
            try await PlanEditing.edit(id) { input in
                if !goal.isEmpty { input.goals = goal }
                if let safetyNotes { input.safetyNotes = safetyNotes.isEmpty ? nil : safetyNotes }
                if let internalNotes { input.internalNotes = internalNotes.isEmpty ? nil : internalNotes }
                if let mentorOffer { input.mentorOffer = mentorOffer.bool }
                if let showSensitiveNames { input.showSensitiveNames = showSensitiveNames.bool }
                if !crisisLine.isEmpty { input.crisisContactIds = crisisLine }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the family's document (HTML or Markdown, English or Spanish).")
        @Argument(help: "The plan's id.") var id: String
        @Option(help: "html or md.") var format = "html"
        @Option(help: "en or es.") var lang = "en"
        @Flag(help: "Name sensitive services even though the family shares a device (their explicit choice).")
        var showSensitiveNames = false
        @Option(name: .shortAndLong, help: "Write to this file (default: standard output).") var output: String?

        func run() async throws {
            let text = try await api().planDocument(
                id, format: format, language: lang, showSensitiveNames: showSensitiveNames ? true : nil)
            guard let output else { return FileHandle.standardOutput.write(Data(text.utf8)) }
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw ConfigurationError("cannot write \(output): \(error.localizedDescription)")
            }
            say("Wrote \(output).")
        }
    }

    struct ReferralCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "referral", abstract: "Add, change, move or remove a plan's referrals.",
            subcommands: [Add.self, Change.self, Remove.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Refer the family to a service.")
            @Argument(help: "The plan's id.") var id: String
            @Option(help: "The service's id.") var service: String
            @OptionGroup var details: ReferralDetails

            func run() async throws {
                try await PlanEditing.edit(id) { input in
                    var referral = Components.Schemas.ReferralInput(serviceId: service)
                    try details.apply(to: &referral)
                    var referrals = input.referrals ?? []
                    referrals.insert(
                        referral, at: min(max((details.position ?? referrals.count + 1) - 1, 0), referrals.count))
                    input.referrals = referrals
                }
            }
        }

        struct Change: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "edit", abstract: "Change a referral's words, handoff, sharing, follow-up or place.")
            @Argument(help: "The plan's id.") var id: String
            @Option(help: "The referral's id.") var referral: String
            @OptionGroup var details: ReferralDetails

            func run() async throws {
                try await PlanEditing.edit(id) { input in
                    var referrals = input.referrals ?? []
                    guard let index = referrals.firstIndex(where: { $0.id == referral }) else {
                        throw ConfigurationError("the plan has no referral \(referral)")
                    }
                    var changed = referrals.remove(at: index)
                    try details.apply(to: &changed)
                    let position = details.position.map { min(max($0 - 1, 0), referrals.count) } ?? index
                    referrals.insert(changed, at: position)
                    input.referrals = referrals
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Take a referral out of the plan (one that went out must be withdrawn or closed first).")
            @Argument(help: "The plan's id.") var id: String
            @Option(help: "The referral's id.") var referral: String

            func run() async throws {
                try await PlanEditing.edit(id) { input in
                    let before = input.referrals?.count ?? 0
                    input.referrals = input.referrals?.filter { $0.id != referral }
                    if input.referrals?.count == before {
                        throw ConfigurationError("the plan has no referral \(referral)")
                    }
                }
            }
        }
    }

    struct FollowUpCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "followup", abstract: "Schedule, move or mark done a check-in with the family.",
            discussion: """
                A new or moved check-in is refused (422) outside the family's safe times or on a \
                channel they do not allow. One that stopped fitting when the family's preferences \
                changed (`haven followups` warns) does not block other edits: move it.
                """,
            subcommands: [Add.self, Move.self, Done.self])

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a check-in to the plan.")
            @Argument(help: "The plan's id.") var id: String
            @Option(help: "When, ISO 8601 with a zone (2026-11-23T18:00:00-06:00).") var at: String
            @Option(help: "phone, sms, email, video or in-person.") var channel: String
            @Option(help: "What the check-in is for.") var note: String?

            func run() async throws {
                let due = try PlanEditing.date(at, option: "--at")
                try await PlanEditing.edit(id) { input in
                    input.followUps = (input.followUps ?? []) + [.init(dueAt: due, channel: channel, note: note)]
                }
            }
        }

        struct Move: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Move a check-in to another time (and channel), inside the family's safe times.")
            @Argument(help: "The plan's id.") var id: String
            @Argument(help: "The check-in's number, as `haven plan show` lists it.") var number: Int
            @Option(help: "The new time, ISO 8601 with a zone (2026-11-23T18:00:00-06:00).") var at: String
            @Option(help: "A new channel: phone, sms, email, video or in-person.") var channel: String?

            func run() async throws {
                let due = try PlanEditing.date(at, option: "--at")
                try await PlanEditing.edit(id) { input in
                    try CheckIns.move(number, to: due, channel: channel, in: &input)
                }
            }
        }

        struct Done: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Mark a check-in done: it stays in the plan and leaves `haven followups`.")
            @Argument(help: "The plan's id.") var id: String
            @Argument(help: "The check-in's number, as `haven plan show` lists it.") var number: Int
            @Option(help: "When it happened, ISO 8601 with a zone (default: now).") var at: String?

            func run() async throws {
                let done = try at.map { try PlanEditing.date($0, option: "--at") } ?? Date()
                try await PlanEditing.edit(id) { input in
                    try CheckIns.markDone(number, at: done, in: &input)
                }
            }
        }
    }
}

/// A plan's check-ins numbered as `haven plan show` lists them: each referral's, in the
/// referrals' order, then the plan's own.
enum CheckIns {
    enum Place: Equatable {
        case referral(Int)
        case plan(Int)
    }

    static func places(referrals: [Bool], planCheckIns: Int) -> [Place] {
        referrals.enumerated().compactMap { $0.element ? .referral($0.offset) : nil }
            + (0..<planCheckIns).map(Place.plan)
    }

    /// The number `haven plan show` gives a check-in, counting from 1.
    static func number(of place: Place, in places: [Place]) -> Int? {
        places.firstIndex(of: place).map { $0 + 1 }
    }

    static func markDone(_ number: Int, at moment: Date, in input: inout Components.Schemas.PlanInput) throws {
        try change(number, in: &input) { $0.doneAt = moment }
    }

    static func move(
        _ number: Int, to due: Date, channel: String?, in input: inout Components.Schemas.PlanInput
    ) throws {
        try change(number, in: &input) { followUp in
            followUp.dueAt = due
            if let channel { followUp.channel = channel }
        }
    }

    /// Changes check-in `number`, as `haven plan show` numbers it; one already done is a record
    /// and stays as it was.
    private static func change(
        _ number: Int, in input: inout Components.Schemas.PlanInput,
        _ change: (inout Components.Schemas.FollowUpInput) -> Void
    ) throws {
        let referrals = input.referrals ?? []
        let places = places(referrals: referrals.map { $0.followUp != nil }, planCheckIns: input.followUps?.count ?? 0)
        guard places.indices.contains(number - 1) else {
            throw ValidationError(
                places.isEmpty
                    ? "This plan has no check-ins."
                    : "There is no check-in \(number): `haven plan show` numbers them 1 to \(places.count).")
        }
        switch places[number - 1] {
        case .referral(let index):
            guard var followUp = input.referrals?[index].followUp, followUp.doneAt == nil else {
                throw ValidationError("Check-in \(number) is already done.")
            }
            change(&followUp)
            input.referrals?[index].followUp = followUp
        case .plan(let index):
            guard var followUp = input.followUps?[index], followUp.doneAt == nil else {
                throw ValidationError("Check-in \(number) is already done.")
            }
            change(&followUp)
            input.followUps?[index] = followUp
        }
    }
}

/// The options a referral is described with.
struct ReferralDetails: ParsableArguments {
    @Option(help: "Why this service, for the family.") var reason: String?
    @Option(help: "What the family can expect.") var expect: String?
    @Option(help: "warm (you connect the family; needs consent) or self-referral.") var handoff: String?
    @Option(help: "What a warm handoff shares: contact, needs, situation, children, safety (repeat).")
    var share: [String] = []
    @Option(help: "Its place in the plan, from 1.") var position: Int?
    @Option(help: "A check-in about this referral, ISO 8601 with a zone.") var followUpAt: String?
    @Option(help: "The check-in's channel.") var followUpChannel = "phone"

    func apply(to referral: inout Components.Schemas.ReferralInput) throws {
        if let reason { referral.reason = reason }
        if let expect { referral.whatToExpect = expect }
        if let handoff { referral.handoff = handoff }
        if !share.isEmpty { referral.share = share }
        if referral.handoff == "self-referral" { referral.share = nil }
        if let followUpAt {
            referral.followUp = .init(
                dueAt: try PlanEditing.date(followUpAt, option: "--follow-up-at"), channel: followUpChannel)
        }
    }
}

/// Read the plan, change it, save it under the version read.
enum PlanEditing {
    static func edit(_ id: String, _ change: (inout Components.Schemas.PlanInput) throws -> Void) async throws {
        let api = try api()
        let (plan, eTag) = try await api.plan(id)
        var input = self.input(from: plan)
        try change(&input)
        let saved = try await api.replacePlan(id, ifMatch: eTag ?? "\"v\(plan.version)\"", input)
        say("Saved version \(saved.version).")
        PlanText.print(saved)
    }

    /// The editable part of a plan, as the API takes it back.
    static func input(from plan: Components.Schemas.Plan) -> Components.Schemas.PlanInput {
        .init(
            goals: plan.goals, needs: plan.needs,
            referrals: plan.referrals.map {
                .init(
                    id: $0.id, serviceId: $0.serviceId, reason: $0.reason, whatToExpect: $0.whatToExpect,
                    handoff: $0.handoff, share: $0.handoff == "warm" ? $0.share : nil,
                    followUp: $0.followUp.map(Self.input))
            },
            safetyNotes: plan.safetyNotes, internalNotes: plan.internalNotes,
            followUps: plan.followUps.map(Self.input),
            mentorOffer: plan.mentor.offered, showSensitiveNames: plan.showSensitiveNames,
            crisisContactIds: plan.crisisContacts.map(\.id))
    }

    /// A check-in as the API takes it back, done or not.
    static func input(_ followUp: Components.Schemas.FollowUp) -> Components.Schemas.FollowUpInput {
        .init(dueAt: followUp.dueAt, channel: followUp.channel, note: followUp.note, doneAt: followUp.doneAt)
    }

    static func date(_ text: String, option: String) throws -> Date {
        guard let date = ISO8601DateFormatter().date(from: text) else {
            throw ValidationError("\(option) must be an ISO 8601 date-time with a zone, e.g. 2026-11-23T18:00:00-06:00")
        }
        return date
    }
}

enum PlanText {
    /// "2026-11-23 18:00 America/Chicago": in the family's zone when known, else UTC.
    static func moment(_ date: Date, timeZone: String = "UTC") -> String {
        let zone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let day = String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        return "\(day) \(String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0)) \(timeZone)"
    }

    static func print(_ plan: Components.Schemas.Plan) {
        say(
            "Plan \(plan.id), version \(plan.version)"
                + (plan.currentVersion.map { $0 != plan.version ? " of \($0)" : "" } ?? ""))
        if !plan.goals.isEmpty {
            say("Goals")
            for goal in plan.goals { say("  - \(goal)") }
        }
        say("Referrals")
        if plan.referrals.isEmpty { say("  none yet: haven plan referral add \(plan.id) --service …") }
        let rows = plan.referrals.enumerated().map { index, referral in
            [
                "\(index + 1)", referral.serviceName, referral.recipientName, referral.handoff, referral.status,
                referral.reason ?? (referral.searchReasons ?? []).joined(separator: "; "),
            ]
        }
        let checkIns = CheckIns.places(
            referrals: plan.referrals.map { $0.followUp != nil }, planCheckIns: plan.followUps.count)
        if !rows.isEmpty {
            say(Table.render(header: ["#", "SERVICE", "ORGANIZATION", "HANDOFF", "STATUS", "WHY"], rows))
            for (index, referral) in plan.referrals.enumerated() {
                say("  \(referral.serviceName): referral \(referral.id)")
                for problem in referral.consentProblems ?? [] { say("    cannot be sent yet: \(problem)") }
                if let followUp = referral.followUp, let number = CheckIns.number(of: .referral(index), in: checkIns) {
                    say("    check-in \(number): \(Self.checkIn(followUp))")
                }
            }
        }
        say("Crisis lines (always in the plan)")
        for line in plan.crisisContacts { say("  - \(line.name) (\(line.reachesBy))") }
        say("Peer mentor  " + (plan.mentor.offered ? "offered" : "not offered"))
        if let notes = plan.safetyNotes { say("Safety notes  \(notes)") }
        if let notes = plan.internalNotes { say("Internal notes  \(notes)") }
        for (index, followUp) in plan.followUps.enumerated() {
            if let number = CheckIns.number(of: .plan(index), in: checkIns) {
                say("Check-in \(number): \(Self.checkIn(followUp))")
            }
        }
        if !plan.languageWarnings.isEmpty { warnings(plan.languageWarnings) }
    }

    /// "2026-11-23 18:00 UTC by phone  Ask how it went  (done 2026-11-23 18:20 UTC)"
    static func checkIn(_ followUp: Components.Schemas.FollowUp) -> String {
        var line = "\(moment(followUp.dueAt)) by \(followUp.channel)"
        if let note = followUp.note { line += "  \(note)" }
        if let done = followUp.doneAt { line += "  (done \(moment(done)))" }
        return line
    }

    static func warnings(_ warnings: [Components.Schemas.LanguageWarning]) {
        say("Language warnings (the plan is saved; consider rewording)")
        for warning in warnings {
            say("  \(warning.pointer): \"\(warning.found)\" → \(warning.prefer) [\(warning.severity)]")
            say("      \(warning.basis)")
        }
    }
}

/// `haven consent …`: record what a family agrees to share, with whom, why, and until when.
struct ConsentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent",
        abstract: "Record, list and revoke a family's consents to share information.",
        discussion: """
            A warm handoff goes out only under an active consent that names the recipient \
            organization, the purpose and every category it shares. Revocation takes effect at once.
            """,
        subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a consent the family gave.")
        @Option(help: "The family's id.") var family: String
        @Option(help: "Who gave it, as the family wants them named (no legal name needed).") var givenBy: String
        @Option(help: "parent, guardian, caregiver, grandparent, sibling, self or other.") var relationship: String
        @Option(help: "The organization it lets Haven share with (its id).") var recipient: String
        @Option(help: "service-referral, peer-support or case-coordination (repeat).") var purpose: [String]
        @Option(help: "contact, needs, situation, children or safety (repeat).") var category: [String]
        @Option(help: "The last day it counts, YYYY-MM-DD (at most a year away).") var expires: String

        func run() async throws {
            guard CalendarDate(expires) != nil else { throw ValidationError("--expires must be a date YYYY-MM-DD") }
            let consent = try await api().createConsent(
                family: family,
                .init(
                    givenBy: givenBy, relationship: relationship, recipientOrganizationId: recipient,
                    purposes: purpose, categories: category, expiresOn: expires))
            say("Recorded consent \(consent.id), active until \(consent.expiresOn).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A family's consents, newest first.")
        @Option(help: "The family's id.") var family: String
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let consents = try await api().consents(family: family)
            if output.json { return say(try jsonText(consents)) }
            let rows = consents.map {
                [
                    $0.id, $0.active ? "active" : ($0.revokedAt != nil ? "revoked" : "ended"),
                    $0.recipientOrganizationId,
                    $0.purposes.joined(separator: ","), $0.categories.joined(separator: ","), "\($0.expiresOn)",
                ]
            }
            say(Table.render(header: ["ID", "STATE", "RECIPIENT", "PURPOSES", "CATEGORIES", "UNTIL"], rows))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a consent, from this moment.")
        @Argument(help: "The consent's id.") var id: String

        func run() async throws {
            let consent = try await api().revokeConsent(id)
            say("Revoked consent \(consent.id); nothing more is shared under it.")
        }
    }
}

/// `haven referrals …`: follow referrals through; partners answer the ones sent to them.
struct ReferralsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "referrals",
        abstract: "List referrals and move them on (send, accept, decline, connect, close, withdraw).",
        discussion: """
            Advocates see their organization's referrals and send them (a warm handoff needs consent). \
            Partners see the warm handoffs sent to their organization, with only the family \
            information a consent covers, and accept, decline, connect or close them.
            """,
        subcommands: [List.self, Show.self, Move.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Referrals, most recently changed first.")
        @Option(help: "Only this status.") var status: String?
        @Option(help: "Page size, 1–100.") var limit: Int?
        @Option(help: "The next page's cursor.") var cursor: String?
        @OptionGroup var output: ClientOutputOptions

        func run() async throws {
            let page = try await api().referrals(status: status, limit: limit, cursor: cursor)
            if output.json { return say(try jsonText(page)) }
            let rows = page.data.map {
                [
                    $0.id, $0.serviceName, $0.recipientName, $0.handoff, $0.status,
                    $0.family.categories.joined(separator: ","),
                ]
            }
            say(Table.render(header: ["ID", "SERVICE", "RECIPIENT", "HANDOFF", "STATUS", "SHARED"], rows))
            if let next = page.nextCursor { say("More: --cursor \(next)") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One referral, with what it shares.")
        @Argument(help: "The referral's id.") var id: String

        func run() async throws { say(try jsonText(try await api().referral(id))) }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "move", abstract: "Move a referral: sent, accepted, declined, connected, closed or withdrawn.")
        @Argument(help: "The referral's id.") var id: String
        @Option(help: "The new status.") var to: String
        @Option(help: "Why it was declined.") var reason: String?
        @Option(help: "How it ended (to close or withdraw).") var outcome: String?

        func run() async throws {
            let referral = try await api().moveReferral(id, to: to, reason: reason, outcome: outcome)
            say("Referral to \(referral.serviceName) is \(referral.status).")
        }
    }
}

/// `haven followups`: what the specialist must do next, within each family's safe times.
struct FollowUpsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "followups", abstract: "Check-ins due soon, soonest first, with each family's safe times.")
    @Option(help: "Due within this many days (default 7).") var days: Int?
    @Option(help: "Page size, 1–100.") var limit: Int?
    @OptionGroup var output: ClientOutputOptions

    func run() async throws {
        let before = days.map { Date().addingTimeInterval(Double($0) * 86_400) }
        let due = try await api().followUps(dueBefore: before, limit: limit)
        if output.json { return say(try jsonText(due)) }
        if due.isEmpty { return say("Nothing due.") }
        let rows = due.map {
            [
                PlanText.moment($0.dueAt, timeZone: $0.timeZone), $0.familyReference, $0.channel, $0.serviceName ?? "",
                $0.note ?? "", $0.safeTimes ?? "any time",
            ]
        }
        say(Table.render(header: ["DUE", "FAMILY", "CHANNEL", "ABOUT", "NOTE", "SAFE TIMES"], rows))
        for item in due {
            if item.noTexts { say("  \(item.familyReference): no text messages.") }
            if item.sharedDevice { say("  \(item.familyReference): shares a device; keep messages discreet.") }
            if let note = item.callbackNote { say("  \(item.familyReference): if someone else answers: \(note)") }
            if let warning = item.warning { say("  \(item.familyReference): WARNING \(warning); reschedule it.") }
        }
    }
}

private func api() throws -> HavenAPIClient {
    HavenAPIClient(login: try ClientLogin.resolve(file: .standard()))
}
