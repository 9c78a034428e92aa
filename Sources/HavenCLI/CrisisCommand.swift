import ArgumentParser
import Foundation
import HavenAPI
import HavenClient
import HavenCore

struct CrisisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crisis",
        abstract: "Crisis lines for a place and a moment: local first, lines reachable now first.",
        discussion: "Example: haven crisis --zip 60614 --language es"
    )

    @Option(help: "The family's ZIP code.") var zip: String
    @Option(help: "An ISO 8601 date-time (default: now).") var at: String?
    @Option(help: "ISO 639 code of the family's language; lines that speak it come first.") var language: String?
    @OptionGroup var output: ClientOutputOptions

    func run() async throws {
        let api = HavenAPIClient(login: try ClientLogin.resolve(file: .standard()))
        let results = try await api.crisisContacts(zip: zip, at: at, language: language)
        if output.json { return say(try jsonText(results)) }
        for result in results {
            let reach = result.reachesBy == "national" ? "national" : "covers your \(result.reachesBy)"
            say("\(result.name)  (\(reach))")
            for channel in result.channels {
                let how: String =
                    switch channel.channel {
                    case "voice": "call \(channel.value)"
                    case "sms": "text \(channel.keyword.map { "\($0) to " } ?? "")\(channel.value)"
                    case "chat": "chat \(channel.value)"
                    default: "report \(channel.value)"
                    }
                let now: String =
                    if let open = channel.open {
                        open.alwaysOpen
                            ? "open 24/7"
                            : (open.isOpen ? "open now" + (open.closesAt.map { " until \($0)" } ?? "") : "closed now")
                    } else {
                        "hours: " + (channel.hoursNote ?? "not confirmed")
                    }
                let languages =
                    channel.languages.map { LanguageNames.name($0) }.joined(separator: ", ")
                    + (channel.interpretation == true ? " + interpreters" : "")
                say("  \(how)  ·  \(now)  ·  \(languages.isEmpty ? "languages not listed" : languages)")
            }
            if let expect = result.whatToExpect { say("  what to expect: \(expect)") }
            // For a family who reads Spanish, the words to pass on as they are.
            if language?.lowercased() == "es", let expect = result.whatToExpectEs { say("  en español: \(expect)") }
            say("")
        }
    }
}
