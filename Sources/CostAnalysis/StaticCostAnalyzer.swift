import NetworkModel

/// Computes a `StaticCostReport`: what a network costs before any input is presented.
public enum StaticCostAnalyzer {
    /// - Throws: `NetworkError` when routing nodes form a cycle with no node doing work in it.
    public static func analyze(_ network: Network) throws(NetworkError) -> StaticCostReport {
        let fanOut = try FanOutAnalysis(network: network)
        var costs: [NodeCost] = []
        var footprintTotals: [String: [String: Int]] = [:]
        var smallestTotals: [String: Int] = [:]

        for index in network.nodes.indices {
            let node = network.nodes[index]
            let outputCount = network.outputShapes[index].reduce(1, *)
            let weight = node.kind.weight
            let bias = node.kind.bias
            let weightCount = weight?.count ?? 0
            let nonZeroWeights = weight?.nonZeroCount ?? 0

            let footprint = WeightStorageFootprint(of: node)
            if let footprint {
                for format in WeightStorageFormat.allCases {
                    for precision in WeightPrecision.allCases {
                        footprintTotals[format.rawValue, default: [:]][precision.rawValue, default: 0] += footprint.bytes(format, precision)
                    }
                }
                for precision in WeightPrecision.allCases {
                    smallestTotals[precision.rawValue, default: 0] += footprint.bytes(footprint.smallestFormat(precision), precision)
                }
            }

            let degrees = fanOut.outDegrees(ofNode: index)
            costs.append(NodeCost(
                name: node.name,
                type: node.kind.nirTypeName,
                inputShape: network.inputShapes[index],
                outputShape: network.outputShapes[index],
                neurons: node.kind.isNeuronPopulation ? outputCount : 0,
                spikingNeurons: node.kind.emitsSpikes ? outputCount : 0,
                weights: weightCount,
                nonZeroWeights: nonZeroWeights,
                sparsity: weightCount == 0 ? 0 : 1 - Double(nonZeroWeights) / Double(weightCount),
                biases: bias?.count ?? 0,
                nonZeroBiases: bias?.nonZeroCount ?? 0,
                denseMACs: denseMACs(of: node.kind, outputCount: outputCount),
                outDegree: node.kind.emitsSpikes ? OutDegreeSummary(degrees) : nil,
                synopsIfAllFireOnce: fanOut.synopsReceived(atNode: index),
                footprint: footprint.map(FootprintTable.init)))
        }

        let weights = costs.reduce(0) { $0 + $1.weights }
        let nonZeros = costs.reduce(0) { $0 + $1.nonZeroWeights }
        let totals = CostTotals(
            neurons: costs.reduce(0) { $0 + $1.neurons },
            spikingNeurons: costs.reduce(0) { $0 + $1.spikingNeurons },
            weights: weights,
            nonZeroWeights: nonZeros,
            sparsity: weights == 0 ? 0 : 1 - Double(nonZeros) / Double(weights),
            biases: costs.reduce(0) { $0 + $1.biases },
            denseMACs: costs.reduce(0) { $0 + $1.denseMACs },
            synopsIfAllFireOnce: costs.reduce(0) { $0 + ($1.outDegree?.total ?? 0) },
            footprintBytes: footprintTotals,
            smallestFootprintBytes: smallestTotals)
        return StaticCostReport(nodes: costs, totals: totals)
    }

    /// Dense ANN multiply-accumulates: output elements × fan-in for weighted layers (padding included,
    /// as PyTorch op counters report), one per element for Scale, none for pooling and the rest.
    static func denseMACs(of kind: NodeKind, outputCount: Int) -> Int {
        switch kind {
        case .affine(let weight, _), .linear(let weight): return weight.shape[0] * weight.shape[1]
        case .convolution(let conv): return outputCount * conv.fanIn
        case .scale: return outputCount
        default: return 0
        }
    }
}
