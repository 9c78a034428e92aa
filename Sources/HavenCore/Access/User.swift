import Foundation

/// Someone who uses Haven: a specialist, coordinator, curator, admin, or a partner integration.
public struct User: Sendable, Equatable {
    public let id: UUID
    public var name: String
    public var role: Role
    public var organizationID: UUID?
    public var disabledAt: Date?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID,
        name: String,
        role: Role,
        organizationID: UUID?,
        disabledAt: Date?,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.organizationID = organizationID
        self.disabledAt = disabledAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var isDisabled: Bool { disabledAt != nil }
}

/// An API token as stored: never the secret, which is shown once at creation.
public struct APIToken: Sendable, Equatable {
    public let id: UUID
    public let userID: UUID
    public let name: String
    public let createdAt: Date
    public let lastUsedAt: Date?
    public let expiresAt: Date?
    public let revokedAt: Date?

    public init(
        id: UUID,
        userID: UUID,
        name: String,
        createdAt: Date,
        lastUsedAt: Date?,
        expiresAt: Date?,
        revokedAt: Date?
    ) {
        self.id = id
        self.userID = userID
        self.name = name
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// One invalid field of a request, with a JSON Pointer to it.
public struct FieldError: Sendable, Equatable, Codable, Error {
    public let pointer: String
    public let detail: String

    public init(pointer: String, detail: String) {
        self.pointer = pointer
        self.detail = detail
    }
}

/// Rules for the values people type into user and token records.
public enum AccessValidation {
    public static let maximumNameLength = 200

    /// Trims the name and checks it; `pointer` names the field in errors.
    public static func name(_ raw: String, pointer: String = "/name") -> Result<String, FieldError> {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .failure(FieldError(pointer: pointer, detail: "must not be empty")) }
        if trimmed.count > maximumNameLength {
            return .failure(FieldError(pointer: pointer, detail: "must be at most \(maximumNameLength) characters"))
        }
        if trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return .failure(FieldError(pointer: pointer, detail: "must not contain control characters"))
        }
        return .success(trimmed)
    }

    /// A partner acts for one organization; every other role may have one.
    public static func organization(_ organizationID: UUID?, for role: Role) -> FieldError? {
        role == .partner && organizationID == nil
            ? FieldError(pointer: "/organization_id", detail: "is required for a partner") : nil
    }

    /// An expiry must lie in the future.
    public static func expiry(_ expiresAt: Date?, now: Date) -> FieldError? {
        guard let expiresAt, expiresAt <= now else { return nil }
        return FieldError(pointer: "/expires_at", detail: "must be in the future")
    }
}
