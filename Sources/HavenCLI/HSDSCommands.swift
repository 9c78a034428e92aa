import ArgumentParser
import Foundation
import HavenCore
import HavenStorage
import Logging
import PostgresNIO

/// `haven import …`: bring a directory in from another system.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import directory data from other systems.", subcommands: [ImportHSDS.self])
}

/// `haven export …`: hand the directory to another system.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the directory for other systems.", subcommands: [ExportHSDS.self])
}

struct ImportHSDS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hsds",
        abstract: "Import an HSDS 3.0 tabular data package (a folder or a zip of datapackage.json and CSV files).",
        discussion: """
            Every file is checked first, against the official HSDS 3.0 field rules (types, formats, \
            required and unique values, primary and foreign keys) and Haven's own (a point for \
            every physical location, hours it can evaluate, ISO language codes). Every problem is \
            listed with its file, line and column. An error writes nothing; a warning names a row \
            Haven leaves out (hours given only as prose, say) while the rest imports.

            Records are matched by id: new ones are added, changed ones updated, and the same \
            package imported twice changes nothing. Nothing is deleted, and a record Haven has \
            retired stays retired. With --retire-missing, the services and locations of the \
            package's organizations that the package no longer lists are retired (kept for \
            history, out of search), and the phones, languages, needs, hours, areas and other \
            rows of the records it lists that its files no longer have are removed: use it for a \
            source's full list, after a --dry-run that names them. The whole import is one transaction, search rows included. Haven's extension files (haven_*.csv, written by \
            `haven export hsds`) carry confidential locations, time zones, service-area kinds and \
            Spanish labels; see docs/hsds-profile.md.

            Exit status: 0 when imported (or, with --dry-run, when it would import), 1 on errors.
            """
    )

    @Argument(help: "The package: a folder, or a .zip file.") var package: String
    @Flag(help: "Check and count what would change, then roll everything back.") var dryRun = false
    @Flag(help: "Treat warnings (rows Haven would leave out) as errors.") var strict = false
    @Flag(
        help:
            "Retire the services and locations of the package's organizations that the package does not list."
    )
    var retireMissing = false
    @Option(help: "Print at most this many problems (all are counted). 0 prints all.") var maxProblems = 200
    @Option(help: "Directory of seed files, which holds hsds/datapackage.json. [env: HAVEN_SEEDS_DIR] (default: Seeds)")
    var seedsDir: String?
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.bootstrap()
        let seeds = URL(fileURLWithPath: setting(seedsDir, "HAVEN_SEEDS_DIR", default: "Seeds")!)
        let rules = try HSDSPackageRules(seedsDirectory: seeds)
        let meter = ProgressMeter()
        let started = ContinuousClock.now
        let package: HSDSPackage
        do {
            package = try HSDSPackageReader.read(from: URL(fileURLWithPath: self.package), rules: rules) {
                file, done, total in
                meter.show("reading   \(file)", done: done, total: total)
            }
        } catch let error as HSDSPackageError {
            throw ConfigurationError(error.description)
        }
        let reading = started.duration(to: .now)
        meter.finish(nil)
        say(
            "Read \(package.tables.count) files, \(package.rowCount) rows, in "
                + String(format: "%.1f s.", reading.inSeconds))
        let files = try database.migrations()
        let url = try await database.connectionURL(logger: logger)
        let report = try await PostgresClient.withClient(url: url, logger: logger) { client in
            let plan = try await Migrator(client: client, files: files, logger: logger.forPostgres()).plan()
            guard plan.isCurrent else {
                throw ConfigurationError("The database schema is not current: run `haven migrate` first.")
            }
            return try await HSDSImporter(client: client, logger: logger.forPostgres()).run(
                package, rules: rules.all, dryRun: dryRun, strict: strict, retireMissing: retireMissing
            ) { step in
                switch step {
                case .checking: meter.show("checking  \(package.rowCount) rows", done: 0, total: 0)
                case .staging(let file, let rows, let total): meter.show("staging   \(file)", done: rows, total: total)
                case .writing(let table, let step, let of): meter.show("writing   \(table)", done: step, total: of)
                case .indexing(let services, let total): meter.show("indexing  services", done: services, total: total)
                }
            }
        }
        meter.finish(nil)
        print(report, seconds: started.duration(to: .now))
        let warningsFail = strict && !report.warnings.isEmpty
        if !report.errors.isEmpty || warningsFail { throw ExitCode.failure }
    }

    private func print(_ report: HSDSImporter.Report, seconds duration: Duration) {
        let ordered = PackageProblem.readingOrder(report.problems)
        let shown = maxProblems > 0 ? Array(ordered.prefix(maxProblems)) : ordered
        for problem in shown { say(problem.description) }
        if shown.count < report.problems.count {
            say("… and \(report.problems.count - shown.count) more (--max-problems 0 prints all).")
        }
        let seconds = duration.inSeconds
        let errors = report.errors.count
        let warnings = report.warnings.count
        if errors > 0 {
            say(
                "Not imported: \(errors) error\(errors == 1 ? "" : "s") and \(warnings) warning\(warnings == 1 ? "" : "s"). "
                    + "Nothing was written.")
            return
        }
        for count in report.counts where count.added + count.changed + count.retired + count.removed > 0 {
            let retired = count.retired > 0 ? ", \(count.retired) retired" : ""
            let removed = count.removed > 0 ? ", \(count.removed) removed" : ""
            say(
                "  \(count.table.padding(toLength: 26, withPad: " ", startingAt: 0)) \(count.added) added, \(count.changed) updated\(retired)\(removed)"
            )
        }
        let retiring = dryRun ? "would retire" : "retired"
        let listed = maxProblems > 0 ? Array(report.retirements.prefix(maxProblems)) : report.retirements
        for record in listed {
            say("  \(retiring) \(record.table.dropLast()) \(record.id.uuidString.lowercased()) \(record.name)")
        }
        if listed.count < report.retirements.count {
            say("  … and \(report.retirements.count - listed.count) more (--max-problems 0 lists all).")
        }
        for count in report.counts where count.stillRetired > 0 {
            say(
                "  \(count.stillRetired) \(count.stillRetired == 1 ? String(count.table.dropLast()) : count.table) in the package "
                    + "\(count.stillRetired == 1 ? "is" : "are") retired in Haven and stay\(count.stillRetired == 1 ? "s" : "") retired."
            )
        }
        say(
            "  time: "
                + report.phases.map { "\($0.name) \(String(format: "%.1f", $0.seconds)) s" }.joined(separator: ", "))
        let rate = seconds > 0 ? Int(Double(report.rowsStaged) / seconds) : report.rowsStaged
        let summary =
            "\(report.rowsStaged) rows checked, \(report.changedRows) \(retireMissing ? "added, updated, retired or removed" : "added or updated"), "
            + "\(report.servicesReindexed) service\(report.servicesReindexed == 1 ? "" : "s") re-indexed for search, "
            + "\(warnings) row\(warnings == 1 ? "" : "s") left out (warnings), in \(String(format: "%.1f", seconds)) s "
            + "(\(rate) rows/s)."
        if strict && warnings > 0 {
            say("Not imported (--strict): \(summary) Nothing was written.")
        } else if dryRun {
            say("Dry run, nothing written: \(summary)")
        } else if report.changedRows == 0 {
            say("Already up to date: \(summary)")
        } else {
            say("Imported: \(summary)")
            // Re-indexed rows go wherever there is room, out of the map order searches read in.
            if report.servicesReindexed >= Self.reorderHintServices {
                say(
                    "Searches near these services read more pages until the search tables are back in map order: "
                        + "run `haven db reorder-search` in a quiet hour (searches wait while it runs, about 35 s "
                        + "at 1,000,000 services).")
            }
        }
    }

    static let reorderHintServices = 10_000
}

