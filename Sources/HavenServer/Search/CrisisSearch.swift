import Foundation
import HavenAPI
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

/// Crisis lines for a place and a moment: every contact covering the place, most local first;
/// within each, the channels a family can reach right now, in their language, first.
struct CrisisSearch: Sendable {
    let postgres: PostgresClient
    let areas: SearchRepository
    let places: PlaceRepository
    let contacts: CrisisContactRepository

    /// The lines, and the place they were found for (nil for a ZIP code Haven does not know,
    /// which gets the national lines only, with `notice` saying so).
    struct Answer {
        var results: [Components.Schemas.CrisisSearchResult]
        var place: Place?
        var notice: String?
    }

    init(postgres: PostgresClient, logger: Logger, staleAfterDays: Int) {
        self.postgres = postgres
        areas = SearchRepository(logger: logger, staleAfterDays: staleAfterDays)
        places = PlaceRepository(logger: logger)
        contacts = CrisisContactRepository(logger: logger, staleAfterDays: staleAfterDays)
    }

    func search(zip text: String?, at atText: String?, language languageText: String?, now: Date = Date())
        async throws -> Answer
    {
        var errors: [FieldError] = []
        let zip = text.flatMap(ZIPCode.init)
        if zip == nil {
            errors.append(
                FieldError(
                    pointer: "/zip",
                    detail: text == nil ? "give the family's ZIP code" : "must be five digits, or ZIP+4"))
        }
        var moment = now
        if let atText {
            if let parsed = ISO8601Moment.date(from: atText) {
                moment = parsed
            } else {
                errors.append(FieldError(pointer: "/at", detail: "must be an ISO 8601 date-time with a zone"))
            }
        }
        let language = languageText?.lowercased()
        if let language, !LanguageCodes.isKnown(language) {
            errors.append(FieldError(pointer: "/language", detail: "'\(language.prefix(20))' is not an ISO 639 code"))
        }
        guard errors.isEmpty, let zip else { throw AccessFailure.invalid(errors) }

        // A family whose ZIP code Haven does not know (a military one, a new one) still needs
        // the lines that cover everyone.
        let (place, reach, documents) = try await postgres.withConnection { connection in
            let place = try await places.find(zip, on: connection)
            let areaKeys = try await areas.place(zip: zip, on: connection)?.areaKeys ?? ["national"]
            let covering = try await contacts.covering(areaKeys, on: connection)
            let documents = try await contacts.documents(covering.map(\.0), on: connection)
            return (place, Dictionary(uniqueKeysWithValues: covering), documents)
        }
        let results = try documents.map { document in
            let contact = try WireJSON.decode(Components.Schemas.CrisisContact.self, from: document.json)
            let channels = contact.channels.map { channel -> Components.Schemas.CrisisChannelNow in
                let window = channel.schedule.flatMap { Self.schedule($0)?.window(at: moment) }
                let speaks =
                    language.map { (channel.languages ?? []).contains($0) || channel.interpretation == true } ?? true
                return .init(
                    channel: channel.channel, value: channel.value, keyword: channel.keyword, label: channel.label,
                    hoursNote: channel.hoursNote, languages: channel.languages ?? [],
                    interpretation: channel.interpretation,
                    languageNote: channel.languageNote, whatToExpect: channel.whatToExpect,
                    open: window.map {
                        .init(
                            isOpen: $0.status.isOpen, alwaysOpen: $0.status.alwaysOpen,
                            closesAt: $0.status.closesAt?.description, timeZone: $0.timeZone, openUntil: $0.closes,
                            nextOpening: $0.nextOpens)
                    },
                    speaksLanguage: speaks)
            }
            .enumerated()
            .sorted { Self.channelRank($0.element, $0.offset) < Self.channelRank($1.element, $1.offset) }
            .map(\.element)
            return Components.Schemas.CrisisSearchResult(
                id: contact.id, slug: contact.slug, name: contact.name, reachesBy: reach[document.id] ?? "national",
                whatToExpect: contact.whatToExpect, whatToExpectEs: contact.whatToExpectEs,
                confidentiality: contact.confidentiality,
                lawEnforcement: contact.lawEnforcement, url: contact.url, sourceUrl: contact.sourceUrl,
                verifiedOn: contact.verifiedOn, channels: channels)
        }
        return Answer(
            results: results.sorted { Self.contactRank($0) < Self.contactRank($1) }, place: place,
            notice: place == nil
                ? "Haven does not know ZIP code \(zip.digits): these are the national lines only. "
                    + "Local and state lines may also serve the family; ask where they are." : nil)
    }

    /// Open now before unknown hours before closed; in the family's language first; then as listed.
    static func channelRank(_ channel: Components.Schemas.CrisisChannelNow, _ position: Int) -> (Int, Int, Int) {
        let open = channel.open.map { $0.isOpen ? 0 : 2 } ?? 1
        return (open, channel.speaksLanguage ? 0 : 1, position)
    }

    /// Local before state before national; then lines reachable now; then by name, as a reader
    /// sorts ("love is respect" among the L's).
    static func contactRank(_ result: Components.Schemas.CrisisSearchResult) -> (Int, Int, String, String) {
        let reach = ["zip": 0, "county": 1, "state": 2][result.reachesBy] ?? 3
        let reachable = result.channels.contains { $0.open?.isOpen == true } ? 0 : 1
        return (reach, reachable, result.name.lowercased(), result.name)
    }

    static func schedule(_ schedule: Components.Schemas.Schedule) -> WeeklySchedule? {
        WeeklySchedule(
            ServiceInput.Schedule(
                timeZone: schedule.timeZone, open247: schedule.open247,
                hours: schedule.hours?.map { .init(byday: $0.byday, opensAt: $0.opensAt, closesAt: $0.closesAt) },
                exceptions: schedule.exceptions?.map {
                    .init(
                        startsOn: $0.startsOn, endsOn: $0.endsOn, closed: $0.closed, opensAt: $0.opensAt,
                        closesAt: $0.closesAt)
                }))
    }
}
