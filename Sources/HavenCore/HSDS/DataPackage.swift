/// A Frictionless data package descriptor (`datapackage.json`): the resources (one CSV file each)
/// and each one's table schema. Haven reads the official HSDS 3.0 descriptor for the field rules
/// and a package's own descriptor only for where its files are. Keys Haven does not use (the
/// license, `core` markers, examples of other types) are left out of the model.
public struct DataPackageDescriptor: Codable, Sendable, Equatable {
    public var name: String?
    public var title: String?
    public var description: String?
    public var profile: String?
    public var version: String?
    public var resources: [DataResource]

    public init(name: String? = nil, resources: [DataResource]) {
        self.name = name
        self.resources = resources
    }

    public func resource(named name: String) -> DataResource? {
        resources.first { $0.name == name }
    }
}

public struct DataResource: Codable, Sendable, Equatable {
    public var name: String
    public var path: String
    public var profile: String?
    public var title: String?
    public var description: String?
    public var format: String?
    public var mediatype: String?
    public var encoding: String?
    public var schema: TableSchema

    public init(name: String, path: String, description: String? = nil, schema: TableSchema) {
        self.name = name
        self.path = path
        self.profile = "tabular-data-resource"
        self.description = description
        self.format = "csv"
        self.mediatype = "text/csv"
        self.encoding = "utf-8"
        self.schema = schema
    }

    private enum CodingKeys: String, CodingKey {
        case name, path, profile, title, description, format, mediatype, encoding, schema
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        path = try container.decodeIfPresent(String.self, forKey: .path) ?? "\(name).csv"
        profile = try container.decodeIfPresent(String.self, forKey: .profile)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        format = try container.decodeIfPresent(String.self, forKey: .format)
        mediatype = try container.decodeIfPresent(String.self, forKey: .mediatype)
        encoding = try container.decodeIfPresent(String.self, forKey: .encoding)
        schema = try container.decodeIfPresent(TableSchema.self, forKey: .schema) ?? TableSchema(fields: [])
    }
}

public struct TableSchema: Codable, Sendable, Equatable {
    public var fields: [TableField]
    public var primaryKey: FieldNames?
    public var foreignKeys: [ForeignKey]?

    public init(fields: [TableField], primaryKey: String? = nil, foreignKeys: [ForeignKey] = []) {
        self.fields = fields
        self.primaryKey = primaryKey.map { FieldNames([$0]) }
        self.foreignKeys = foreignKeys.isEmpty ? nil : foreignKeys
    }

    public func field(named name: String) -> TableField? { fields.first { $0.name == name } }
}

/// One field name or several: the descriptor allows either form.
public struct FieldNames: Codable, Sendable, Equatable {
    public var names: [String]

    public init(_ names: [String]) { self.names = names }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let one = try? container.decode(String.self) {
            names = [one]
        } else {
            names = try container.decode([String].self)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if names.count == 1 { try container.encode(names[0]) } else { try container.encode(names) }
    }
}

public struct ForeignKey: Codable, Sendable, Equatable {
    public struct Reference: Codable, Sendable, Equatable {
        public var resource: String
        public var fields: FieldNames
    }

    public var fields: FieldNames
    public var reference: Reference

    public init(field: String, resource: String, referencedField: String = "id") {
        fields = FieldNames([field])
        reference = Reference(resource: resource, fields: FieldNames([referencedField]))
    }
}

public struct TableField: Codable, Sendable, Equatable {
    public enum FieldType: String, Codable, Sendable {
        case string, number, integer, boolean, date, time, datetime
        case array, object, any, year, duration, geopoint, geojson
    }

    public struct Constraints: Codable, Sendable, Equatable {
        public var required: Bool?
        public var unique: Bool?
        public var `enum`: [String]?

        public init(required: Bool? = nil, unique: Bool? = nil, enum values: [String]? = nil) {
            self.required = required
            self.unique = unique
            self.enum = values
        }
    }

    public var name: String
    public var title: String?
    public var description: String?
    public var type: FieldType
    public var format: String?
    public var example: String?
    public var constraints: Constraints?

    public init(
        _ name: String, _ type: FieldType = .string, format: String? = nil, required: Bool = false,
        unique: Bool = false, enum values: [String]? = nil, description: String? = nil
    ) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.constraints = Constraints(required: required, unique: unique, enum: values)
    }

    private enum CodingKeys: String, CodingKey {
        case name, title, description, type, format, example, constraints
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        title = try container.decodeIfPresent(String.self, forKey: .title)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        type = try container.decodeIfPresent(FieldType.self, forKey: .type) ?? .string
        format = try container.decodeIfPresent(String.self, forKey: .format)
        example = try? container.decodeIfPresent(String.self, forKey: .example)
        constraints = try container.decodeIfPresent(Constraints.self, forKey: .constraints)
    }

    public var isRequired: Bool { constraints?.required ?? false }
    public var isUnique: Bool { constraints?.unique ?? false }
}
