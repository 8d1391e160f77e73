import CostAnalysis
import NetworkModel

/// Finds the placed nodes of a network (populations, and readout weighted nodes that feed an Output directly) and
/// every connection from a spike source to them, following spikes through Flatten and pools.
enum ConnectionFinder {
    /// Spiking and other neuron populations, then weighted nodes whose output goes to no population (the readout),
    /// in the network's (topological) order.
    static func placedNodes(of network: Network) -> [Int] {
        network.nodes.indices.filter { index in
            let kind = network.nodes[index].kind
            if kind.emitsSpikes || kind.isNeuronPopulation { return true }
            guard kind.weight != nil else { return false }
            return !network.nearestWorkingNodes(from: index, forward: true).contains { isPopulation(network.nodes[$0].kind) }
        }
    }

    static func isPopulation(_ kind: NodeKind) -> Bool {
        if case .threshold = kind { return true }
        return kind.emitsSpikes || kind.isNeuronPopulation
    }

    static func connections(network: Network, sources: [Int], placed: Set<Int>) throws(MappingError) -> [Connection] {
        var synapsesOf: [Int: Connection.Synapses] = [:]
        var result: [Connection] = []
        for source in sources {
            let count = network.outputShapes[source].reduce(1, *)
            var frontier: [(node: Int, map: ElementMap)] = [(source, .identity(count: count))]
            while let (node, map) = frontier.popLast() {
                for edge in network.outgoingEdges(of: node) {
                    let next = edge.target
                    let kind = network.nodes[next].kind
                    switch kind {
                    case .flatten:
                        frontier.append((next, map))
                    case .sumPool2d(let pool), .avgPool2d(let pool):
                        frontier.append((next, map.then(windows(pool, network: network, node: next), targetCount: network.outputShapes[next].reduce(1, *))))
                    case .affine, .linear, .convolution, .scale:
                        let synapses: Connection.Synapses
                        if let known = synapsesOf[next] { synapses = known } else {
                            synapses = try weightedSynapses(network: network, node: next)
                            synapsesOf[next] = synapses
                        }
                        let outputs = network.outputShapes[next].reduce(1, *)
                        var targets = network.nearestWorkingNodes(from: next, forward: true)
                            .filter { placed.contains($0) && isPopulation(network.nodes[$0].kind)
                                      && network.outputShapes[$0].reduce(1, *) == outputs }
                        if placed.contains(next) { targets.insert(next) }
                        for target in targets.sorted() {
                            result.append(Connection(source: source, target: target, map: map, synapses: synapses, preimage: map.preimageCounts()))
                        }
                    default:
                        guard placed.contains(next), isPopulation(kind) else { continue }
                        // An unweighted edge: one synapse per element.
                        let elements = network.outputShapes[next].reduce(1, *)
                        guard elements == map.targetCount else { continue }
                        result.append(Connection(source: source, target: next, map: map,
                                                 synapses: .matrix(columnStarts: (0...elements).map { Int32($0) }, rows: (0..<elements).map { Int32($0) }),
                                                 preimage: map.preimageCounts()))
                    }
                }
            }
        }
        return result
    }

    /// Per pool input element, the pooled elements whose window holds it.
    static func windows(_ pool: PoolingParameters, network: Network, node: Int) -> [[Int32]] {
        let inputShape = network.inputShapes[node], outputShape = network.outputShapes[node]
        var windows = [[Int32]](repeating: [], count: inputShape.reduce(1, *))
        SpikeRouting.forEachWindowMember(pool, inputShape: inputShape, outputShape: outputShape) { input, output in
            windows[input].append(Int32(output))
        }
        return windows
    }

    static func weightedSynapses(network: Network, node: Int) throws(MappingError) -> Connection.Synapses {
        let name = network.nodes[node].name
        let inputShape = network.inputShapes[node], outputShape = network.outputShapes[node]
        switch network.nodes[node].kind {
        case .convolution(let conv):
            guard let geometry = ConvolutionGeometry(conv, inputShape: inputShape, outputShape: outputShape) else {
                throw MappingError(profile: "", message: "\(name): only 1-D and 2-D convolutions with at most 64 kernel taps can be mapped")
            }
            return .convolution(geometry)
        case .affine(let weight, _), .linear(let weight):
            let inputs = weight.shape.count > 1 ? weight.shape[1] : 1
            var starts = [Int32](repeating: 0, count: inputs + 1)
            weight.forEachNonZero { index, _ in starts[index % inputs + 1] += 1 }
            for column in 0..<inputs { starts[column + 1] += starts[column] }
            var cursor = Array(starts.dropLast())
            var rows = [Int32](repeating: 0, count: Int(starts[inputs]))
            weight.forEachNonZero { index, _ in
                let column = index % inputs
                rows[Int(cursor[column])] = Int32(index / inputs)
                cursor[column] += 1
            }
            return .matrix(columnStarts: starts, rows: rows)
        case .scale(let scale):
            let values = (try? scale.broadcast(to: inputShape)) ?? scale.doubleValues
            var starts: [Int32] = [0], rows: [Int32] = []
            for (element, value) in values.enumerated() {
                if value != 0 { rows.append(Int32(element)) }
                starts.append(Int32(rows.count))
            }
            return .matrix(columnStarts: starts, rows: rows)
        default:
            throw MappingError(profile: "", message: "\(name) is not a weighted node")
        }
    }
}
