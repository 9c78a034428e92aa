/// A numbered SQL migration as found on disk, e.g. `Migrations/0001_foundation.sql`.
public struct MigrationFile: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let fileName: String
    /// Lowercase hex SHA-256 of the file's bytes.
    public let checksum: String
    public let sql: String
    /// The folder it was read from, as given (`HAVEN_MIGRATIONS_DIR` may point elsewhere), so
    /// a message about it names the file the operator actually has to look at.
    public let directory: String

    public init(
        version: Int, name: String, fileName: String, checksum: String, sql: String, directory: String = "Migrations"
    ) {
        self.version = version
        self.name = name
        self.fileName = fileName
        self.checksum = checksum
        self.sql = sql
        self.directory = directory
    }

    /// `Migrations/0001_foundation.sql`, or the same under the configured folder.
    public var path: String { directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName }

    /// Parses `NNNN_name.sql` into its version and name; `nil` for anything else.
    ///
    /// The name is restricted to lowercase words so file names stay portable and
    /// sort the same everywhere.
    public static func parseFileName(_ fileName: String) -> (version: Int, name: String)? {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_") else { return nil }
        let digits = stem[..<underscore]
        let name = stem[stem.index(after: underscore)...]
        guard digits.count == 4, digits.allSatisfy(\.isASCIIDigit), let version = Int(digits), version > 0 else {
            return nil
        }
        guard !name.isEmpty, name.allSatisfy({ $0.isASCIILowercaseLetter || $0.isASCIIDigit || $0 == "_" }) else {
            return nil
        }
        return (version, String(name))
    }
}

/// A migration recorded in `schema_migrations`.
public struct AppliedMigration: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let checksum: String

    public init(version: Int, name: String, checksum: String) {
        self.version = version
        self.name = name
        self.checksum = checksum
    }

    public var fileName: String { MigrationPlan.fileName(version: version, name: name) }
}

/// What must happen to bring a database to the schema this build expects, and
/// what stops it from happening safely.
public struct MigrationPlan: Sendable, Equatable {
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// An applied migration's file no longer has the checksum it had when applied.
        case modified(path: String)
        /// The database has a migration this build does not know (it is newer than this build).
        case unknownApplied(fileName: String)
        /// A pending migration is numbered below one that is already applied.
        case outOfOrder(path: String, latestApplied: String)
        /// Two files share one version number.
        case duplicateVersion(fileNames: [String])

        public var description: String {
            switch self {
            case .modified(let path):
                return
                    "\(path) was changed after it was applied to this database. "
                    + "Applied migrations must never be edited: restore the file and add a new migration instead."
            case .unknownApplied(let fileName):
                return
                    "The database has migration \(fileName), which this build of Haven does not have. "
                    + "Run a build that includes it."
            case .outOfOrder(let path, let latestApplied):
                return
                    "\(path) is numbered below \(latestApplied), which is already applied. "
                    + "Renumber it after the latest applied migration."
            case .duplicateVersion(let fileNames):
                return
                    "These migrations share a version number: \(fileNames.joined(separator: ", ")). Renumber one of them."
            }
        }
    }

    public enum Entry: Sendable, Equatable {
        case applied(AppliedMigration)
        case pending(MigrationFile)
    }

    /// Applied and pending migrations in version order, for `haven migrate --status`.
    public let entries: [Entry]
    public let pending: [MigrationFile]
    public let problems: [Problem]

    public init(files: [MigrationFile], applied: [AppliedMigration]) {
        let files = files.sorted { ($0.version, $0.fileName) < ($1.version, $1.fileName) }
        var problems: [Problem] = []

        let filesByVersion = Dictionary(grouping: files, by: \.version)
        for version in filesByVersion.keys.sorted() where filesByVersion[version]!.count > 1 {
            problems.append(.duplicateVersion(fileNames: filesByVersion[version]!.map(\.fileName)))
        }

        let appliedByVersion = Dictionary(applied.map { ($0.version, $0) }, uniquingKeysWith: { first, _ in first })
        for record in applied.sorted(by: { $0.version < $1.version }) {
            guard let file = filesByVersion[record.version]?.first else {
                problems.append(.unknownApplied(fileName: record.fileName))
                continue
            }
            if file.checksum != record.checksum {
                problems.append(.modified(path: file.path))
            }
        }

        let pending = files.filter { appliedByVersion[$0.version] == nil }
        if let latest = applied.max(by: { $0.version < $1.version }) {
            for file in pending where file.version < latest.version {
                problems.append(.outOfOrder(path: file.path, latestApplied: latest.fileName))
            }
        }

        var entries = applied.map(Entry.applied) + pending.map(Entry.pending)
        entries.sort { $0.version < $1.version }

        self.entries = entries
        self.pending = pending
        self.problems = problems
    }

    /// True when the database has exactly the migrations this build ships.
    public var isCurrent: Bool { pending.isEmpty && problems.isEmpty }

    static func fileName(version: Int, name: String) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name + ".sql"
    }
}

extension MigrationPlan.Entry {
    public var version: Int {
        switch self {
        case .applied(let migration): migration.version
        case .pending(let file): file.version
        }
    }

    public var fileName: String {
        switch self {
        case .applied(let migration): migration.fileName
        case .pending(let file): file.fileName
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
    fileprivate var isASCIILowercaseLetter: Bool { isASCII && isLowercase }
}
