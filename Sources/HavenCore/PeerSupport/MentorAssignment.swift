import Foundation

/// The batch plan for a whole waiting list.
public struct MentorAssignmentPlan: Sendable {
    public struct Match: Sendable, Equatable {
        public var familyID: UUID
        public var volunteerID: UUID
        public var score: Double
        public var reasons: [String]
    }

    public struct Unmatched: Sendable, Equatable {
        public var familyID: UUID
        public var reason: String
        /// For a family no volunteer could take: which constraint left out how many.
        public var exclusions: MentorExclusions
    }

    public var matches: [Match]
    public var unmatched: [Unmatched]
    /// The sum of the matches' scores in hundredths: what the plan maximizes once the number of
    /// families matched is as large as it can be.
    public var totalPoints: Int
    /// How many times the assignment was solved before it was proven optimal over every pair.
    public var rounds: Int
}

/// Plans mentor matches for the whole waiting list at once: the most families matched, then
/// the greatest total score, within each volunteer's room and every hard constraint; ties go to
/// the longest-waiting families.
///
/// Exact, and fast at thousands × thousands: every pair is scored, but the flow runs on each
/// family's best volunteers and each volunteer's best families only. The answer is then checked
/// against every pair with the optimum's potentials (no left-out pair could improve the total)
/// and for any augmenting path (no family could be added); a pair that fails is added and the
/// assignment solved again, so the plan is optimal over all pairs, not just the kept ones.
public enum MentorAssignment {
    public static func plan(
        families: [MentorSeeker], volunteers: [MentorVolunteer], keepPerFamily: Int = 24, keepPerVolunteer: Int = 24
    ) -> MentorAssignmentPlan {
        let ordered = families.enumerated().sorted { lhs, rhs in
            if lhs.element.requestedOn != rhs.element.requestedOn {
                return lhs.element.requestedOn < rhs.element.requestedOn
            }
            return lhs.offset < rhs.offset
        }
        .map(\.element)
        let table = MentorTable(volunteers: volunteers, families: ordered)
        let familyCount = ordered.count
        let volunteerCount = volunteers.count
        let room = volunteers.map(\.room)
        let points = scores(table, room: room)

        var kept = PairSet(families: familyCount, volunteers: volunteerCount)
        for family in 0..<familyCount {
            for volunteer in best(keepPerFamily, of: volunteerCount, by: { points[family * volunteerCount + $0] }) {
                kept.insert(family, volunteer)
            }
        }
        for volunteer in 0..<volunteerCount where room[volunteer] > 0 {
            for family in best(keepPerVolunteer, of: familyCount, by: { points[$0 * volunteerCount + volunteer] }) {
                kept.insert(family, volunteer)
            }
        }

        var rounds = 0
        var solution: BipartiteAssignment.Solution
        while true {
            rounds += 1
            var edges: [BipartiteAssignment.Edge] = []
            for family in 0..<familyCount {
                for volunteer in 0..<volunteerCount where kept.contains(family, volunteer) {
                    edges.append(
                        .init(
                            family: family, volunteer: volunteer,
                            weight: Int(points[family * volunteerCount + volunteer])))
                }
            }
            solution = BipartiteAssignment.solve(familyCount: familyCount, capacities: room, edges: edges)
            let missing = improvingPairs(solution, points: points, room: room, kept: kept)
            if missing.isEmpty { break }
            for (family, volunteer) in missing { kept.insert(family, volunteer) }
        }

        var matches: [MentorAssignmentPlan.Match] = []
        var unmatched: [MentorAssignmentPlan.Unmatched] = []
        for (family, seeker) in ordered.enumerated() {
            if let volunteer = solution.volunteerOf[family] {
                let fit = table.fit(volunteer: volunteer, family: family)
                matches.append(
                    .init(
                        familyID: seeker.id, volunteerID: volunteers[volunteer].id, score: Double(fit.points) / 100,
                        reasons: MentorScoring.reasons(fit)))
            } else {
                var exclusions = MentorExclusions()
                var fits = 0
                for volunteer in 0..<volunteerCount {
                    if let constraint = table.exclusion(volunteer: volunteer, family: family) {
                        exclusions.counts[constraint, default: 0] += 1
                    } else {
                        fits += 1
                    }
                }
                let reason =
                    fits == 0
                    ? "no volunteer passes the hard constraints"
                    : "all \(fits) volunteers who fit are full with families who waited longer or fit them better"
                unmatched.append(.init(familyID: seeker.id, reason: reason, exclusions: exclusions))
            }
        }
        return MentorAssignmentPlan(
            matches: matches, unmatched: unmatched, totalPoints: solution.totalWeight, rounds: rounds)
    }

