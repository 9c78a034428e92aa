import Foundation
import HavenCore
import ZIPFoundation

/// An HSDS tabular data package read from a folder or a zip file: its CSV tables by resource
/// name, and what could not be read at all.
public struct HSDSPackage: Sendable {
    public var tables: [String: CSVTable] = [:]
    /// The file each resource was read from, as problems name it.
    public var files: [String: String] = [:]
    public var problems: [PackageProblem] = []

    public var rowCount: Int { tables.values.reduce(0) { $0 + $1.count } }
}

/// The rules an HSDS package is checked against: the official HSDS 3.0 descriptor (copied in
/// Seeds/hsds with its provenance) plus Haven's extension resources.
public struct HSDSPackageRules: Sendable {
    public let official: DataPackageDescriptor
    /// The official descriptor as published, for writing into exported packages unchanged.
    public let officialJSON: Data

    public var all: DataPackageDescriptor {
        DataPackageDescriptor(name: official.name, resources: official.resources + HavenPackageExtension.resources)
    }

    public init(seedsDirectory: URL) throws {
        let file = seedsDirectory.appendingPathComponent("hsds/datapackage.json")
        do {
            officialJSON = try Data(contentsOf: file)
        } catch {
            throw HSDSPackageError("cannot read the HSDS descriptor \(file.path): \(error.localizedDescription)")
        }
        official = try JSONDecoder().decode(DataPackageDescriptor.self, from: officialJSON)
    }
}

public struct HSDSPackageError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads packages from a folder, or from a zip holding the files at its top or in one folder.
public enum HSDSPackageReader {
    public static func read(
        from url: URL, rules: HSDSPackageRules,
        progress: (_ file: String, _ done: Int, _ total: Int) -> Void = { _, _, _ in }
    ) throws -> HSDSPackage {
        let source = try PackageSource(url: url)
        var package = HSDSPackage()
        let descriptor: DataPackageDescriptor?
        if let data = try source.data(of: "datapackage.json") {
            do {
                descriptor = try JSONDecoder().decode(DataPackageDescriptor.self, from: data)
            } catch {
                throw HSDSPackageError("datapackage.json is not a data package descriptor: \(error)")
            }
        } else {
            descriptor = nil
            package.problems.append(
                .init(
                    .warning, file: "datapackage.json",
                    message: "the package has no descriptor; files are read under their HSDS names (services.csv, …)"))
        }
        let known = rules.all
        var wanted: [(resource: String, path: String)] = []
        if let descriptor {
            for resource in descriptor.resources {
                // As the data package specification requires: a path stays inside the package.
                let parts = resource.path.split(separator: "/")
                if resource.path.hasPrefix("/") || parts.contains("..") || resource.path.contains("://") {
                    package.problems.append(
                        .init(
                            .error, file: "datapackage.json",
                            message: "resource \(resource.name) has the path '\(resource.path.prefix(80))'; "
                                + "paths must be relative to the package, without '..'"))
                } else if known.resource(named: resource.name) == nil {
                    package.problems.append(
                        .init(
                            .warning, file: resource.path,
                            message: "'\(resource.name)' is not an HSDS or Haven resource; the file is not imported"))
                } else {
                    wanted.append((resource.name, resource.path))
                }
            }
            // Haven's extension files are read even when another tool rewrote the descriptor.
            for resource in HavenPackageExtension.resources
            where !wanted.contains(where: { $0.resource == resource.name }) {
                wanted.append((resource.name, resource.path))
            }
        } else {
            wanted = known.resources.map { ($0.name, $0.path) }
        }
        let total = wanted.count
        for (index, entry) in wanted.enumerated() {
            progress(entry.path, index, total)
            guard let data = try source.data(of: entry.path) else {
                if descriptor?.resource(named: entry.resource) != nil {
                    package.problems.append(
                        .init(
                            .error, file: entry.path, message: "is listed in datapackage.json but is not in the package"
                        ))
                }
                continue
            }
            do {
                package.tables[entry.resource] = try CSVTable.parse(data)
                package.files[entry.resource] = entry.path
            } catch let error as CSVSyntaxError {
                package.problems.append(.init(.error, file: entry.path, line: error.line, message: error.message))
            }
        }
        progress("", total, total)
        return package
    }
}

/// A folder or a zip archive, read by relative path.
private struct PackageSource {
    private enum Kind {
        case folder(URL)
        case zip(Archive, prefix: String)
    }

    private let kind: Kind

    init(url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw HSDSPackageError("\(url.path) does not exist")
        }
        if isDirectory.boolValue {
            kind = .folder(url)
            return
        }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw HSDSPackageError("\(url.path) is neither a folder nor a zip file")
        }
        // The descriptor's folder is the package's root: zips often wrap the files in one.
        let descriptor = archive.first { $0.path == "datapackage.json" || $0.path.hasSuffix("/datapackage.json") }
        let prefix = descriptor.map { String($0.path.dropLast("datapackage.json".count)) } ?? ""
        kind = .zip(archive, prefix: prefix)
    }

    func data(of path: String) throws -> Data? {
        switch kind {
        case .folder(let folder):
            let file = folder.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: file.path) else { return nil }
            return try Data(contentsOf: file)
        case .zip(let archive, let prefix):
            guard let entry = archive[prefix + path] else { return nil }
            var data = Data()
            _ = try archive.extract(entry, skipCRC32: false) { chunk in data.append(chunk) }
            return data
        }
    }
}
