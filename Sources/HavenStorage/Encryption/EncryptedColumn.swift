import Foundation

/// A `bytea` column that holds `FieldCipher` ciphertext, keyed by a UUID `id` column.
///
/// Every encrypted column is listed in `EncryptedColumn.all`, so `haven keys status` and
/// `haven keys rotate` reach all of them; a repository that adds one registers it here.
public struct EncryptedColumn: Sendable, Hashable, CustomStringConvertible {
    public let table: String
    public let column: String

    public init(table: String, column: String) {
        self.table = table
        self.column = column
    }

    public var description: String { "\(table).\(column)" }

    /// Every encrypted column in the schema: key rotation re-encrypts exactly these.
    public static let all: [EncryptedColumn] = [
        VolunteerRepository.name, VolunteerRepository.contacts, FamilyRepository.reference, FamilyRepository.details,
        ConsentRepository.givenBy, PlanRepository.content, IdempotencyRepository.responseBody,
        ReferralRepository.declineReason, ReferralRepository.outcome, MentorMatchRepository.declineReason,
        MentorMatchRepository.outcome,
    ]
}
