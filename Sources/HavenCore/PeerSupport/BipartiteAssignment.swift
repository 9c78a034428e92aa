/// Assigns families to volunteers with capacities: as many families as possible, and among
/// those assignments the greatest total weight. An exact min-cost max-flow (source → family →
/// volunteer → sink) solved by successive shortest paths: Dijkstra on reduced costs finds the
/// cheapest augmenting distance, then every augmenting path at that distance is taken before
/// the next Dijkstra, so the number of Dijkstra runs follows the number of distinct distances
/// (small with integer weights in hundredths), not the number of families.
///
/// Families earlier in `families` win ties: give them longest-waiting first.
struct BipartiteAssignment {
    struct Edge {
        var family: Int
        var volunteer: Int
        var weight: Int
    }

    struct Solution {
        /// The volunteer of each family, or nil.
        var volunteerOf: [Int?]
        var totalWeight: Int
        /// Node potentials at the optimum, for checking edges left out of the graph.
        var familyPotential: [Int]
        var volunteerPotential: [Int]
    }

    private var head: [Int32]
    private var next: [Int32] = []
    private var to: [Int32] = []
    private var capacity: [Int32] = []
    private var cost: [Int] = []
    private let familyCount: Int
    private let volunteerCount: Int
    private var source: Int { 0 }
    private var sink: Int { familyCount + volunteerCount + 1 }
    private func node(family: Int) -> Int { 1 + family }
    private func node(volunteer: Int) -> Int { 1 + familyCount + volunteer }

    /// `edges` must be listed family by family in `families` order for the tie-break to hold.
    static func solve(familyCount: Int, capacities: [Int], edges: [Edge]) -> Solution {
        var graph = BipartiteAssignment(familyCount: familyCount, capacities: capacities, edges: edges)
        return graph.run(edges: edges)
    }

    private init(familyCount: Int, capacities: [Int], edges: [Edge]) {
        self.familyCount = familyCount
        volunteerCount = capacities.count
        head = Array(repeating: -1, count: familyCount + capacities.count + 2)
        let edgeCount = 2 * (familyCount + edges.count + capacities.count)
        next.reserveCapacity(edgeCount)
        to.reserveCapacity(edgeCount)
        capacity.reserveCapacity(edgeCount)
        cost.reserveCapacity(edgeCount)
        // Adjacency lists are built by prepending, so add in reverse to keep the given order.
        for (volunteer, room) in capacities.enumerated().reversed() where room > 0 {
            add(node(volunteer: volunteer), sink, room, 0)
        }
        for edge in edges.reversed() {
            add(node(family: edge.family), node(volunteer: edge.volunteer), 1, -edge.weight)
        }
        for family in (0..<familyCount).reversed() { add(source, node(family: family), 1, 0) }
    }

    private mutating func add(_ from: Int, _ target: Int, _ room: Int, _ edgeCost: Int) {
        for (a, b, c, d) in [(from, target, room, edgeCost), (target, from, 0, -edgeCost)] {
            next.append(head[a])
            to.append(Int32(b))
            capacity.append(Int32(c))
            cost.append(d)
            head[a] = Int32(to.count - 1)
        }
    }

    private mutating func run(edges: [Edge]) -> Solution {
        let nodeCount = head.count
        // Potentials that make every reduced cost non-negative from the start: the costs are
        // negative only on family → volunteer edges.
        var potential = Array(repeating: 0, count: nodeCount)
        for edge in edges {
            let v = node(volunteer: edge.volunteer)
            potential[v] = min(potential[v], -edge.weight)
        }
        potential[sink] = (0..<volunteerCount).map { potential[node(volunteer: $0)] }.min() ?? 0
        let unreached = Int.max / 4
        var distance = Array(repeating: unreached, count: nodeCount)
        var heap = MinHeap()
        var current = Array(repeating: Int32(-1), count: nodeCount)
        var onPath = Array(repeating: false, count: nodeCount)
        var dead = Array(repeating: false, count: nodeCount)
        while true {
            // Dijkstra on reduced costs.
            for index in distance.indices { distance[index] = unreached }
            distance[source] = 0
            heap.push(0, source)
            while let (d, u) = heap.pop() {
                if d > distance[u] { continue }
                var e = head[u]
                while e >= 0 {
                    let edge = Int(e)
                    if capacity[edge] > 0 {
                        let v = Int(to[edge])
                        let candidate = d + cost[edge] + potential[u] - potential[v]
                        if candidate < distance[v] {
                            distance[v] = candidate
                            heap.push(candidate, v)
                        }
                    }
                    e = next[edge]
                }
            }
            let reachedSink = distance[sink] < unreached
            let farthest = distance.lazy.filter { $0 < unreached }.max() ?? 0
            for index in potential.indices { potential[index] += min(distance[index], farthest) }
            guard reachedSink else { break }
            // Every augmenting path along zero reduced cost edges, families in their order.
            for index in current.indices { current[index] = head[index] }
            for index in dead.indices { dead[index] = false }
            var augmented = 0
            while augment(&current, &onPath, &dead, potential) { augmented += 1 }
            if augmented == 0 { break }
        }
        var volunteerOf = [Int?](repeating: nil, count: familyCount)
        var total = 0
        for family in 0..<familyCount {
            var e = head[node(family: family)]
            while e >= 0 {
                let edge = Int(e)
                let target = Int(to[edge])
                if target != source && edge % 2 == 0 && capacity[edge] == 0 {
                    volunteerOf[family] = target - 1 - familyCount
                    total -= cost[edge]
                }
                e = next[edge]
            }
        }
        return Solution(
            volunteerOf: volunteerOf, totalWeight: total,
            familyPotential: (0..<familyCount).map { potential[node(family: $0)] },
            volunteerPotential: (0..<volunteerCount).map { potential[node(volunteer: $0)] })
    }

    /// One augmenting path from the source to the sink along admissible edges (residual room and
    /// zero reduced cost), found depth first without recursion; nodes that lead nowhere are
    /// marked dead for this phase.
    private mutating func augment(
        _ current: inout [Int32], _ onPath: inout [Bool], _ dead: inout [Bool], _ potential: [Int]
    )
        -> Bool
    {
        var path: [Int] = []  // edges
        var u = source
        onPath[u] = true
        var nodes = [u]
        while u != sink {
            var advanced = false
            while current[u] >= 0 {
                let edge = Int(current[u])
                let v = Int(to[edge])
                if capacity[edge] > 0 && !onPath[v] && !dead[v] && cost[edge] + potential[u] - potential[v] == 0 {
                    path.append(edge)
                    onPath[v] = true
                    nodes.append(v)
                    u = v
                    advanced = true
                    break
                }
                current[u] = next[edge]
            }
            if advanced { continue }
            // Retreat.
            dead[u] = true
            onPath[u] = false
            nodes.removeLast()
            guard let last = nodes.last else { return false }
            path.removeLast()
            u = last
            current[u] = next[Int(current[u])]
        }
        for edge in path {
            capacity[edge] -= 1
            capacity[edge ^ 1] += 1
        }
        for node in nodes { onPath[node] = false }
        return true
    }
}

/// A binary heap of (distance, node) pairs.
struct MinHeap {
    private var items: [(Int, Int)] = []

    mutating func push(_ key: Int, _ value: Int) {
        items.append((key, value))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].0 < items[parent].0 else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (Int, Int)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < items.count && items[left].0 < items[smallest].0 { smallest = left }
                if right < items.count && items[right].0 < items[smallest].0 { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }
}
