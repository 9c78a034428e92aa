import Crypto
import Foundation
import HavenCore

/// Reads the numbered migration files from a directory (normally `Migrations/`).
public struct MigrationSource: Sendable {
    public enum LoadError: Error, CustomStringConvertible {
        case directoryMissing(String)
        case unreadable(file: String, reason: String)
        case badFileName(String)
        case emptyDirectory(String)

        public var description: String {
            switch self {
            case .directoryMissing(let path):
                "The migrations directory \(path) does not exist. Run haven from the repository root or set HAVEN_MIGRATIONS_DIR."
            case .unreadable(let file, let reason):
                "Cannot read migration \(file): \(reason)"
            case .badFileName(let file):
                "\(file) in the migrations directory is not named NNNN_lowercase_name.sql (e.g. 0002_add_services.sql)."
            case .emptyDirectory(let path):
                "The migrations directory \(path) holds no migrations."
            }
        }
    }

    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public func load() throws -> [MigrationFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw LoadError.directoryMissing(directory.path)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        var files: [MigrationFile] = []
        for name in names {
            guard let parsed = MigrationFile.parseFileName(name) else { throw LoadError.badFileName(name) }
            let data: Data
            do {
                data = try Data(contentsOf: directory.appendingPathComponent(name))
            } catch {
                throw LoadError.unreadable(file: name, reason: error.localizedDescription)
            }
            guard let sql = String(data: data, encoding: .utf8) else {
                throw LoadError.unreadable(file: name, reason: "not UTF-8 text")
            }
            let checksum = Hex.string(SHA256.hash(data: data))
            files.append(
                MigrationFile(
                    version: parsed.version, name: parsed.name, fileName: name, checksum: checksum, sql: sql,
                    directory: directory.relativePath)
            )
        }
        guard !files.isEmpty else { throw LoadError.emptyDirectory(directory.path) }
        return files
    }
}
