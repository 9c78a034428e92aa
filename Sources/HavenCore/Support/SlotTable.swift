/// A hash table that keeps each key beside its value in one array, probed linearly.
///
/// `Dictionary` keeps its occupancy bits, its keys and its values in three arrays, so a lookup
/// in a table larger than the processor's caches misses three times before it has the value.
/// Search looks up a hundred services' facts among 100,000 or more on every request, and those
/// misses were half of that lookup and about a fifteenth of the server's time on a search
/// (session 27, `perf` on the benchmark). Here a lookup reads one slot, and usually the next few in the same
/// cache line. The table is kept at most half full, so probe runs stay short, and it grows by
/// doubling. Keys are hashed with Swift's per-process seeded hasher, so a crafted set of keys
/// cannot be made to collide.
///
/// A slot is a key and a value that are each optional, rather than an optional pair: a probe
/// then reads a slot's key where it lies. Reading the key of an optional pair copied the whole
/// slot first, and for some keys (`SearchRepository.DetailsKey`) the compiler made that copy
/// through the runtime's generic value witnesses, retaining and releasing the value of every
/// slot it passed (session 28, `perf`).
@usableFromInline
struct SlotTable<Key: Hashable, Value> {
    /// Both nil when the slot is empty; both set when it holds an entry.
    @usableFromInline typealias Slot = (key: Key?, value: Value?)

    @usableFromInline var slots: ContiguousArray<Slot>
    @usableFromInline var mask: Int
    @usableFromInline var count = 0

    @usableFromInline
    init() {
        slots = ContiguousArray(repeating: (nil, nil), count: 16)
        mask = 15
    }

    @inlinable
    var isEmpty: Bool { count == 0 }

    /// Where `key` is, or the empty slot where it would go.
    @inlinable
    func probe(_ key: Key) -> (index: Int, found: Bool) {
        probe(key, hash: key.hashValue)
    }

    /// `probe(_:)` with the key's `hashValue` already known.
    @inlinable
    func probe(_ key: Key, hash: Int) -> (index: Int, found: Bool) {
        slots.withUnsafeBufferPointer { slots in
            var index = hash & mask
            while true {
                guard let candidate = slots[index].key else { return (index, false) }
                if candidate == key { return (index, true) }
                index = (index &+ 1) & mask
            }
        }
    }

    /// Reads the first slot each of `hashes` would probe, and nothing else, so that the
    /// processor fetches them all at once: these reads do not wait for one another, where each
    /// lookup that follows would otherwise wait for its own slot, one after the other (a lookup
    /// ends by retaining its value, which on x86 waits for every read before it). Returns a
    /// number made of what it read, so the reads cannot be left out.
    @inlinable
    func warm(_ hashes: [Int]) -> Int {
        slots.withUnsafeBufferPointer { slots in
            var occupied = 0
            for hash in hashes where slots[hash & mask].key != nil { occupied &+= 1 }
            return occupied
        }
    }

    /// The value kept for `key`, whose `hashValue` is `hash`.
    @inlinable
    func value(for key: Key, hash: Int) -> Value? {
        let (index, found) = probe(key, hash: hash)
        return found ? slots[index].value : nil
    }

    @inlinable
    subscript(key: Key) -> Value? {
        get { value(for: key, hash: key.hashValue) }
        set {
            let (index, found) = probe(key)
            switch (newValue, found) {
            case (let value?, true):
                slots[index] = (key, value)
            case (let value?, false):
                if (count + 1) * 2 > slots.count {
                    grow()
                    self[key] = value
                } else {
                    slots[index] = (key, value)
                    count += 1
                }
            case (nil, true):
                remove(at: index)
            case (nil, false):
                break
            }
        }
    }

    /// Empties the slot and moves later members of its probe run back into the gap, so every
    /// key stays reachable from its home slot without markers for removed keys.
    @usableFromInline
    mutating func remove(at removed: Int) {
        var hole = removed
        slots[hole] = (nil, nil)
        count -= 1
        var index = hole
        while true {
            index = (index &+ 1) & mask
            guard let key = slots[index].key else { return }
            let home = key.hashValue & mask
            // The slot may move back only if the hole lies on its way from home to where it is.
            let distanceToHole = (hole &- home) & mask
            let distanceToSlot = (index &- home) & mask
            if distanceToHole < distanceToSlot {
                slots[hole] = slots[index]
                slots[index] = (nil, nil)
                hole = index
            }
        }
    }

    @usableFromInline
    mutating func grow() {
        var larger = SlotTable()
        larger.slots = ContiguousArray(repeating: (nil, nil), count: slots.count * 2)
        larger.mask = slots.count * 2 - 1
        for slot in slots {
            guard let key = slot.key else { continue }
            larger.slots[larger.probe(key).index] = slot
        }
        larger.count = count
        self = larger
    }
}

extension SlotTable: Sendable where Key: Sendable, Value: Sendable {}
