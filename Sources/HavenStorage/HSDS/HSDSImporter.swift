import Foundation
import HavenCore
import Logging
import NIOCore
import PostgresNIO

/// `haven import hsds`: checks a package whole, then writes it in one transaction, so a package
/// with any error, or a dry run, leaves the database as it was.
public struct HSDSImporter: Sendable {
    public struct Count: Sendable, Equatable {
        public let table: String
        public var added = 0
        public var changed = 0
        /// Left out of the package and retired (`retireMissing`).
        public var retired = 0
        /// Listed in the package but retired in Haven: updated, and still retired.
        public var stillRetired = 0
        /// Child rows of listed records that the package no longer has (`retireMissing`).
        public var removed = 0
    }

    /// A record `retireMissing` took out of the directory.
    public struct Retirement: Sendable, Equatable {
        public let table: String
        public let id: UUID
        public let name: String
    }

    public struct Report: Sendable {
        public var problems: [PackageProblem]
        public var counts: [Count] = []
        public var rowsStaged = 0
        public var servicesReindexed = 0
        /// What `retireMissing` retired, by table then name.
        public var retirements: [Retirement] = []
        /// Whether the changes were committed (false on errors and on a dry run).
        public var written = false
        /// Seconds spent checking, staging, writing and re-indexing, in that order.
        public var phases: [(name: String, seconds: Double)] = []

        public var errors: [PackageProblem] { problems.filter { $0.severity == .error } }
        public var warnings: [PackageProblem] { problems.filter { $0.severity == .warning } }
        public var changedRows: Int { counts.reduce(0) { $0 + $1.added + $1.changed + $1.retired + $1.removed } }
    }

    public enum Progress: Sendable {
        case checking
        case staging(file: String, rows: Int, total: Int)
        case writing(table: String, step: Int, of: Int)
        case indexing(services: Int, total: Int)
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// An import changes the directory as curators do, from the command line: one row for the
    /// import and one for each record it retired, written with its changes.
    private func audit(_ report: Report, on connection: PostgresConnection) async throws {
        let log = AuditLog(logger: logger)
        func event(_ action: String, _ type: String, _ id: String?) -> AuditEvent {
            AuditEvent(
                caller: nil, action: action, recordType: type, recordID: id, outcome: .allowed, requestID: nil,
                clientAddress: "local")
        }
        try await log.record(event("importHSDS", "hsds_package", nil), on: connection)
        for retired in report.retirements {
            let kind = retired.table == "locations" ? "location" : "service"
            try await log.record(
                event("importHSDS.retire", kind, retired.id.uuidString.lowercased()), on: connection)
        }
    }

