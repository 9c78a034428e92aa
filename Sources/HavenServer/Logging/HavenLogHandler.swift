import Foundation
import Logging

/// Writes one line per log event to standard error: JSON for machines (the default) or
/// `key=value` text for people at a terminal.
///
/// The handler adds nothing of its own beyond time, level and label; keeping personal data out
/// of logs is the job of the code that logs (route templates, never paths, bodies or queries).
public struct HavenLogHandler: LogHandler {
    public enum Format: String, Sendable, CaseIterable {
        case json
        case text
    }

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    let label: String
    let format: Format

    public init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        let line =
            switch format {
            case .json: jsonLine(event, fields)
            case .text: textLine(event, fields)
            }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private func jsonLine(_ event: LogEvent, _ fields: Logger.Metadata) -> String {
        var members = [
            "\"ts\":\(Self.quoted(Self.timestamp()))",
            "\"level\":\(Self.quoted(event.level.rawValue))",
            "\"logger\":\(Self.quoted(label))",
            "\"msg\":\(Self.quoted(event.message.description))",
        ]
        for key in Self.sortedKeys(fields) {
            members.append("\(Self.quoted(Self.publicKey(key))):\(Self.quoted(fields[key]!.description))")
        }
        return "{" + members.joined(separator: ",") + "}"
    }

    private func textLine(_ event: LogEvent, _ fields: Logger.Metadata) -> String {
        let pairs = Self.sortedKeys(fields).map { "\(Self.publicKey($0))=\(fields[$0]!)" }
        return ([Self.timestamp(), event.level.rawValue.uppercased(), label, event.message.description] + pairs)
            .joined(separator: " ")
    }

    /// In byte order, which is the alphabetical order of the ASCII keys Haven logs under, without
    /// the Unicode comparison of `String.<`: every request at the default level writes a line.
    private static func sortedKeys(_ fields: Logger.Metadata) -> [String] {
        fields.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Hummingbird keeps the request id under its own key; logs call it what the header calls it.
    private static func publicKey(_ key: String) -> String {
        key == "hb.request.id" ? "request_id" : key
    }

    private static func timestamp() -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(Date())
    }

    private static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
