import Synchronization

/// Need codes as small numbers, given in the order search first reads them from the directory.
///
/// Ranking asks of every candidate which requested needs its codes meet. Compared as strings,
/// that read each code from its own place on the heap, a hundred candidates a search: numbered,
/// a service's needs are one short array, and `NeedMatcher` compares codes once per search.
/// Numbers are never taken back, so the table holds each distinct code of the directory once.
public final class NeedNumbering: Sendable {
    public static let shared = NeedNumbering()

    private struct State {
        var numbers: [String: UInt16] = [:]
        var codes: [String] = []
    }

    private let state = Mutex(State())
    /// At most this many codes are numbered; services with others are matched by their codes.
    let capacity: Int

    init(capacity: Int = Int(UInt16.max)) {
        self.capacity = capacity
    }

    /// The numbers of `codes`, numbering the new ones; nil once the table is full.
    public func numbers(of codes: [String]) -> [UInt16]? {
        state.withLock { state -> [UInt16]? in
            var numbers: [UInt16] = []
            numbers.reserveCapacity(codes.count)
            for code in codes {
                if let known = state.numbers[code] {
                    numbers.append(known)
                } else {
                    guard state.codes.count < capacity else { return nil }
                    let number = UInt16(state.codes.count)
                    state.numbers[code] = number
                    state.codes.append(code)
                    numbers.append(number)
                }
            }
            return numbers
        }
    }

    /// Every numbered code, at its number.
    public var codes: [String] { state.withLock { $0.codes } }
}

/// Which of a search's needs a service meets, as bits: bit `i` for `needs[i]`.
///
/// Whether a code meets a need (`TaxonomyCode.code(_:isWithin:)`) is worked out once per code
/// and search, then read by the code's number.
public struct NeedMatcher {
    public let needs: [String]
    /// The numbered codes when the search began; a number beyond them is answered with nil.
    private let codes: [String]
    /// By number: the bits of the needs the code meets, or `unknown`.
    private var masks: [UInt64]
    private static let unknown = UInt64.max

    /// Nil for a search of more than 63 needs, which ranking matches by codes instead.
    public init?(needs: [String], codes: [String]) {
        guard needs.count < 64 else { return nil }
        (self.needs, self.codes) = (needs, codes)
        masks = Array(repeating: Self.unknown, count: codes.count)
    }

    /// The needs met by a service whose codes have `numbers`; nil when one of them was numbered
    /// after this search began.
    public mutating func met(_ numbers: [UInt16]) -> UInt64? {
        var met: UInt64 = 0
        for number in numbers {
            let index = Int(number)
            guard index < masks.count else { return nil }
            if masks[index] == Self.unknown {
                var mask: UInt64 = 0
                for (bit, need) in needs.enumerated() where TaxonomyCode.code(codes[index], isWithin: need) {
                    mask |= 1 << UInt64(bit)
                }
                masks[index] = mask
            }
            met |= masks[index]
        }
        return met
    }
}
