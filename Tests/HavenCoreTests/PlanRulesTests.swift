import Foundation
import Testing

@testable import HavenCore

@Suite("Plan rules: language check, consent gate, safe contact")
struct PlanRulesTests {
    static let guide = LanguageGuide(rules: [
        LanguageRule(
            patterns: ["child prostitute", "teen prostitute"], prefer: "child sex trafficking victim or survivor",
            severity: .avoid, basis: "A child cannot consent"),
        LanguageRule(patterns: ["john", "johns"], prefer: "buyer", severity: .avoid, basis: "NCMEC"),
        LanguageRule(patterns: ["pimp"], prefer: "trafficker", severity: .avoid, basis: "NCMEC"),
        LanguageRule(
            patterns: ["non-compliant", "noncompliant"], prefer: "describe the unmet need", severity: .review,
            basis: "SAMHSA"),
        LanguageRule(
            patterns: ["a runaway", "runaways"], prefer: "youth who has run away", severity: .review, basis: "NCMEC"),
        LanguageRule(
            patterns: ["addict"], prefer: "person who uses substances", severity: .avoid, basis: "Person-first"),
        LanguageRule(
            patterns: ["put herself in", "put themselves in"], prefer: "describe the exploiter's actions",
            severity: .review, basis: "Survivor-centred"),
    ])

    @Test("listed words and phrases are flagged with the preferred wording, whole words only, any case")
    func languageCheck() {
        let text = "Maya was treated as a Teen Prostitute; the PIMP and his johns were arrested. She was non compliant."
        let findings = Self.guide.check(text)
        #expect(findings.map(\.found) == ["Teen Prostitute", "PIMP", "johns", "non compliant"])
        #expect(findings[0].prefer == "child sex trafficking victim or survivor")
        #expect(findings[0].severity == .avoid)
        #expect(findings[3].severity == .review)
        let first = findings[0]
        let start = text.index(text.startIndex, offsetBy: first.offset)
        #expect(text[start..<text.index(start, offsetBy: first.length)] == "Teen Prostitute")
        #expect(Self.guide.check("She put herself in danger.").map(\.found) == ["put herself in"])
        #expect(Self.guide.check("He is a runaway.").map(\.found) == ["a runaway"])
        #expect(Self.guide.check("Ana (non-compliant).").map(\.found) == ["non-compliant"])
    }

    @Test("innocent words that contain a listed word are not flagged")
    func innocentWords() {
        for text in [
            "Mr. Johnson called back.", "A pimple cream was on the list.", "Addiction services are nearby.",
            "The runaway train story.", "Put the herself-care kit in the bag.", "Compliant with the court order.",
            "Prostitution laws differ by state.",
        ] {
            #expect(Self.guide.check(text).isEmpty, "\(text)")
        }
    }

    static let shelter = UUID()
    static let clinic = UUID()
    static let given = Date(timeIntervalSince1970: 1_790_000_000)
    static let now = given.addingTimeInterval(86_400 * 10)
    static let today = CalendarDate(now, timeZone: "UTC")

    static func consent(
        to recipient: UUID = shelter, purposes: Set<SharingPurpose> = [.serviceReferral],
        categories: Set<InformationCategory> = [.contact, .needs], expires: Int = 30, revoked: Date? = nil
    ) -> Consent {
        Consent(
            id: UUID(), recipientOrganizationID: recipient, purposes: purposes, categories: categories, givenAt: given,
            expiresOn: today.adding(days: expires), revokedAt: revoked)
    }

    static func decide(
        _ consents: [Consent], handoff: Handoff = .warm, categories: Set<InformationCategory> = [.contact]
    )
        -> ConsentDecision
    {
        ConsentGate.decide(
            handoff, recipient: shelter, purpose: .serviceReferral, categories: categories, consents: consents,
            at: now, today: today)
    }

