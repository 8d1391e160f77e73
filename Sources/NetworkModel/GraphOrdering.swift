/// Finds the recurrent (back) edges of a graph and a topological order of the rest.
///
/// Cycles are legal in NIR: a back edge carries the previous step's value. Back edges are those that close a
/// cycle in a depth-first walk that starts from the Input nodes (then from any node not yet reached), following
/// edges in file order, so the result is deterministic.
struct GraphOrdering {
    /// Original node indices in topological order.
    let order: [Int]
    /// For each original node index, its position in `order`.
    let newIndexOfOriginal: [Int]
    /// Edge numbers (positions in the edge list) that are recurrent.
    let recurrentEdges: Set<Int>

    init(nodes: [Node], edges: [(Int, Int)]) throws(NetworkError) {
        let count = nodes.count
        var outgoing = Array(repeating: [Int](), count: count)
        for (number, edge) in edges.enumerated() { outgoing[edge.0].append(number) }

        // Iterative DFS (deep networks must not overflow the stack). 0 = unseen, 1 = on stack, 2 = done.
        var state = [UInt8](repeating: 0, count: count)
        var recurrent = Set<Int>()
        let inputsFirst = nodes.indices.filter { if case .input = nodes[$0].kind { return true } else { return false } }
            + nodes.indices.filter { if case .input = nodes[$0].kind { return false } else { return true } }
        for root in inputsFirst where state[root] == 0 {
            var stack: [(node: Int, nextEdge: Int)] = [(root, 0)]
            state[root] = 1
            while let top = stack.last {
                let edgesOut = outgoing[top.node]
                if top.nextEdge < edgesOut.count {
                    stack[stack.count - 1].nextEdge += 1
                    let number = edgesOut[top.nextEdge]
                    let target = edges[number].1
                    switch state[target] {
                    case 0:
                        state[target] = 1
                        stack.append((target, 0))
                    case 1:
                        recurrent.insert(number)
                    default:
                        break
                    }
                } else {
                    state[top.node] = 2
                    stack.removeLast()
                }
            }
        }

        // Kahn's algorithm on forward edges; ties go to the node listed first.
        var indegree = [Int](repeating: 0, count: count)
        for (number, edge) in edges.enumerated() where !recurrent.contains(number) { indegree[edge.1] += 1 }
        var ready = (0..<count).filter { indegree[$0] == 0 }.reversed().map { $0 }
        var order: [Int] = []
        order.reserveCapacity(count)
        while let next = ready.popLast() {
            order.append(next)
            var released: [Int] = []
            for number in outgoing[next] where !recurrent.contains(number) {
                let target = edges[number].1
                indegree[target] -= 1
                if indegree[target] == 0 { released.append(target) }
            }
            // Keep the ready list sorted descending so popLast yields the smallest index.
            ready.append(contentsOf: released)
            ready.sort(by: >)
        }
        guard order.count == count else {
            // Unreachable: removing DFS back edges always leaves a DAG. Kept as a guard, not a crash.
            throw NetworkError("could not order the graph: a cycle remained after removing recurrent edges")
        }
        var newIndex = [Int](repeating: 0, count: count)
        for (position, original) in order.enumerated() { newIndex[original] = position }
        self.order = order
        self.newIndexOfOriginal = newIndex
        self.recurrentEdges = recurrent
    }
}
