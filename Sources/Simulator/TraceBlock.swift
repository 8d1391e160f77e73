/// What to record beyond counts while running.
public struct TraceRequest: Sendable {
    /// Spiking nodes whose every spike is recorded.
    public var spikingNodes: Set<Int>
    /// Populations whose membrane potentials are recorded, with the neurons (flat indices) to record.
    public var potentials: [Int: [Int]]

    public init(spikingNodes: Set<Int> = [], potentials: [Int: [Int]] = [:]) {
        self.spikingNodes = spikingNodes
        self.potentials = potentials
    }

    public var isEmpty: Bool { spikingNodes.isEmpty && potentials.isEmpty }
}

/// The traces of one block of samples, handed over as soon as the block is done, so that they can be written
/// out and memory does not grow with the run.
public struct TraceBlock: Sendable {
    /// Run-relative indices of the block's samples (0 is the run's first sample).
    public let samples: Range<Int>
    /// Per node index: one entry per spike, sorted by sample, then step, then neuron.
    public let spikeSamples: [Int: [Int32]]
    public let spikeSteps: [Int: [Int32]]
    public let spikeNeurons: [Int: [Int32]]
    /// Per node index: samples × steps × recorded neurons, row-major.
    public let potentials: [Int: [Float]]
}
