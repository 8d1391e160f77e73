extension NodeKind {
    /// Flatten and pools: nodes that only move values (spikes pass through them to the node that does work).
    public var isRouting: Bool {
        switch self {
        case .flatten, .sumPool2d, .avgPool2d: return true
        default: return false
        }
    }
}

extension Network {
    /// The first nodes that are not routing nodes, reached from `start` along its edges (`forward`) or against
    /// them, passing through Flatten and pools.
    public func nearestWorkingNodes(from start: Int, forward: Bool) -> Set<Int> {
        var result = Set<Int>()
        var frontier = [start]
        var visited = Set<Int>()
        while let node = frontier.popLast() {
            let neighbours = forward ? outgoingEdges(of: node).map(\.target) : incomingEdges(of: node).map(\.source)
            for next in neighbours where visited.insert(next).inserted {
                if nodes[next].kind.isRouting { frontier.append(next) } else { result.insert(next) }
            }
        }
        return result
    }
}
