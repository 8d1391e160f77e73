/// Summary of the out-degrees of one spiking node's neurons.
public struct OutDegreeSummary: Sendable, Equatable, Codable {
    /// Σ over neurons: the synaptic operations if every neuron of the node fires once.
    public let total: Int
    /// Σ over neurons of the squared out-degree (with `total`, gives the spread).
    public let sumOfSquares: Int
    public let minimum: Int
    public let maximum: Int

    public init(_ degrees: [Int]) {
        total = degrees.reduce(0, +)
        sumOfSquares = degrees.reduce(0) { $0 + $1 * $1 }
        minimum = degrees.min() ?? 0
        maximum = degrees.max() ?? 0
    }
}

/// Weight storage in bytes per format and precision.
public struct FootprintTable: Sendable, Equatable, Codable {
    /// `bytes[format][precision]`, keyed by raw names (`csr`, `fp16`, …).
    public let bytes: [String: [String: Int]]
    /// The smallest format at each precision.
    public let smallestFormat: [String: String]

    init(_ footprint: WeightStorageFootprint) {
        var table: [String: [String: Int]] = [:]
        for format in WeightStorageFormat.allCases {
            var row: [String: Int] = [:]
            for precision in WeightPrecision.allCases { row[precision.rawValue] = footprint.bytes(format, precision) }
            table[format.rawValue] = row
        }
        bytes = table
        smallestFormat = Dictionary(uniqueKeysWithValues: WeightPrecision.allCases.map {
            ($0.rawValue, footprint.smallestFormat($0).rawValue)
        })
    }
}

/// The static cost of one node.
public struct NodeCost: Sendable, Equatable, Codable {
    public let name: String
    /// NIR type name.
    public let type: String
    public let inputShape: [Int]
    public let outputShape: [Int]
    /// Stateful neurons (IF, LIF, CubaLIF, I, LI, CubaLI).
    public let neurons: Int
    /// Units emitting spikes (IF, LIF, CubaLIF and the stateless Threshold).
    public let spikingNeurons: Int
    /// Stored weights (Affine, Linear, convolutions; Scale's scale values). Biases excluded.
    public let weights: Int
    public let nonZeroWeights: Int
    /// Fraction of weights that are zero (0 when the node has no weights).
    public let sparsity: Double
    public let biases: Int
    public let nonZeroBiases: Int
    /// Multiply-accumulates of the dense ANN layer: output elements × fan-in, padding included.
    public let denseMACs: Int
    /// For spiking nodes: the out-degrees of their neurons.
    public let outDegree: OutDegreeSummary?
    /// For nodes where spikes stop: synaptic operations done here if every spiking neuron fires once.
    public let synopsIfAllFireOnce: Int
    /// For Affine, Linear and convolutions: weight storage per format and precision.
    public let footprint: FootprintTable?

    // Explicit names: automatic snake_case would split the acronym (`dense_ma_cs`).
    enum CodingKeys: String, CodingKey {
        case name, type, inputShape, outputShape, neurons, spikingNeurons, weights, nonZeroWeights, sparsity,
             biases, nonZeroBiases, outDegree, synopsIfAllFireOnce, footprint
        case denseMACs = "denseMacs"
    }
}

/// Network-wide sums of the per-node figures.
public struct CostTotals: Sendable, Equatable, Codable {
    public let neurons: Int
    public let spikingNeurons: Int
    public let weights: Int
    public let nonZeroWeights: Int
    public let sparsity: Double
    public let biases: Int
    public let denseMACs: Int
    /// Σ of all spiking neurons' out-degrees: the synaptic operations if every spiking neuron fires once.
    public let synopsIfAllFireOnce: Int
    /// Weight storage over all layers, each format at each precision.
    public let footprintBytes: [String: [String: Int]]
    /// Weight storage when each layer uses its own smallest format, per precision.
    public let smallestFootprintBytes: [String: Int]

    enum CodingKeys: String, CodingKey {
        case neurons, spikingNeurons, weights, nonZeroWeights, sparsity, biases, synopsIfAllFireOnce,
             footprintBytes, smallestFootprintBytes
        case denseMACs = "denseMacs"
    }
}

/// Static analysis of a network: per node and in total.
public struct StaticCostReport: Sendable, Equatable, Codable {
    public let nodes: [NodeCost]
    public let totals: CostTotals
}
