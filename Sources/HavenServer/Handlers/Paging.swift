import HavenCore
import HavenStorage

/// One page of a list: `{"data": [...], "next_cursor": "…" | null}` on the wire.
struct Page<Item> {
    var items: [Item]
    var nextCursor: String?
}

/// Page sizes and cursors, the same for every list.
enum Paging {
    static let defaultLimit = 20
    static let maximumLimit = 100

    static func limit(_ limit: Int?) throws -> Int {
        let limit = limit ?? defaultLimit
        guard (1...maximumLimit).contains(limit) else {
            throw AccessFailure.invalid([
                FieldError(pointer: "/limit", detail: "must be a whole number from 1 to \(maximumLimit)")
            ])
        }
        return limit
    }

    static func parse(limit: Int?, cursor: String?) throws -> (Int, PageCursor?) {
        let limit = try self.limit(limit)
        guard let cursor else { return (limit, nil) }
        guard let decoded = PageCursor(encoded: cursor) else {
            throw AccessFailure.unknownCursor
        }
        return (limit, decoded)
    }

    /// Trims the one extra row fetched to learn whether another page exists.
    static func page<Item>(_ items: [Item], limit: Int, cursor: (Item) -> String) -> Page<Item> {
        guard items.count > limit else { return .init(items: items, nextCursor: nil) }
        let shown = Array(items.prefix(limit))
        return .init(items: shown, nextCursor: shown.last.map(cursor))
    }
}
