import Synchronization

/// Hands back one shared copy of equal values, so that many records holding the same array hold
/// one buffer between them. Search keeps the facts of up to 200,000 services, and most share a
/// handful of need lists and language lists: when each kept its own copies, they were about
/// three fifths of the cache's memory. Bounded: the table starts again when it reaches `capacity`, which costs only
/// sharing, since records keep the copies they were given.
public final class Interner<Value: Hashable & Sendable>: Sendable {
    private let table = Mutex<[Value: Value]>([:])
    public let capacity: Int

    public init(capacity: Int) {
        precondition(capacity > 0, "an interner holds at least one value")
        self.capacity = capacity
    }

    /// The shared copy of `value`: the first equal value interned, or `value` itself.
    public func intern(_ value: Value) -> Value {
        table.withLock { table in
            if let shared = table[value] { return shared }
            if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            table[value] = value
            return value
        }
    }

    public var count: Int { table.withLock { $0.count } }
}
