import ArgumentParser
import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the reference data and the demo directory in Seeds/.",
        discussion: """
            1. Reference data in Seeds/reference/: the ZIP table, the needs and audience \
            taxonomies and the national crisis contacts (real, with their sources).
            2. The fictional demo directory, Seeds/demo/directory.json, and the fictional \
            peer-support demo, Seeds/demo/peer-support.json (volunteer mentors and waiting \
            families; names and contacts encrypted with the field keys), flagged as demo.
            3. Any Seeds/*.sql file, one transaction each, in name order.

            Everything is an upsert by stable ids: run it as often as you like. A record someone \
            changed since the seed last wrote it (a curator's correction) is kept as it is, and \
            named. --remove-demo deletes exactly the demo records and nothing else.
            """
    )

    @Option(help: "Directory of seed files. [env: HAVEN_SEEDS_DIR] (default: Seeds)")
    var seedsDir: String?

    @Flag(help: "Remove the demo records (and what hangs off them) instead of loading anything.")
    var removeDemo = false

    @Flag(help: "Load only the reference data, not the demo directory.")
    var noDemo = false

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var encryption: EncryptionOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.bootstrap()
        let files = try database.migrations()
        let directory = URL(fileURLWithPath: setting(seedsDir, "HAVEN_SEEDS_DIR", default: "Seeds")!)
        let url = try await database.connectionURL(logger: logger)
        try await PostgresClient.withClient(url: url, logger: logger) { client in
            let plan = try await Migrator(client: client, files: files, logger: logger.forPostgres()).plan()
            guard plan.isCurrent else {
                throw ConfigurationError("The database schema is not current: run `haven migrate` before `haven seed`.")
            }
            let demo = DemoDirectory(
                client: client, file: directory.appendingPathComponent("demo/directory.json"),
                logger: logger.forPostgres())
            let peerSupport = DemoPeerSupport(
                client: client, file: directory.appendingPathComponent("demo/peer-support.json"),
                cipher: FieldCipher(
                    keys: try encryption.store(embedded: try database.externalURL() == nil, logger: logger)),
                logger: logger.forPostgres())
            if removeDemo {
                let people = try await peerSupport.remove()
                say("Removed \(people.volunteers) demo volunteers and \(people.families) demo families.")
                let removed = try await demo.remove()
                say(
                    "Removed \(removed.organizations) demo organizations (with their services and locations) and "
                        + "\(removed.crisisContacts) demo crisis contacts.")
                return
            }

            var started = ContinuousClock.now
            let counts = try await ReferenceData(
                client: client, directory: directory.appendingPathComponent("reference"), logger: logger.forPostgres()
            ).load { part in say("seeding  \(part)") }
            say(
                "Reference data: \(counts.zipCodes) ZIP codes, \(counts.needs) needs, \(counts.audiences) audiences, "
                    + "\(counts.crisisContacts) crisis contacts with \(counts.crisisChannels) channels, "
                    + "\(counts.spanishDescriptions) described in Spanish (\(Self.seconds(since: started)))."
            )
            if !counts.staleTranslations.isEmpty {
                say(
                    "Left out the Spanish descriptions of \(counts.staleTranslations.joined(separator: ", ")): "
                        + "their English text changed since they were translated "
                        + "(Seeds/reference/national-crisis-contacts.es.SOURCE.md).")
            }
            if !counts.keptCrisisContacts.isEmpty {
                say(
                    "Kept \(counts.keptCrisisContacts.count) crisis contact(s) a curator changed since the seed wrote them: "
                        + "\(counts.keptCrisisContacts.joined(separator: ", ")). Compare them with "
                        + "Seeds/reference/national-crisis-contacts.csv.")
            }
            if !noDemo {
                say("seeding  demo directory")
                started = .now
                let loaded = try await demo.load()
                say(
                    "Demo directory: \(loaded.organizations) organizations, \(loaded.locations) locations, "
                        + "\(loaded.services) services, all fictional and flagged demo (\(Self.seconds(since: started)))."
                )
                if !loaded.kept.isEmpty {
                    say(
                        "Kept \(loaded.kept.count) demo record(s) changed since the seed wrote them: "
                            + loaded.kept.prefix(10).joined(separator: ", ")
                            + (loaded.kept.count > 10 ? ", …" : "") + ".")
                }
                say("seeding  demo peer support")
                let people = try await peerSupport.load()
                say(
                    "Demo peer support: \(people.volunteers) volunteer mentors and \(people.families) waiting families "
                        + "in organization \(try peerSupport.organizationID().uuidString.lowercased()), all fictional and flagged demo."
                )
            }
            let loader = SeedLoader(client: client, directory: directory, logger: logger.forPostgres())
            let loaded = try await loader.load { name in say("seeding  \(name)") }
            if !loaded.isEmpty { say("Loaded \(loaded.count) SQL seed file(s).") }
        }
    }

    private static func seconds(since start: ContinuousClock.Instant) -> String {
        let duration = start.duration(to: .now)
        let seconds = duration.inSeconds
        return String(format: "%.1f s", seconds)
    }
}