struct ExportHSDS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hsds",
        abstract: "Write the directory as an HSDS 3.0 tabular data package (a folder, or a .zip).",
        discussion: """
            The package holds the official HSDS CSV files and datapackage.json, plus Haven's \
            extension files (haven_*.csv: confidential locations, time zones, 24/7 hours, dated \
            exceptions, service-area kinds, freshness, Spanish labels), so `haven import hsds` \
            restores the same directory. Retired records are left out.

            The full package holds confidential (shelter) addresses and points: keep it like a \
            database backup. --public writes what partners may see, as /hsds shows it: \
            confidential locations keep their name and intake line only.
            """
    )

    @Argument(help: "Where to write: a folder (created if needed), or a file ending in .zip.") var destination: String
    @Flag(name: .customLong("public"), help: "Leave out confidential addresses, points and directions.")
    var publicOnly = false
    @Option(help: "Directory of seed files, which holds hsds/datapackage.json. [env: HAVEN_SEEDS_DIR] (default: Seeds)")
    var seedsDir: String?
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.bootstrap()
        let seeds = URL(fileURLWithPath: setting(seedsDir, "HAVEN_SEEDS_DIR", default: "Seeds")!)
        let rules = try HSDSPackageRules(seedsDirectory: seeds)
        let files = try database.migrations()
        let url = try await database.connectionURL(logger: logger)
        let meter = ProgressMeter()
        let started = ContinuousClock.now
        let destination = URL(fileURLWithPath: self.destination)
        let report = try await PostgresClient.withClient(url: url, logger: logger) { client in
            let plan = try await Migrator(client: client, files: files, logger: logger.forPostgres()).plan()
            guard plan.isCurrent else {
                throw ConfigurationError("The database schema is not current: run `haven migrate` first.")
            }
            return try await HSDSExporter(client: client, logger: logger.forPostgres()).export(
                to: destination, rules: rules, publicOnly: publicOnly
            ) { file, step, of in meter.show("writing   \(file)", done: step, total: of) }
        }
        meter.finish(nil)
        let duration = started.duration(to: .now)
        let seconds = duration.inSeconds
        for file in report.files where file.rows > 0 {
            say("  \(file.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(file.rows) rows")
        }
        say(
            "Exported \(report.rows) rows in \(report.files.count + 1) files to \(destination.path)"
                + "\(publicOnly ? " (public: confidential addresses left out)" : "") in \(String(format: "%.1f", seconds)) s."
        )
        if !publicOnly {
            say("This package holds confidential addresses: store and send it like a database backup.")
        }
    }
}

/// One line of progress on a terminal (percent and rate), redrawn in place; silent when stderr
/// is not a terminal, so logs and CI output stay clean.
final class ProgressMeter: @unchecked Sendable {
    private let lock = NSLock()
    private let enabled = isatty(STDERR_FILENO) == 1
    private let started = ContinuousClock.now
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private var drawn = false

    func show(_ label: String, done: Int, total: Int) {
        guard enabled else { return }
        lock.withLock {
            let now = ContinuousClock.now
            guard now - lastDraw >= .milliseconds(100) || done == total else { return }
            lastDraw = now
            let elapsed = started.duration(to: now)
            let seconds = elapsed.inSeconds
            var line = label
            if total > 0 {
                line += String(format: "  %3.0f%%  %d/%d", Double(done) * 100 / Double(total), done, total)
                if label.hasPrefix("staging"), seconds > 0 {
                    line += String(format: "  %.0f rows/s", Double(done) / seconds)
                }
            }
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            drawn = true
        }
    }

    func finish(_ message: String?) {
        guard enabled else { return }
        lock.withLock {
            if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if let message { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            drawn = false
        }
    }
}
