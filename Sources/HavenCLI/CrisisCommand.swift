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
        let list = try await api.crisisContacts(zip: zip, at: at, language: language)
        if output.json { return say(try jsonText(list)) }
        let moment = at.flatMap(ISO8601Moment.date(from:)) ?? Date()
        for line in CrisisLinesText(list, language: language, atChosenMoment: at != nil, moment: moment).lines {
            say(line)
        }
    }
}
