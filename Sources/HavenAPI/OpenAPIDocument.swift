import Foundation

/// The API contract as written: the same YAML the generator reads, so what the
/// server describes and what it implements cannot drift apart.
public enum OpenAPIDocument {
    /// Raw YAML of `openapi.yaml`, read from this module's resources.
    public static func yaml() throws -> String {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
