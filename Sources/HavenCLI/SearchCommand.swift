import ArgumentParser
import Foundation
import HavenAPI
import HavenClient
import HavenCore

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find services near a family that meet their needs, ranked and explained.",
        discussion: """
            Example: haven search --zip 60614 --need mental-health --need legal-advocacy --language es --open-now

            A need is a taxonomy code (haven needs) or its label written with dashes \\
            (legal-advocacy); a parent need matches everything under it.
            """
    )

    @Option(help: "The family's ZIP code.") var zip: String?
    @Option(help: "A point instead of a ZIP code: lat,lon.") var near: String?
    @Option(help: "How far to look, in km (default 40, at most 500).") var radius: String?
    @Option(name: .customLong("need"), help: "A need (repeat for several).") var needs: [String] = []
    @Option(name: .customLong("text"), help: "Free text; misspellings are tolerated.") var text: String?
    @Option(help: "ISO 639 code of the family's language, e.g. es.") var language: String?
    @Option(help: "The child's age.") var age: String?
    @Option(name: .customLong("audience"), help: "An audience the service must serve (repeatable).") var audiences:
        [String] = []
    @Flag(help: "Only services open right now.") var openNow = false
    @Option(help: "Only services open at this ISO 8601 date-time.") var openAt: String?
    @Flag(help: "Only free services.") var free = false
    @Flag(help: "Also temporarily closed and inactive services.") var includeClosed = false
    @Flag(help: "Only services whose details were verified within the freshness period (a year by default).")
    var verifiedOnly = false
    @Option(help: "How many (1–100).") var limit = 10
    @Option(help: "Continue after the cursor a previous page printed.") var cursor: String?
    @OptionGroup var output: ClientOutputOptions

    func run() async throws {
        let api = HavenAPIClient(login: try ClientLogin.resolve(file: .standard()))
        var options = HavenAPIClient.SearchOptions()
        (options.zip, options.near, options.radiusKm) = (zip, near, radius)
        options.needs = try await NeedNames.resolve(needs, with: api)
        (options.text, options.language, options.age, options.audiences) = (text, language, age, audiences)
        (options.openNow, options.openAt, options.free, options.includeClosed) = (openNow, openAt, free, includeClosed)
        (options.verifiedOnly, options.limit, options.cursor) = (verifiedOnly, limit, cursor)
        let page = try await api.searchServices(options)
        if output.json { return say(try jsonText(page)) }
        if page.data.isEmpty {
            say("No services match. Try a larger --radius, fewer filters, or a parent need.")
            return
        }
        for (index, result) in page.data.enumerated() {
            let distance =
                result.distanceKm.map {
                    (result.location?.approximate == true ? "~" : "") + SearchScoring.kilometres($0) + " km"
                }
                ?? (result.reachesBy.map(SearchScoring.areaReason) ?? "")
            let open =
                result.open.map {
                    $0.alwaysOpen
                        ? "open 24/7" : ($0.isOpen ? "open" + ($0.closesAt.map { " until \($0)" } ?? "") : "closed now")
                }
                ?? "hours not listed"
            say("\(index + 1). \(result.name) — \(result.organizationName)")
            say(
                "   \(distance)  ·  \(open)  ·  \(result.phone ?? "no phone listed")  ·  score \(String(format: "%.2f", result.match.score))"
            )
            if let address = result.location?.address { say("   \(address)") }
            if result.location?.approximate == true { say("   confidential location: call the intake line") }
            say("   why: " + result.match.reasons.joined(separator: "; "))
            if !result.match.unmetNeeds.isEmpty {
                say("   does not cover: " + result.match.unmetNeeds.joined(separator: ", "))
            }
        }
        if let next = page.nextCursor { say("More: add --cursor \(next)") }
    }
}

/// Lets people type a need the way they say it: its code, or its label with dashes.
enum NeedNames {
    static func resolve(_ names: [String], with api: HavenAPIClient) async throws -> [String] {
        guard !names.isEmpty else { return [] }
        let needs = try await api.needs()
        return try names.map { name in
            let wanted = name.lowercased()
            if needs.contains(where: { $0.code == wanted }) { return wanted }
            let slug = { (label: String) in
                label.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
                    .split(separator: "-").joined(separator: "-")
            }
            let byLabel = needs.filter {
                slug($0.name) == wanted || $0.code.split(separator: ".").last.map(String.init) == wanted
            }
            if let shallowest = byLabel.min(by: { $0.code.count < $1.code.count }) { return shallowest.code }
            let close = needs.filter { slug($0.name).contains(wanted) || $0.code.contains(wanted) }.prefix(5).map(
                \.code)
            throw ConfigurationError(
                "No need called '\(name)'."
                    + (close.isEmpty ? " See `haven needs`." : " Did you mean: \(close.joined(separator: ", "))?"))
        }
    }
}