    /// With `retireMissing`, the services and locations of the package's organizations that the
    /// package does not list are retired (see `HSDSImportPlan.retirements`).
    public func run(
        _ package: HSDSPackage, rules: DataPackageDescriptor, dryRun: Bool, strict: Bool = false,
        retireMissing: Bool = false, progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws -> Report {
        progress(.checking)
        var clock = PhaseClock()
        let outcome = HSDSPackageCheck.run(package.tables, files: package.files, rules: rules)
        var report = Report(problems: (package.problems + outcome.problems).sorted())
        report.phases.append(("checking", clock.lap()))
        // With `strict`, a row that would be left out stops the import like an error.
        guard report.errors.isEmpty, !(strict && !report.warnings.isEmpty) else { return report }

        return try await client.withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                try await stage(
                    package, rules: rules, skipped: outcome.skipped, on: connection, report: &report, progress: progress
                )
                report.phases.append(("staging", clock.lap()))
                try await write(
                    package, retireMissing: retireMissing, on: connection, report: &report, progress: progress)
                report.phases.append(("writing", clock.lap()))
                if report.errors.isEmpty {
                    try await reindex(on: connection, report: &report, progress: progress)
                    report.phases.append(("indexing", clock.lap()))
                }
                if report.errors.isEmpty && !dryRun {
                    try await audit(report, on: connection)
                    try await connection.query("COMMIT", logger: logger)
                    report.written = true
                } else {
                    try await connection.query("ROLLBACK", logger: logger)
                }
                return report
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Wall-clock seconds between laps.
    private struct PhaseClock {
        private var last = ContinuousClock.now

        mutating func lap() -> Double {
            let now = ContinuousClock.now
            let elapsed = last.duration(to: now)
            last = now
            return elapsed.inSeconds
        }
    }

    // MARK: Staging

    private func stage(
        _ package: HSDSPackage, rules: DataPackageDescriptor, skipped: [String: Set<Int>],
        on connection: PostgresConnection,
        report: inout Report, progress: @Sendable (Progress) -> Void
    ) async throws {
        try await connection.query(
            "CREATE TEMP TABLE import_changed (entity text NOT NULL, id uuid NOT NULL) ON COMMIT DROP", logger: logger)
        // The ids of rows a warning left out: a full list does not remove what it only skipped.
        try await connection.query(
            "CREATE TEMP TABLE import_left_out (resource text NOT NULL, id text NOT NULL) ON COMMIT DROP",
            logger: logger)
        let total = package.rowCount
        var done = 0
        for resource in rules.resources {
            let columns =
                ["line int"] + resource.schema.fields.map { "\"\($0.name)\" text" }
                + (HSDSImportPlan.derivedColumns[resource.name] ?? [])
            try await connection.query(
                PostgresQuery(
                    unsafeSQL:
                        "CREATE TEMP TABLE import_\(resource.name) (\(columns.joined(separator: ", "))) ON COMMIT DROP"),
                logger: logger)
            guard let table = package.tables[resource.name], table.count > 0 else { continue }
            let file = package.files[resource.name] ?? resource.path
            let leftOut = skipped[resource.name] ?? []
            let fields = resource.schema.fields.map(\.name)
            let positions = fields.map { table.position(of: $0) }
            if !leftOut.isEmpty, let idPosition = table.position(of: "id") {
                let ids = leftOut.compactMap { row in
                    table.rows[row].count > idPosition ? table.rows[row][idPosition].lowercased() : nil
                }
                try await connection.query(
                    "INSERT INTO import_left_out (resource, id) SELECT \(resource.name), unnest(\(ids)::text[])",
                    logger: logger)
            }
            let before = done
            try await connection.copyFrom(
                table: "import_\(resource.name)", columns: ["line"] + fields, logger: logger
            ) { writer in
                var buffer = ByteBuffer()
                buffer.reserveCapacity(1 << 20)
                for row in 0..<table.count {
                    if !leftOut.contains(row) {
                        buffer.writeString(String(table.lines[row]))
                        let values = table.rows[row]
                        for position in positions {
                            buffer.writeInteger(UInt8(ascii: "\t"))
                            if let position, position < values.count, !values[position].isEmpty {
                                Self.writeCopyText(values[position], to: &buffer)
                            } else {
                                buffer.writeStaticString("\\N")
                            }
                        }
                        buffer.writeInteger(UInt8(ascii: "\n"))
                    }
                    if buffer.readableBytes >= 1 << 20 {
                        try await writer.write(buffer)
                        buffer.clear()
                        progress(.staging(file: file, rows: before + row + 1, total: total))
                    }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
            }
            done += table.count
            progress(.staging(file: file, rows: done, total: total))
            report.rowsStaged += table.count - leftOut.count
            try await connection.query(PostgresQuery(unsafeSQL: "ANALYZE import_\(resource.name)"), logger: logger)
        }
    }

    /// COPY's text format: backslash escapes for the backslash and the characters that end a
    /// field or a row.
    private static func writeCopyText(_ value: String, to buffer: inout ByteBuffer) {
        let utf8 = value.utf8
        guard utf8.contains(where: { $0 == 0x5C || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
            buffer.writeString(value)
            return
        }
        for byte in utf8 {
            switch byte {
            case 0x5C: buffer.writeStaticString("\\\\")
            case 0x09: buffer.writeStaticString("\\t")
            case 0x0A: buffer.writeStaticString("\\n")
            case 0x0D: buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }

    // MARK: Writing

    private func write(
        _ package: HSDSPackage, retireMissing: Bool, on connection: PostgresConnection, report: inout Report,
        progress: @Sendable (Progress) -> Void
    ) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: HSDSImportPlan.derivedTaxonomies), logger: logger)
        try await connection.query(PostgresQuery(unsafeSQL: HSDSImportPlan.serviceAreaShapes), logger: logger)
        for check in HSDSImportPlan.checksBeforeWriting {
            report.problems += try await problems(check.sql, resource: check.resource, package: package, on: connection)
        }
        guard report.errors.isEmpty else {
            report.problems.sort()
            return
        }

        let targets = HSDSImportPlan.targets
        for (step, target) in targets.enumerated() {
            progress(.writing(table: target.table, step: step + 1, of: targets.count))
            if target.table == "schedules" {
                try await connection.query(PostgresQuery(unsafeSQL: HSDSImportPlan.scheduleZones), logger: logger)
                report.problems += try await problems(
                    HSDSImportPlan.scheduleZoneCheck, resource: "schedule", package: package, on: connection)
                guard report.errors.isEmpty else {
                    report.problems.sort()
                    return
                }
            }
            var count = Count(table: target.table)
            // Updating first spares comparing rows just added. A table whose rows point at each
            // other (term parents, parent organizations) adds first, so an update can point at a
            // row that is new in this package.
            if target.selfReferencing {
                count.added = try await number(target.insertSQL, on: connection)
                count.changed = try await number(target.updateSQL, on: connection)
            } else {
                count.changed = try await number(target.updateSQL, on: connection)
                count.added = try await number(target.insertSQL, on: connection)
            }
            report.counts.append(count)
        }
        if retireMissing {
            var removals = HSDSImportPlan.childLists.map { list in
                (
                    list.table, list.resource,
                    HSDSImportPlan.removeMissingChildren(list.table, resource: list.resource, owners: list.owners)
                )
            }
            removals.append(("attributes", "attribute", HSDSImportPlan.removeMissingAttributes))
            for (table, resource, sql) in removals where package.tables[resource] != nil {
                let removed = try await number(sql, on: connection)
                if let index = report.counts.firstIndex(where: { $0.table == table }) {
                    report.counts[index].removed += removed
                }
            }
        }
        for retirement in HSDSImportPlan.retirements {
            guard let index = report.counts.firstIndex(where: { $0.table == retirement.table }) else { continue }
            report.counts[index].stillRetired = try await number(
                HSDSImportPlan.stillRetired(retirement.table, resource: retirement.resource), on: connection)
            // A package without the file says nothing about that table: only a listed file, even
            // an empty one, is a full list.
            guard retireMissing, package.tables[retirement.resource] != nil else { continue }
            let sql = HSDSImportPlan.retireMissing(
                retirement.table, resource: retirement.resource, modifiedColumn: retirement.modifiedColumn)
            for try await (id, name) in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                .decode((UUID, String).self)
            {
                report.retirements.append(Retirement(table: retirement.table, id: id, name: name))
                report.counts[index].retired += 1
            }
        }
    }

    private func reindex(
        on connection: PostgresConnection, report: inout Report, progress: @Sendable (Progress) -> Void
    )
        async throws
    {
        var services: [UUID] = []
        for try await ids in try await connection.query(
            PostgresQuery(unsafeSQL: HSDSImportPlan.affectedServices), logger: logger
        ).decode([UUID].self) {
            services = ids
        }
        // Inside the import's transaction the tables hold rows autovacuum cannot see yet: without
        // fresh statistics the planner takes a large import for an empty table, and the search
        // refresh that follows runs for minutes instead of seconds.
        if report.changedRows > 1_000 {
            for count in report.counts where count.added + count.changed > 0 {
                try await connection.query(PostgresQuery(unsafeSQL: "ANALYZE \(count.table)"), logger: logger)
            }
        }
        // A service or location whose own row the package left as it was can still show changed
        // phones, hours or locations: it moves to a new version (and `changed_at` or
        // `updated_at`) like a changed one.
        try await connection.perform(PostgresQuery(unsafeSQL: HSDSImportPlan.touchLocations), logger: logger)
        try await connection.perform(
            """
            SELECT touch_services(ARRAY(\(unescaped: HSDSImportPlan.untouchedServices)), false)
            FROM (SELECT \(services)::uuid[] AS affected) given
            """,
            logger: logger)
        let batch = 5_000
        for start in stride(from: 0, to: services.count, by: batch) {
            let ids = Array(services[start..<min(start + batch, services.count)])
            try await connection.perform("SELECT refresh_services_search(\(ids))", logger: logger)
            progress(.indexing(services: start + ids.count, total: services.count))
        }
        report.servicesReindexed = services.count
        if services.count > 1_000 {
            for table in [
                "services", "locations", "attributes", "search_points", "search_area_keys", "search_area_shapes",
            ] {
                try await connection.query(PostgresQuery(unsafeSQL: "ANALYZE \(table)"), logger: logger)
            }
        }
    }

    private func number(_ sql: String, on connection: PostgresConnection) async throws -> Int {
        var result = 0
        for try await count in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(
            Int64.self)
        {
            result = Int(count)
        }
        return result
    }

    private func problems(_ sql: String, resource: String, package: HSDSPackage, on connection: PostgresConnection)
        async throws -> [PackageProblem]
    {
        let file = package.files[resource] ?? HavenPackageExtension.defaultPath(of: resource)
        var found: [PackageProblem] = []
        for try await (line, column, message) in try await connection.query(
            PostgresQuery(unsafeSQL: sql), logger: logger
        ).decode((Int32, String, String).self) {
            found.append(.init(.error, file: file, line: Int(line), column: column, message: message))
        }
        return found
    }
}
