import NetworkModel

/// What the counting conventions need to know about each layer of a network, found once from the graph.
public struct ConventionLayout: Sendable, Equatable {
    /// Per layer: the factor that turns its synops into Eq. 12 accumulates (1 / Π pool windows on the way from the
    /// spiking layer that feeds it, 0 when only the input's spikes reach it); nil when spikes reach it along paths
    /// with different factors, which per-layer counts cannot separate.
    public let seedEq12Factors: [Double?]
    /// Per layer: why its Eq. 12 factor is nil.
    public let seedEq12Ambiguities: [String?]
    /// Per layer: NeuroBench's Dense operations in one step (every weight × every input position it reads, padding
    /// excluded) for Affine, Linear and convolutions; 0 for the layers NeuroBench does not hook.
    public let neurobenchDensePerStep: [Int]
    /// Per layer: KerasSpiking's connections (output elements × kernel elements, padding and zero weights included;
    /// inputs × units for dense layers) and neurons (a population's size).
    public let kerasConnections: [Int]
    public let kerasNeurons: [Int]

    /// - Parameters:
    ///   - layerNames: the layers, in the order of the counts.
    ///   - inputCarriesSpikes: true when the Input nodes emit spikes (Poisson or spike-train encoding).
    /// - Throws: `LedgerError` when a layer is not in the network.
    public init(network: Network, layerNames: [String], inputCarriesSpikes: Bool) throws(LedgerError) {
        var factors: [Double?] = []
        var ambiguities: [String?] = []
        var dense: [Int] = []
        var connections: [Int] = [], neurons: [Int] = []
        for name in layerNames {
            guard let node = network.index(of: name) else {
                throw LedgerError(profile: "", field: "layers", message: "the counts' layer '\(name)' is not in the network")
            }
            var found: Set<Double> = []
            var producers: [String] = []
            Self.forEachSpikePath(into: node, network: network, inputCarriesSpikes: inputCarriesSpikes) { producer, windows in
                let isInput: Bool
                if case .input = network.nodes[producer].kind { isInput = true } else { isInput = false }
                found.insert(isInput ? 0 : 1 / Double(windows))
                producers.append("\(network.nodes[producer].name) (÷\(windows)\(isInput ? ", input: not counted" : ""))")
            }
            if found.count > 1 {
                factors.append(nil)
                ambiguities.append("layer '\(name)' receives spikes along paths with different pool normalisations: "
                                   + producers.joined(separator: ", "))
            } else {
                factors.append(found.first ?? 0)
                ambiguities.append(nil)
            }
            dense.append(Self.denseOperationsPerStep(network.nodes[node], inputShape: network.inputShapes[node]))
            let outputElements = network.outputShapes[node].reduce(1, *)
            switch network.nodes[node].kind {
            case .affine(let weight, _), .linear(let weight): connections.append(weight.shape[0] * weight.shape[1])
            case .convolution(let conv): connections.append(outputElements * conv.fanIn)
            default: connections.append(0)
            }
            neurons.append(network.nodes[node].kind.isNeuronPopulation ? outputElements : 0)
        }
        kerasConnections = connections
        kerasNeurons = neurons
        seedEq12Factors = factors
        seedEq12Ambiguities = ambiguities
        neurobenchDensePerStep = dense
    }

    /// Calls `body(producer, window product)` for every path by which spikes reach `consumer`, walking back
    /// through Flatten, pools and Delay.
    private static func forEachSpikePath(into consumer: Int, network: Network, inputCarriesSpikes: Bool,
                                         _ body: (Int, Int) -> Void) {
        func walk(_ node: Int, windows: Int, visited: Set<Int>) {
            for edge in network.incomingEdges(of: node) {
                let source = edge.source
                let kind = network.nodes[source].kind
                // A Delay passes spikes on unchanged (docs/execution-model.md): walk through it like Flatten.
                let passesSpikesOn: Bool
                if case .delay = kind { passesSpikesOn = true } else { passesSpikesOn = kind.isRouting }
                if passesSpikesOn {
                    guard !visited.contains(source) else { continue }
                    var window = 1
                    switch kind {
                    case .sumPool2d(let pool), .avgPool2d(let pool): window = pool.windowSize
                    default: break
                    }
                    walk(source, windows: windows * window, visited: visited.union([source]))
                } else if kind.emitsSpikes {
                    body(source, windows)
                } else if case .input = kind, inputCarriesSpikes {
                    body(source, windows)
                }
            }
        }
        walk(consumer, windows: 1, visited: [])
    }

    /// NeuroBench's Dense count of one call of the node: the layer run with every weight and every input set to 1.
    static func denseOperationsPerStep(_ node: Node, inputShape: [Int]) -> Int {
        switch node.kind {
        case .affine(let weight, _), .linear(let weight):
            return weight.shape[0] * weight.shape[1]
        case .convolution(let conv):
            let spatial = Array(inputShape.dropFirst())
            let output = conv.outputSpatialShape(inputSpatialShape: spatial)
            let pads = conv.paddingPerAxis(inputSpatialShape: spatial)
            var pairs = 1
            for axis in spatial.indices {
                var inside = 0
                for position in 0..<output[axis] {
                    for offset in 0..<conv.kernelShape[axis] {
                        let read = position * conv.stride[axis] - pads[axis].before + offset * conv.dilation[axis]
                        if read >= 0 && read < spatial[axis] { inside += 1 }
                    }
                }
                pairs *= inside
            }
            return conv.outputChannels * conv.inputChannelsPerGroup * pairs
        default:
            return 0
        }
    }
}
