/// The API contract as written: the same YAML the generator compiles, embedded in the binary,
/// so what the server describes and what it implements cannot drift apart, and a deployed
/// `haven` needs no resource files beside it.
public enum OpenAPIDocument {
    public static var yaml: String {
        String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
    }

    /// Haven's HSDS profile (docs/hsds-profile.md), served at `GET /hsds/profile`.
    public static var hsdsProfile: String {
        String(decoding: PackageResources.hsds_profile_md, as: UTF8.self)
    }
}
