import Foundation
import HavenCore
import SwiftCSV

/// Reads the language guide from `Seeds/reference/language-guide.csv` and any
/// `language-guide.*.csv` beside it (an organization's own terms).
public enum LanguageGuideFiles {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func load(directory: URL) throws -> LanguageGuide {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let files = names.filter {
            $0 == "language-guide.csv" || ($0.hasPrefix("language-guide.") && $0.hasSuffix(".csv"))
        }
        .sorted { ($0 == "language-guide.csv" ? "" : $0) < ($1 == "language-guide.csv" ? "" : $1) }
        guard files.contains("language-guide.csv") else {
            throw Failure(description: "\(directory.path)/language-guide.csv is missing")
        }
        var rules: [LanguageRule] = []
        for file in files {
            let url = directory.appendingPathComponent(file)
            rules += try parse(try String(contentsOf: url, encoding: .utf8), file: file)
        }
        return LanguageGuide(rules: rules)
    }

    static func parse(_ text: String, file: String) throws -> [LanguageRule] {
        let rows: [[String: String]]
        do {
            rows = try NamedCSV(string: text, delimiter: .comma, loadColumns: false).rows
        } catch {
            throw Failure(description: "\(file) is not valid CSV: \(error)")
        }
        return try rows.enumerated().map { index, row in
            guard let pattern = row["pattern"], !pattern.isEmpty, let prefer = row["prefer"],
                let severity = row["severity"].flatMap(LanguageRule.Severity.init(rawValue:))
            else {
                throw Failure(
                    description: "\(file) line \(index + 2): needs pattern, prefer and severity (avoid or review)")
            }
            return LanguageRule(
                patterns: pattern.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) },
                prefer: prefer, severity: severity, basis: row["basis"] ?? "")
        }
    }
}
