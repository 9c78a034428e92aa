import ArgumentParser
import Foundation
import HavenAPI
import HavenClient

struct PlaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "place",
        abstract: "Resolve a ZIP code: city, state, county, time zone and centroid.",
        discussion: "Example: haven place 60614"
    )

    @Argument(help: "A five-digit ZIP code (ZIP+4 is accepted).")
    var zip: String

    @OptionGroup var output: ClientOutputOptions

    func run() async throws {
        let place = try await HavenAPIClient(login: try ClientLogin.resolve(file: .standard())).place(zip)
        if output.json {
            say(try jsonText(place))
            return
        }
        say("\(place.zip)  \(place.city), \(place.state)" + (place.county.map { " (\($0))" } ?? ""))
        say("  time zone  \(place.timeZone)")
        say("  centroid   \(String(format: "%.4f, %.4f", place.latitude, place.longitude))")
        if !place.active { say("  no longer in use by the postal service") }
    }
}

struct NeedsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "needs",
        abstract: "List the needs taxonomy: codes with English and Spanish labels.",
        discussion: "Example: haven needs --within mental-health"
    )

    @Option(help: "Only this code and its descendants.")
    var within: String?

    @Flag(help: "Show the Spanish labels too.")
    var spanish = false

    @OptionGroup var output: ClientOutputOptions

    func run() async throws {
        let needs = try await HavenAPIClient(login: try ClientLogin.resolve(file: .standard())).needs(within: within)
        if output.json {
            say(try jsonText(needs))
            return
        }
        let width = needs.map { $0.code.count + 2 * $0.depth }.max() ?? 0
        for need in needs {
            let indent = String(repeating: "  ", count: need.depth)
            let code = need.code.padding(toLength: width - indent.count, withPad: " ", startingAt: 0)
            say("\(indent)\(code)  \(need.name)" + (spanish ? " / \(need.nameEs)" : ""))
        }
    }
}

extension Components.Schemas.Need {
    var depth: Int { code.filter { $0 == "." }.count }
}
