import Foundation
import Testing

@testable import HavenCore

@Suite("Slot table")
struct SlotTableTests {
    /// Hashes to the number it is given, so a test decides which keys share a probe run.
    struct Colliding: Hashable {
        let id: Int
        let home: Int

        func hash(into hasher: inout Hasher) { hasher.combine(home) }
        static func == (lhs: Self, rhs: Self) -> Bool { lhs.id == rhs.id }
    }

    @Test("answers what was stored, forgets what was removed, and replaces in place")
    func storeReplaceRemove() {
        var table = SlotTable<UUID, Int>()
        let keys = (0..<1_000).map { _ in UUID() }
        for (number, key) in keys.enumerated() { table[key] = number }
        #expect(table.count == 1_000)
        #expect(keys.enumerated().allSatisfy { table[$0.element] == $0.offset })
        #expect(table[UUID()] == nil)

        table[keys[7]] = -7
        #expect(table[keys[7]] == -7)
        #expect(table.count == 1_000)

        for key in keys where key.uuid.0 % 2 == 0 { table[key] = nil }
        let kept = keys.filter { $0.uuid.0 % 2 == 1 }
        #expect(table.count == kept.count)
        #expect(kept.allSatisfy { table[$0] != nil })
        #expect(keys.filter { $0.uuid.0 % 2 == 0 }.allSatisfy { table[$0] == nil })
        // Stays at most half full, so a probe always meets an empty slot.
        #expect(table.slots.count >= table.count * 2)
    }

    @Test("a key removed from the middle of a probe run leaves the keys after it reachable")
    func removalInsideRun() {
        var table = SlotTable<Colliding, String>()
        // Twelve keys, all starting from the same slot, then three from elsewhere.
        let crowded = (0..<12).map { Colliding(id: $0, home: 3) }
        let others = (100..<103).map { Colliding(id: $0, home: $0) }
        for key in crowded + others { table[key] = "key \(key.id)" }

        for removed in [crowded[0], crowded[5], crowded[11], others[1]] {
            table[removed] = nil
            #expect(table[removed] == nil)
        }
        let remaining = (crowded + others).filter { ![0, 5, 11, 101].contains($0.id) }
        #expect(table.count == remaining.count)
        for key in remaining { #expect(table[key] == "key \(key.id)") }

        // Removing what is not there changes nothing.
        table[Colliding(id: 999, home: 3)] = nil
        #expect(table.count == remaining.count)
    }

    @Test("removals around the end of the slots wrap like the probes do")
    func removalAcrossTheEnd() {
        var table = SlotTable<Colliding, Int>()
        #expect(table.slots.count == 16)
        // Homes whose hash lands on the last two slots and the first (the hasher is seeded per
        // process, so they are found, not chosen): keys there run on across the end.
        func home(landingOn slot: Int) -> Int {
            (0...).first { Colliding(id: 0, home: $0).hashValue & table.mask == slot }!
        }
        let (last, secondLast, first) = (home(landingOn: 15), home(landingOn: 14), home(landingOn: 0))
        let keys = [secondLast, secondLast, last, last, first].enumerated().map {
            Colliding(id: $0.offset, home: $0.element)
        }
        for key in keys { table[key] = key.id }
        #expect(table.slots.count == 16)
        #expect(table.slots[1].key != nil && table.slots[2].key != nil)
        table[keys[0]] = nil
        table[keys[2]] = nil
        for key in [keys[1], keys[3], keys[4]] { #expect(table[key] == key.id) }
        #expect(table.count == 3)
    }
}
