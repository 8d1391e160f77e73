import CostAnalysis
import NetworkModel

/// What the ledger needs to know about each layer besides its counts: its kind, size, stored weights and how many
/// nodes read its spikes. Found once from a network, or written by a caller pricing counts of its own.
public struct LedgerLayout: Sendable, Equatable {
    /// One layer, in the order of the counts.
    public struct Layer: Sendable, Equatable {
        public let name: String
        /// The NIR node type (`Conv2d`, `IF`, …).
        public let kind: String
        /// True for neuron populations (state read and written every step).
        public let isNeuronPopulation: Bool
        /// True when the layer emits binary spikes.
        public let emitsSpikes: Bool
        /// Elements of the layer's output (neurons of a population).
        public let elements: Int
        /// The weight matrix's shape and non-zeros (weighted layers other than Scale).
        public let footprint: WeightStorageFootprint?
        /// Values of a Scale node's gains (stored dense); 0 for other layers.
        public let scaleValues: Int
        /// Nodes that read this layer's spikes (each reads the spike buffer once per spike).
        public let spikeConsumers: Int

        public init(name: String, kind: String, isNeuronPopulation: Bool, emitsSpikes: Bool, elements: Int,
                    footprint: WeightStorageFootprint?, scaleValues: Int, spikeConsumers: Int) {
            self.name = name
            self.kind = kind
            self.isNeuronPopulation = isNeuronPopulation
            self.emitsSpikes = emitsSpikes
            self.elements = elements
            self.footprint = footprint
            self.scaleValues = scaleValues
            self.spikeConsumers = spikeConsumers
        }
    }

    public let layers: [Layer]
    /// True when the network has recurrent edges: it must run step by step through every layer, so a layer's weights
    /// cannot stay in a tile across the steps of a sample and are streamed once per step.
    public let stepMajor: Bool

    public init(layers: [Layer], stepMajor: Bool = false) {
        self.layers = layers
        self.stepMajor = stepMajor
    }

    /// The layout of `layerNames` in `network`.
    /// - Throws: `LedgerError` when a layer is not in the network.
    public init(network: Network, layerNames: [String]) throws(LedgerError) {
        var layers: [Layer] = []
        for name in layerNames {
            guard let index = network.index(of: name) else {
                throw LedgerError(profile: "", field: "layers", message: "the counts' layer '\(name)' is not in the network")
            }
            let node = network.nodes[index]
            var scaleValues = 0
            if case .scale(let values) = node.kind { scaleValues = values.count }
            layers.append(Layer(name: name, kind: node.kind.nirTypeName, isNeuronPopulation: node.kind.isNeuronPopulation,
                                emitsSpikes: node.kind.emitsSpikes, elements: network.outputShapes[index].reduce(1, *),
                                footprint: WeightStorageFootprint(of: node), scaleValues: scaleValues,
                                spikeConsumers: node.kind.emitsSpikes ? network.nearestWorkingNodes(from: index, forward: true).count : 0))
        }
        self.layers = layers
        self.stepMajor = network.hasRecurrentEdges
    }
}