    /// Points for every (family, volunteer) pair, -1 where a hard constraint forbids it; rows
    /// are scored in parallel.
    static func scores(_ table: MentorTable, room: [Int]) -> [Int16] {
        let familyCount = table.families.count
        let volunteerCount = table.volunteers.count
        var points = [Int16](repeating: -1, count: familyCount * volunteerCount)
        let usable = (0..<volunteerCount).filter { room[$0] > 0 }
        points.withUnsafeMutableBufferPointer { buffer in
            let base = RowWriter(base: buffer.baseAddress!)
            let chunk = 64
            DispatchQueue.concurrentPerform(iterations: (familyCount + chunk - 1) / chunk) { block in
                for family in (block * chunk)..<min((block + 1) * chunk, familyCount) {
                    for volunteer in usable where table.exclusion(volunteer: volunteer, family: family) == nil {
                        base.base[family * volunteerCount + volunteer] = Int16(
                            table.points(volunteer: volunteer, family: family))
                    }
                }
            }
        }
        return points
    }

    /// Indices of the `count` highest scores (ignoring forbidden ones).
    static func best(_ count: Int, of total: Int, by score: (Int) -> Int16) -> [Int] {
        var chosen: [(score: Int16, index: Int)] = []
        chosen.reserveCapacity(count + 1)
        for index in 0..<total {
            let value = score(index)
            guard value >= 0 else { continue }
            if chosen.count == count, let weakest = chosen.last, weakest.score >= value { continue }
            let position = chosen.firstIndex { $0.score < value } ?? chosen.count
            chosen.insert((value, index), at: position)
            if chosen.count > count { chosen.removeLast() }
        }
        return chosen.map(\.index)
    }

    /// Left-out pairs that could improve the solution: one with a negative reduced cost under
    /// the optimum's potentials, or one on an augmenting path for a family still waiting. Empty
    /// means the solution is optimal over all pairs.
    static func improvingPairs(
        _ solution: BipartiteAssignment.Solution, points: [Int16], room: [Int], kept: PairSet
    ) -> [(Int, Int)] {
        let familyCount = solution.volunteerOf.count
        let volunteerCount = room.count
        var pairs: [(Int, Int)] = []
        for family in 0..<familyCount {
            for volunteer in 0..<volunteerCount {
                let weight = points[family * volunteerCount + volunteer]
                guard weight >= 0, !kept.contains(family, volunteer) else { continue }
                let reduced =
                    -Int(weight) + solution.familyPotential[family] - solution.volunteerPotential[volunteer]
                if reduced < 0 { pairs.append((family, volunteer)) }
            }
        }
        // Augmenting paths over all allowed pairs: from families still waiting, through any
        // allowed volunteer, back along matches, to a volunteer with room left.
        var used = [Int](repeating: 0, count: volunteerCount)
        var matchedTo = [[Int]](repeating: [], count: volunteerCount)
        for (family, volunteer) in solution.volunteerOf.enumerated() {
            if let volunteer {
                used[volunteer] += 1
                matchedTo[volunteer].append(family)
            }
        }
        var familySeen = [Bool](repeating: false, count: familyCount)
        var familyVia = [Int?](repeating: nil, count: familyCount)
        var volunteerVia = [Int](repeating: -1, count: volunteerCount)
        var queue = (0..<familyCount).filter { solution.volunteerOf[$0] == nil }
        for family in queue { familySeen[family] = true }
        var head = 0
        while head < queue.count {
            let family = queue[head]
            head += 1
            for volunteer in 0..<volunteerCount where volunteerVia[volunteer] < 0 {
                guard points[family * volunteerCount + volunteer] >= 0 else { continue }
                volunteerVia[volunteer] = family
                if used[volunteer] < room[volunteer] {
                    // An augmenting path: keep its pairs.
                    var (pathFamily, pathVolunteer) = (family, volunteer)
                    while true {
                        if !kept.contains(pathFamily, pathVolunteer) { pairs.append((pathFamily, pathVolunteer)) }
                        guard let previous = familyVia[pathFamily] else { break }
                        (pathFamily, pathVolunteer) = (volunteerVia[previous], previous)
                    }
                }
                for next in matchedTo[volunteer] where !familySeen[next] {
                    familySeen[next] = true
                    familyVia[next] = volunteer
                    queue.append(next)
                }
            }
        }
        return pairs
    }
}

/// The score matrix shared by the parallel scoring blocks. Each block writes only its own
/// families' rows, so the writes never overlap.
private struct RowWriter: @unchecked Sendable {
    let base: UnsafeMutablePointer<Int16>
}

/// Which (family, volunteer) pairs the flow works on, one bit each.
struct PairSet {
    private var bits: [UInt64]
    private let volunteers: Int

    init(families: Int, volunteers: Int) {
        self.volunteers = volunteers
        bits = [UInt64](repeating: 0, count: (families * volunteers + 63) / 64)
    }

    mutating func insert(_ family: Int, _ volunteer: Int) {
        let index = family * volunteers + volunteer
        bits[index / 64] |= 1 << UInt64(index % 64)
    }

    func contains(_ family: Int, _ volunteer: Int) -> Bool {
        let index = family * volunteers + volunteer
        return bits[index / 64] & (1 << UInt64(index % 64)) != 0
    }
}