    @Test("a warm handoff needs an active consent naming the recipient, purpose and categories")
    func consentGate() {
        let covering = Self.consent()
        #expect(Self.decide([covering]) == .allowed(consentID: covering.id))
        #expect(Self.decide([], handoff: .selfReferral) == .notNeeded, "a self-referral shares nothing")
        #expect(Self.decide([]) == .refused(["The family has given no consent to share with this organization."]))
        #expect(
            Self.decide([Self.consent(to: Self.clinic)])
                == .refused(["The family has given no consent to share with this organization."]))
        #expect(
            Self.decide([Self.consent(expires: -1)])
                == .refused(["The consent expired on \(Self.today.adding(days: -1))."]))
        #expect(
            Self.decide([Self.consent(revoked: Self.now.addingTimeInterval(-60))])
                == .refused(["The consent was revoked."]))
        #expect(
            Self.decide([Self.consent(purposes: [.peerSupport])])
                == .refused(["The consent does not cover the purpose service-referral."]))
        #expect(
            Self.decide([Self.consent()], categories: [.contact, .children, .safety])
                == .refused(["The consent does not cover: children, safety."]))
        // The closest consent explains; any covering one allows.
        #expect(Self.decide([Self.consent(expires: -5), covering]) == .allowed(consentID: covering.id))
    }

    @Test("a consent counts through its expiry day and stops the moment it is revoked")
    func consentEdges() {
        let lastDay = Self.consent(expires: 0)
        #expect(Self.decide([lastDay]) == .allowed(consentID: lastDay.id))
        let revokedLater = Self.consent(revoked: Self.now.addingTimeInterval(60))
        #expect(Self.decide([revokedLater]) == .allowed(consentID: revokedLater.id), "revocation is not retroactive")
    }

    @Test("contact outside the family's safe times or channels is refused with the reason")
    func safeContact() {
        let preferences = SafeContact(
            channels: [.phone, .sms],
            safeHours: [
                OpeningHours(days: [.monday, .wednesday], opens: LocalTime("10:00")!, closes: LocalTime("14:00")!)
            ],
            timeZone: "America/Chicago", noTexts: true)
        // 2026-11-23 is a Monday; 17:00 UTC is 11:00 in Chicago.
        let mondayMorning = ISO8601DateFormatter().date(from: "2026-11-23T17:00:00Z")!
        let mondayEvening = ISO8601DateFormatter().date(from: "2026-11-24T01:00:00Z")!
        #expect(preferences.problem(channel: .phone, at: mondayMorning) == nil)
        #expect(
            preferences.problem(channel: .sms, at: mondayMorning)?.detail == "the family asked for no text messages")
        #expect(preferences.problem(channel: .email, at: mondayMorning)?.detail == "the family allows only phone, sms")
        let late = preferences.problem(channel: .phone, at: mondayEvening)
        #expect(late?.pointer == "/due_at")
        #expect(late?.detail.hasPrefix("outside the family's safe times (MO,WE 10:00–14:00") == true)
    }

    @Test("referrals move draft → sent → accepted → connected → closed; only the family's side sends or withdraws")
    func referralLifecycle() {
        #expect(ReferralStatus.draft.canMove(to: .sent, by: .owner))
        #expect(!ReferralStatus.draft.canMove(to: .sent, by: .recipient))
        #expect(ReferralStatus.sent.canMove(to: .accepted, by: .recipient))
        #expect(
            ReferralStatus.sent.canMove(to: .accepted, by: .owner),
            "a self-referral's answer is recorded by the advocate")
        #expect(!ReferralStatus.sent.canMove(to: .withdrawn, by: .recipient))
        #expect(ReferralStatus.accepted.canMove(to: .connected, by: .recipient))
        #expect(ReferralStatus.connected.canMove(to: .closed, by: .owner))
        #expect(!ReferralStatus.closed.canMove(to: .sent, by: .owner))
        #expect(!ReferralStatus.declined.canMove(to: .accepted, by: .recipient))
        #expect(ReferralStatus.sent.move(to: .declined, by: .recipient, note: " ")?.pointer == "/reason")
        #expect(ReferralStatus.connected.move(to: .closed, by: .recipient, note: nil)?.pointer == "/outcome")
        #expect(ReferralStatus.connected.move(to: .closed, by: .recipient, note: "Attended three sessions") == nil)
        #expect(
            ReferralStatus.closed.move(to: .accepted, by: .recipient, note: nil)?.detail
                == "a closed referral cannot be changed by its recipient")
        #expect(
            ReferralStatus.draft.move(to: .accepted, by: .owner, note: nil)?.detail
                == "a draft referral can become sent, not accepted")
    }

    @Test(
        "a plan edit: self-referrals share nothing, warm handoffs share contact and needs by default, no service twice")
    func planValidation() {
        let rule = SafeContact(channels: [], safeHours: [], timeZone: "America/Chicago")
        let service = UUID()
        var input = PlanInput()
        input.referrals = [
            ReferralInput(serviceId: service.uuidString, handoff: "warm"),
            ReferralInput(serviceId: UUID().uuidString),
        ]
        guard case .success(let draft) = input.validate(safeContact: rule, knownReferralIDs: [], now: Date()) else {
            Issue.record("a valid plan was refused")
            return
        }
        #expect(draft.referrals.map(\.shares) == [[.contact, .needs], []])
        #expect(draft.referrals.map(\.handoff) == [.warm, .selfReferral])

        var bad = PlanInput()
        var sharing = ReferralInput(serviceId: service.uuidString)
        sharing.share = ["contact"]
        var unknown = ReferralInput(serviceId: UUID().uuidString, handoff: "carrier")
        unknown.id = UUID().uuidString
        bad.referrals = [sharing, ReferralInput(serviceId: service.uuidString), unknown]
        bad.goals = [""]
        guard case .failure(let failure) = bad.validate(safeContact: rule, knownReferralIDs: [], now: Date()) else {
            Issue.record("an invalid plan was accepted")
            return
        }
        #expect(
            failure.errors.map(\.pointer) == [
                "/goals/0", "/referrals/0/share", "/referrals/1/service_id", "/referrals/2/handoff",
                "/referrals/2/id",
            ])
    }

    @Test("a check-in marked done is a record: no longer held to the safe times, never done in the future")
    func doneCheckIns() {
        // Safe on Mondays 10:00-14:00 in Chicago; 2026-11-23 is a Monday.
        let rule = SafeContact(
            channels: [.phone],
            safeHours: [OpeningHours(days: [.monday], opens: LocalTime("10:00")!, closes: LocalTime("14:00")!)],
            timeZone: "America/Chicago")
        let now = ISO8601DateFormatter().date(from: "2026-11-23T21:00:00Z")!
        let outsideSafeTimes = ISO8601DateFormatter().date(from: "2026-11-23T22:00:00Z")!
        let happened = ISO8601DateFormatter().date(from: "2026-11-23T20:30:00Z")!

        var input = PlanInput()
        input.followUps = [FollowUpInput(dueAt: outsideSafeTimes, channel: "phone", doneAt: happened)]
        guard case .success(let draft) = input.validate(safeContact: rule, knownReferralIDs: [], now: now) else {
            Issue.record("a done check-in was held to today's safe times")
            return
        }
        #expect(draft.followUps.first?.doneAt == happened)
        #expect(draft.followUps.first?.isDone == true)

        input.followUps = [
            FollowUpInput(dueAt: outsideSafeTimes, channel: "phone"),
            FollowUpInput(dueAt: happened, channel: "phone", doneAt: now.addingTimeInterval(3600)),
        ]
        guard case .failure(let failure) = input.validate(safeContact: rule, knownReferralIDs: [], now: now) else {
            Issue.record("a check-in outside the safe times, and one done in the future, were accepted")
            return
        }
        #expect(
            failure.errors.map(\.pointer) == ["/follow_ups/0/due_at", "/follow_ups/1/done_at"], "\(failure.errors)")
        #expect(failure.errors.last?.detail.contains("future") == true)

        // The same check-in, scheduled before the family's safe times changed and kept as it was:
        // the plan still saves (`haven followups` warns about it); moved, it is checked again.
        input.followUps = [FollowUpInput(dueAt: outsideSafeTimes, channel: "phone")]
        let earlier = [FollowUp(dueAt: outsideSafeTimes, channel: .phone)]
        guard case .success = input.validate(safeContact: rule, knownReferralIDs: [], now: now, scheduled: earlier)
        else {
            Issue.record("a check-in kept as it was blocked the edit")
            return
        }
        input.followUps = [FollowUpInput(dueAt: outsideSafeTimes.addingTimeInterval(3600), channel: "phone")]
        guard case .failure = input.validate(safeContact: rule, knownReferralIDs: [], now: now, scheduled: earlier)
        else {
            Issue.record("a check-in moved outside the safe times was accepted")
            return
        }
        input.followUps = [FollowUpInput(dueAt: outsideSafeTimes, channel: "email")]
        guard case .failure = input.validate(safeContact: rule, knownReferralIDs: [], now: now, scheduled: earlier)
        else {
            Issue.record("a check-in changed to another channel was not checked again")
            return
        }
    }

    @Test("a consent needs an expiry within a year, a known recipient id, purposes and categories")
    func consentValidation() {
        let today = CalendarDate("2026-11-22")!
        let now = ISO8601DateFormatter().date(from: "2026-11-22T15:00:00Z")!
        let good = ConsentInput(
            givenBy: "Demo parent", relationship: "guardian", recipientOrganizationId: UUID().uuidString,
            purposes: ["service-referral"], categories: ["contact", "needs"], expiresOn: "2027-05-22")
        guard case .success(let draft) = good.validate(now: now, today: today) else {
            Issue.record("a valid consent was refused")
            return
        }
        #expect(draft.categories == [.contact, .needs])
        #expect(draft.givenAt == now)
        let bad = ConsentInput(
            givenBy: " ", relationship: "neighbour", recipientOrganizationId: "B", purposes: [],
            categories: ["medical"], givenAt: now.addingTimeInterval(86_400), expiresOn: "2028-01-01")
        guard case .failure(let failure) = bad.validate(now: now, today: today) else {
            Issue.record("an invalid consent was accepted")
            return
        }
        #expect(
            failure.errors.map(\.pointer) == [
                "/given_by", "/relationship", "/recipient_organization_id", "/purposes", "/categories/0", "/given_at",
                "/expires_on",
            ])
        let past = ConsentInput(
            givenBy: "Demo parent", relationship: "parent", recipientOrganizationId: UUID().uuidString,
            purposes: ["peer-support"], categories: ["contact"], expiresOn: "2026-11-21")
        guard case .failure(let expired) = past.validate(now: now, today: today) else {
            Issue.record("a consent that already ended was accepted")
            return
        }
        #expect(expired.errors.map(\.detail) == ["must be today or later"])
    }

    @Test("the family's document escapes what it is given, keeps crisis lines first, and words hours in Spanish")
    func familyDocument() {
        let schedule = WeeklySchedule(
            timeZone: "America/Chicago", alwaysOpen: false,
            hours: [OpeningHours(days: [.monday, .friday], opens: LocalTime("09:00")!, closes: LocalTime("17:00")!)])
        let document = FamilyPlanDocument(
            language: .es, preparedOn: CalendarDate("2026-11-22")!, goals: ["<script>alert(1)</script> *volver*"],
            needs: ["Terapia de trauma"],
            services: [
                .init(
                    name: nil, organization: nil, why: "Cerca de casa", whatToExpect: nil, phones: ["+13125550100"],
                    url: nil, address: nil, hours: FamilyPlanDocument.hours(schedule, language: .es),
                    advocateConnects: true)
            ],
            crisisLines: [
                .init(name: "Línea 988", ways: ["Llama al 988 (24 horas, todos los días)"], whatToExpect: nil)
            ],
            mentorOffered: false, safetyNotes: nil, nextCheckIn: nil)
        let html = document.render(.html)
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script"))
        #expect(html.contains("lunes, viernes 09:00–17:00"))
        #expect(html.contains("Tu defensora o defensor se comunicará con ellos contigo."))
        let now = html.range(of: "Si necesitas ayuda ahora mismo")!.lowerBound
        #expect(now < html.range(of: "Servicios que pueden ayudar")!.lowerBound, "crisis lines come first")
        #expect(!html.contains("Hablar con alguien"), "no mentor section when none is offered")
        let markdown = document.render(.md)
        #expect(markdown.contains("- \\<script\\>alert(1)\\</script\\> \\*volver\\*"))
        #expect(markdown.hasPrefix("# Tu plan\n"))
        #expect(
            FamilyPlanDocument.hours(WeeklySchedule(timeZone: "UTC", alwaysOpen: true, hours: []), language: .en)
                == "Open 24 hours, every day")
    }

    @Test("a new plan keeps local and state crisis lines, then the national core in its order")
    func crisisLineDefaults() {
        let covering = [
            CrisisLineChoice.Line(id: "a", slug: "cook-county-youth-line", reach: "county"),
            CrisisLineChoice.Line(id: "b", slug: "crisis-text-line", reach: "national"),
            CrisisLineChoice.Line(id: "c", slug: "stop-it-now", reach: "national"),
            CrisisLineChoice.Line(id: "d", slug: "988-lifeline", reach: "national"),
            CrisisLineChoice.Line(id: "e", slug: "ncmec-the-lost", reach: "national"),
        ]
        #expect(CrisisLineChoice.defaults(covering) == ["a", "e", "d", "b"])
        let unknown = (1...7).map { CrisisLineChoice.Line(id: "\($0)", slug: "line-\($0)", reach: "national") }
        #expect(CrisisLineChoice.defaults(unknown) == ["1", "2", "3", "4", "5"], "never none")
    }

    @Test("a recipient sees the union of what its active consents for the purpose cover, nothing once revoked")
    func coveredCategories() {
        let recipient = UUID()
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let today = CalendarDate(now, timeZone: "UTC")
        func consent(
            _ categories: Set<InformationCategory>, purposes: Set<SharingPurpose> = [.serviceReferral],
            to organization: UUID? = nil, revoked: Date? = nil, expires: Int = 30
        ) -> Consent {
            Consent(
                id: UUID(), recipientOrganizationID: organization ?? recipient, purposes: purposes,
                categories: categories, givenAt: now.addingTimeInterval(-3_600), expiresOn: today.adding(days: expires),
                revokedAt: revoked)
        }
        let consents = [
            consent([.contact]), consent([.needs, .children]), consent([.safety], purposes: [.peerSupport]),
            consent([.situation], to: UUID()), consent([.situation], revoked: now.addingTimeInterval(-60)),
            consent([.situation], expires: -1),
        ]
        #expect(
            ConsentGate.covered(
                recipient: recipient, purpose: .serviceReferral, consents: consents, at: now, today: today)
                == [.contact, .needs, .children])
        #expect(
            ConsentGate.covered(
                recipient: recipient, purpose: .serviceReferral, consents: [consent([.contact], revoked: now)],
                at: now, today: today
            ).isEmpty)
    }
}
