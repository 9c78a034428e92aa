import Foundation
import HavenCore
import Testing

@Suite("Directory validation")
struct DirectoryValidationTests {
    static let organization = "6f1c2f0e-1111-4a7b-9d11-2a3b4c5d6e7f"

    static func valid() -> ServiceInput {
        var input = ServiceInput(organizationID: organization, name: "Trauma-focused therapy for teens")
        input.minimumAge = 12
        input.maximumAge = 17
        input.needs = ["mental-health.trauma-therapy"]
        input.languages = ["en", "ES"]
        input.phones = [.init(number: "+1 (312) 555-0142")]
        input.schedule = .init(
            timeZone: "America/Chicago",
            hours: [.init(byday: "MO,TU,WE", opensAt: "09:00", closesAt: "17:30")],
            exceptions: [.init(startsOn: "2026-12-24", endsOn: "2026-12-25", closed: true, reason: "Holiday")])
        input.serviceAreas = [
            .init(kind: "zip", zipCodes: ["60614", "60657"]), .init(kind: "radius", radiusKm: 25),
            .init(kind: "county", counties: ["IL:Cook County"]), .init(kind: "state", states: ["il"]),
            .init(kind: "national"),
            .init(
                kind: "polygon", extent: #"{"type":"Polygon","coordinates":[[[-88,41],[-87,41],[-87,42],[-88,41]]]}"#),
        ]
        input.costOptions = [.init(option: "Free", amount: 0, currency: "USD")]
        return input
    }

    @Test("a complete service validates into a draft with typed hours, areas and normalized languages")
    func validService() throws {
        let draft = try Self.valid().validate().get()
        #expect(draft.languages == ["en", "es"])
        #expect(draft.schedule?.hours.first?.days == [.monday, .tuesday, .wednesday])
        #expect(draft.schedule?.hours.first?.closes.description == "17:30")
        #expect(draft.schedule?.exceptions.first?.endsOn.description == "2026-12-25")
        #expect(draft.serviceAreas.map(\.kind) == ["zip", "radius", "county", "state", "national", "polygon"])
        #expect(draft.serviceAreas[3] == .states(["IL"]))
        #expect(draft.isFree)
    }

    /// Each case breaks one rule and names the pointer the error must carry.
    static let brokenRules: [(String, @Sendable (inout ServiceInput) -> Void, String)] = [
        ("organization id", { $0.organizationID = "nope" }, "/organization_id"),
        ("empty name", { $0.name = "  " }, "/name"),
        ("status", { $0.status = "open" }, "/status"),
        (
            "inverted ages",
            {
                $0.minimumAge = 18
                $0.maximumAge = 12
            }, "/maximum_age"
        ),
        ("age out of range", { $0.minimumAge = -1 }, "/minimum_age"),
        ("taxonomy code", { $0.needs = ["Mental Health"] }, "/needs/0"),
        ("audience code", { $0.audiences = ["youth!"] }, "/audiences/0"),
        ("language", { $0.languages = ["en", "spanish"] }, "/languages/1"),
        ("phone", { $0.phones = [.init(number: "call us")] }, "/phones/0/number"),
        ("url", { $0.url = "ftp://example.org" }, "/url"),
        ("email", { $0.email = "intake at example.org" }, "/email"),
        ("time zone", { $0.schedule?.timeZone = "CST" }, "/schedule/time_zone"),
        (
            "days", { $0.schedule?.hours = [.init(byday: "MON", opensAt: "09:00", closesAt: "17:00")] },
            "/schedule/hours/0/byday"
        ),
        (
            "opening time", { $0.schedule?.hours = [.init(byday: "MO", opensAt: "9am", closesAt: "17:00")] },
            "/schedule/hours/0/opens_at"
        ),
        (
            "closing time", { $0.schedule?.hours = [.init(byday: "MO", opensAt: "09:00", closesAt: "25:00")] },
            "/schedule/hours/0/closes_at"
        ),
        (
            "equal times", { $0.schedule?.hours = [.init(byday: "MO", opensAt: "09:00", closesAt: "09:00")] },
            "/schedule/hours/0/closes_at"
        ),
        ("no hours", { $0.schedule?.hours = [] }, "/schedule/hours"),
        ("24/7 with hours", { $0.schedule?.open247 = true }, "/schedule/hours"),
        (
            "exception date", { $0.schedule?.exceptions = [.init(startsOn: "2026-02-30")] },
            "/schedule/exceptions/0/starts_on"
        ),
        (
            "exception order", { $0.schedule?.exceptions = [.init(startsOn: "2026-12-25", endsOn: "2026-12-24")] },
            "/schedule/exceptions/0/ends_on"
        ),
        (
            "exception with equal times",
            { $0.schedule?.exceptions = [.init(startsOn: "2026-12-24", opensAt: "10:00", closesAt: "10:00")] },
            "/schedule/exceptions/0/closes_at"
        ),
        (
            "closed and open on one day",
            {
                $0.schedule?.exceptions = [
                    .init(startsOn: "2026-12-24", endsOn: "2026-12-26", closed: true),
                    .init(startsOn: "2026-12-26", opensAt: "10:00", closesAt: "14:00"),
                ]
            },
            "/schedule/exceptions/1/starts_on"
        ),
        ("area kind", { $0.serviceAreas = [.init(kind: "city")] }, "/service_areas/0/kind"),
        ("state code", { $0.serviceAreas = [.init(kind: "state", states: ["ZZ"])] }, "/service_areas/0/states"),
        (
            "county", { $0.serviceAreas = [.init(kind: "county", counties: ["Cook County"])] },
            "/service_areas/0/counties"
        ),
        ("zip", { $0.serviceAreas = [.init(kind: "zip", zipCodes: ["6061"])] }, "/service_areas/0/zip_codes"),
        ("radius", { $0.serviceAreas = [.init(kind: "radius", radiusKm: 0)] }, "/service_areas/0/radius_km"),
        (
            "polygon", { $0.serviceAreas = [.init(kind: "polygon", extent: #"{"type":"Point"}"#)] },
            "/service_areas/0/extent"
        ),
        ("amount", { $0.costOptions = [.init(amount: -5)] }, "/cost_options/0/amount"),
        ("currency", { $0.costOptions = [.init(amount: 5, currency: "dollars")] }, "/cost_options/0/currency"),
        ("location id", { $0.locationIDs = ["not-a-uuid"] }, "/location_ids/0"),
    ]

    @Test("every service rule has a failing case that names its field", arguments: 0..<brokenRules.count)
    func brokenRule(_ index: Int) {
        let (rule, breakIt, pointer) = Self.brokenRules[index]
        var input = Self.valid()
        breakIt(&input)
        guard case .failure(let failure) = input.validate() else {
            Issue.record("\(rule): accepted")
            return
        }
        #expect(failure.errors.map(\.pointer).contains(pointer), "\(rule): \(failure.errors)")
    }

    @Test("all bad fields are reported at once")
    func everyErrorAtOnce() {
        var input = Self.valid()
        input.name = ""
        input.minimumAge = 20
        input.languages = ["xx"]
        guard case .failure(let failure) = input.validate() else {
            Issue.record("accepted")
            return
        }
        #expect(Set(failure.errors.map(\.pointer)) == ["/name", "/maximum_age", "/languages/0"])
    }

    @Test("location rules: coordinates, confidential intake phone, address, time zone")
    func locationRules() {
        var location = LocationInput(organizationID: Self.organization, name: "Safe house")
        location.latitude = 41.9
        location.longitude = -87.6
        location.confidential = true
        location.intakePhone = "+13125550190"
        location.address = .init(address1: "100 Example St", city: "Chicago", stateProvince: "IL", postalCode: "60614")
        #expect((try? location.validate().get()) != nil)

        let cases: [(String, (inout LocationInput) -> Void, String)] = [
            ("latitude", { $0.latitude = 91 }, "/latitude"),
            ("longitude", { $0.longitude = -181 }, "/longitude"),
            ("one coordinate", { $0.longitude = nil }, "/longitude"),
            ("intake phone", { $0.intakePhone = nil }, "/intake_phone"),
            ("state", { $0.address?.stateProvince = "Illinois" }, "/address/state_province"),
            ("postal code", { $0.address?.postalCode = "ABCDE" }, "/address/postal_code"),
            ("time zone", { $0.timeZone = "Chicago" }, "/time_zone"),
            ("fixed-offset time zone", { $0.timeZone = "Etc/GMT+6" }, "/time_zone"),
            ("type", { $0.locationType = "building" }, "/location_type"),
        ]
        for (rule, breakIt, pointer) in cases {
            var broken = location
            breakIt(&broken)
            guard case .failure(let failure) = broken.validate() else {
                Issue.record("\(rule): accepted")
                continue
            }
            #expect(failure.errors.map(\.pointer).contains(pointer), "\(rule): \(failure.errors)")
        }
    }

    @Test("a changed English what-to-expect cannot keep the Spanish translated from the old one")
    func staleTranslations() {
        var draft = CrisisContactDraft(slug: "demo-line", name: "Demo line")
        (draft.whatToExpect, draft.whatToExpectEs) = ("A counselor answers.", "Le atiende un consejero.")
        #expect(
            draft.staleTranslation(storedEnglish: "A counselor answers.", storedSpanish: "Le atiende un consejero.")
                == nil)
        #expect(
            draft.staleTranslation(storedEnglish: "Police answer.", storedSpanish: "Otro texto.") == nil, "both new")
        #expect(
            draft.staleTranslation(storedEnglish: "Police answer.", storedSpanish: "Le atiende un consejero.")?.pointer
                == "/what_to_expect_es")
        draft.whatToExpectEs = nil
        #expect(
            draft.staleTranslation(storedEnglish: "Police answer.", storedSpanish: "Le atiende un consejero.") == nil)
    }

