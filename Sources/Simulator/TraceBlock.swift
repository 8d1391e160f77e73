/// How spikes are recorded.
public enum SpikeTraceFormat: String, Sendable {
    /// One row per spike holding the neuron, in the narrowest unsigned integer that holds the node's neurons,
    /// indexed by each step's first row: cheap to write and compact when few neurons fire.
    case events
    /// One bit per neuron and step, packed eight to a byte, uncompressed: as cheap to write as a memory copy,
    /// and smaller than compressed events once about one neuron in five fires per step.
    case raster
}

/// What to record beyond counts while running.
public struct TraceRequest: Sendable {
    /// Spiking nodes whose every spike is recorded.
    public var spikingNodes: Set<Int>
    public var spikeFormat: SpikeTraceFormat
    /// Populations whose membrane potentials are recorded, with the neurons (flat indices) to record.
    public var potentials: [Int: [Int]]

    public init(spikingNodes: Set<Int> = [], spikeFormat: SpikeTraceFormat = .events, potentials: [Int: [Int]] = [:]) {
        self.spikingNodes = spikingNodes
        self.spikeFormat = spikeFormat
        self.potentials = potentials
    }

    public var isEmpty: Bool { spikingNodes.isEmpty && potentials.isEmpty }
}

/// The traces of one block of samples, handed over as soon as the block is done, so that they can be written
/// out and memory does not grow with the run.
public struct TraceBlock: Sendable {
    /// Run-relative indices of the block's samples (0 is the run's first sample).
    public let samples: Range<Int>
    /// Per node index (events format): each spike's neuron (flat index), ordered by sample, then step, then
    /// neuron.
    public let spikeNeurons: [Int: [Int32]]
    /// Per node index (events format): samples × steps + 1 row offsets into `spikeNeurons`, starting at 0: the
    /// block's sample i (0 is its first) spiked at step t in rows `[starts[i · steps + t], starts[i · steps + t + 1])`.
    public let spikeStepStarts: [Int: [Int64]]
    /// Per node index (raster format): samples × steps × ⌈neurons / 8⌉ bytes; neuron `n` is bit `n % 8` of byte `n / 8`.
    public let spikeRasters: [Int: [UInt8]]
    /// Per node index: samples × steps × recorded neurons, row-major.
    public let potentials: [Int: [Float]]
}
