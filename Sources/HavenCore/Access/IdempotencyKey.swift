/// The `Idempotency-Key` a client sends with a POST so that sending it again, after a lost
/// answer, cannot create a second record: the retry gets the first answer back.
///
/// Follows the IETF draft "The Idempotency-Key HTTP Header Field": the value is a string, sent
/// quoted (`"4b1c…"`) or bare, as most clients do.
public struct IdempotencyKey: Sendable, Hashable, CustomStringConvertible {
    public static let maximumLength = 255
    /// How long a key's first answer is kept for retries.
    public static let lifetime: Duration = .seconds(24 * 60 * 60)
    /// A claim whose request never finished (the server stopped mid-request) frees the key after
    /// this long, so the client can retry with the same key instead of being told to wait a day.
    public static let abandonedAfter: Duration = .seconds(5 * 60)

    public let value: String

    public var description: String { value }

    /// A header value that is not a key; `detail` says why, for the problem's detail.
    public struct Unusable: Error, Sendable, Equatable {
        public let detail: String
    }

    public init(header: String) throws(Unusable) {
        switch Self.parse(header) {
        case .success(let value): self.value = value
        case .failure(let reason): throw Unusable(detail: reason.detail)
        }
    }

    /// Whether an operation takes a key. A new API token's secret is shown once and never kept,
    /// so its answer cannot be replayed.
    public static func isAccepted(by operation: Operation) -> Bool {
        operation != .createToken
    }

    /// Only a success is kept: a request that failed wrote nothing, so the client may correct
    /// it and send it again under the same key.
    public static func keepsAnswer(status: Int) -> Bool {
        (200..<300).contains(status)
    }

    private enum Reason: Error {
        case empty, tooLong, notPrintable

        var detail: String {
            switch self {
            case .empty: "The Idempotency-Key header is empty."
            case .tooLong: "The Idempotency-Key header is longer than \(IdempotencyKey.maximumLength) characters."
            case .notPrintable:
                "The Idempotency-Key header may hold only visible ASCII characters (a UUID is a good key)."
            }
        }
    }

    private static func parse(_ header: String) -> Result<String, Reason> {
        var value = Substring(header.trimmingSpaces)
        if value.count >= 2, value.first == "\"", value.last == "\"" {
            value = value.dropFirst().dropLast()
        }
        guard !value.isEmpty else { return .failure(.empty) }
        guard value.utf8.count <= maximumLength else { return .failure(.tooLong) }
        // Visible ASCII only, and no quote inside: nothing that could be mistaken when logged,
        // compared or echoed in a problem.
        guard value.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "\"") }) else {
            return .failure(.notPrintable)
        }
        return .success(String(value))
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[start...end]
    }
}
