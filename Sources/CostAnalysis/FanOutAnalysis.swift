import NetworkModel

/// Exact synaptic fan-out of every spiking neuron (per-spike accounting): a spike follows every edge out of
/// its node, passes through routing nodes (Flatten, Delay, pools) and stops at the first node that does work
/// on it, where it costs one synaptic operation per non-zero weight it meets (see `SynapticTaps`).
public struct FanOutAnalysis: Sendable {
    public let network: Network
    /// Per node: what one spike arriving at each element of its input costs downstream, memoised.
    private let downstreamPerInput: [[Int]?]

    /// - Throws: `NetworkError` when routing nodes form a cycle with no node that does work in it.
    public init(network: Network) throws(NetworkError) {
        self.network = network
        var memo = [[Int]?](repeating: nil, count: network.nodes.count)
        var inProgress = Set<Int>()
        for index in network.nodes.indices.reversed() {
            _ = try Self.downstream(of: index, network: network, memo: &memo, inProgress: &inProgress)
        }
        self.downstreamPerInput = memo
    }

    /// Synaptic operations one spike of each neuron of node `index` causes (row-major over its shape).
    /// Empty for nodes that do not emit spikes.
    public func outDegrees(ofNode index: Int) -> [Int] {
        guard network.nodes[index].kind.emitsSpikes else { return [] }
        var total = [Int](repeating: 0, count: network.outputShapes[index].reduce(1, *))
        for edge in network.outgoingEdges(of: index) {
            let perInput = downstreamPerInput[edge.target]!
            for element in total.indices { total[element] += perInput[element] }
        }
        return total
    }

    /// For a node where spikes stop (weighted, neuron, Output), how many spikes arrive at each of its input
    /// elements if every spiking neuron fires once (pools between count every window a spike enters).
    public func spikeArrivals(atNode index: Int) -> [Int] {
        var arrivals = [Int](repeating: 0, count: network.inputShapes[index].reduce(1, *))
        for edge in network.incomingEdges(of: index) {
            guard let produced = spikesProduced(byNode: edge.source, depth: 0) else { continue }
            for element in arrivals.indices { arrivals[element] += produced[element] }
        }
        return arrivals
    }

    /// Synaptic operations performed at node `index` if every spiking neuron fires once.
    public func synopsReceived(atNode index: Int) -> Int {
        let node = network.nodes[index]
        guard let taps = SynapticTaps.perInputElement(of: node, inputShape: network.inputShapes[index],
                                                      outputShape: network.outputShapes[index]) else { return 0 }
        let arrivals = spikeArrivals(atNode: index)
        return zip(arrivals, taps).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Spikes leaving node `index` per output element when every spiking neuron fires once; nil when none can.
    private func spikesProduced(byNode index: Int, depth: Int) -> [Int]? {
        let node = network.nodes[index]
        let shape = network.outputShapes[index]
        if node.kind.emitsSpikes { return Array(repeating: 1, count: shape.reduce(1, *)) }
        // Routing cycles were rejected in init, so the depth bound is only a guard.
        guard depth <= network.nodes.count else { return nil }
        var arrivals: [Int]? = nil
        for edge in network.incomingEdges(of: index) {
            guard let produced = spikesProduced(byNode: edge.source, depth: depth + 1) else { continue }
            if arrivals == nil { arrivals = produced } else {
                for element in produced.indices { arrivals![element] += produced[element] }
            }
        }
        guard let arrivals else { return nil }
        return SpikeRouting.pushForward(arrivals, through: node, inputShape: network.inputShapes[index], outputShape: shape)
    }

    private static func downstream(of index: Int, network: Network, memo: inout [[Int]?],
                                    inProgress: inout Set<Int>) throws(NetworkError) -> [Int] {
        if let known = memo[index] { return known }
        let node = network.nodes[index]
        let inputShape = network.inputShapes[index]
        let outputShape = network.outputShapes[index]
        if let taps = SynapticTaps.perInputElement(of: node, inputShape: inputShape, outputShape: outputShape) {
            memo[index] = taps
            return taps
        }
        guard inProgress.insert(index).inserted else {
            throw NetworkError(node: node.name, "routing nodes (Flatten, Delay, pools) form a cycle with no weighted or neuron node in it")
        }
        var perOutput = [Int](repeating: 0, count: outputShape.reduce(1, *))
        for edge in network.outgoingEdges(of: index) {
            let next = try downstream(of: edge.target, network: network, memo: &memo, inProgress: &inProgress)
            for element in perOutput.indices { perOutput[element] += next[element] }
        }
        inProgress.remove(index)
        let perInput = SpikeRouting.pullBack(perOutput, through: node, inputShape: inputShape, outputShape: outputShape)!
        memo[index] = perInput
        return perInput
    }
}