    @Test("a point far from its ZIP code, or from every US ZIP code, is refused on /latitude")
    func locationPlacement() {
        #expect(
            LocationPlacement.problems(zip: "60614", kilometresFromOwnZIP: 2.5, kilometresFromNearestZIP: 0.4).isEmpty)
        #expect(LocationPlacement.problems(zip: nil, kilometresFromOwnZIP: nil, kilometresFromNearestZIP: 20).isEmpty)
        let swapped = LocationPlacement.problems(
            zip: "60614", kilometresFromOwnZIP: 9_000, kilometresFromNearestZIP: 4_200)
        #expect(swapped.map(\.pointer) == ["/latitude"])
        #expect(swapped.first?.detail.contains("4200 km from the nearest US ZIP code") == true)
        let elsewhere = LocationPlacement.problems(
            zip: "60614", kilometresFromOwnZIP: 1_500, kilometresFromNearestZIP: 1)
        #expect(elsewhere.first?.detail.contains("1500 km from ZIP code 60614") == true)
    }

    @Test("hours are kept in a place's own zone: fixed offsets and unknown names are refused, each saying why")
    func timeZoneNames() throws {
        for zone in ["America/Chicago", "America/Indiana/Indianapolis", "Pacific/Honolulu", "UTC", "Etc/UTC"] {
            #expect(WeeklySchedule.timeZoneProblem(zone) == nil, "\(zone)")
        }
        let reversed = try #require(WeeklySchedule.timeZoneProblem("Etc/GMT+5"))
        #expect(reversed.contains("fixed offset") && reversed.contains("reversed"))
        #expect(WeeklySchedule.timeZoneProblem("Etc/GMT-10")?.contains("fixed offset") == true)
        for unknown in ["Mars/Olympus", "EST", "Central", ""] {
            #expect(WeeklySchedule.timeZoneProblem(unknown)?.contains("is not an IANA time zone") == true, "\(unknown)")
        }
    }

    @Test("a location's time zone must be one kept near its point, compared by the clocks")
    func locationTimeZone() {
        let chicago = ["America/Chicago"]
        let wrong = LocationPlacement.timeZoneProblems("America/Los_Angeles", nearbyTimeZones: chicago)
        #expect(wrong.map(\.pointer) == ["/time_zone"])
        #expect(wrong.first?.detail.contains("nearby ZIP codes keep America/Chicago") == true)
        #expect(LocationPlacement.timeZoneProblems("America/Chicago", nearbyTimeZones: chicago).isEmpty)
        // Another name for the same clocks, and a point near a border, are both fine.
        #expect(LocationPlacement.timeZoneProblems("America/Detroit", nearbyTimeZones: ["America/New_York"]).isEmpty)
        #expect(
            LocationPlacement.timeZoneProblems(
                "America/New_York", nearbyTimeZones: ["America/Chicago", "America/Indiana/Indianapolis"]
            ).isEmpty)
        // Arizona keeps no summer time: Denver's clocks match Phoenix's only in winter.
        #expect(LocationPlacement.timeZoneProblems("America/Phoenix", nearbyTimeZones: ["America/Denver"]).count == 1)
        #expect(LocationPlacement.timeZoneProblems(nil, nearbyTimeZones: chicago).isEmpty)
        #expect(LocationPlacement.timeZoneProblems("America/Chicago", nearbyTimeZones: []).isEmpty)
    }

    @Test("two special openings on one day are allowed (a split Christmas Eve)")
    func splitSpecialHours() throws {
        var input = ServiceInput(organizationID: UUID().uuidString, name: "Demo family line")
        input.schedule = .init(
            timeZone: "America/Chicago", hours: [.init(byday: "MO", opensAt: "09:00", closesAt: "17:00")],
            exceptions: [
                .init(startsOn: "2026-12-24", opensAt: "09:00", closesAt: "12:00"),
                .init(startsOn: "2026-12-24", opensAt: "14:00", closesAt: "16:00"),
            ])
        guard case .success(let draft) = input.validate() else {
            Issue.record("refused: \(input.validate())")
            return
        }
        #expect(draft.schedule?.exceptions.count == 2)
    }
}
