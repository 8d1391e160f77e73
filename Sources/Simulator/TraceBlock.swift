/// How spikes are recorded.
public enum SpikeTraceFormat: String, Sendable {
    /// One (sample, step, neuron) row per spike, compressed: compact when few neurons fire.
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
    /// Per node index: one entry per spike, sorted by sample, then step, then neuron.
    public let spikeSamples: [Int: [Int32]]
    public let spikeSteps: [Int: [Int32]]
    public let spikeNeurons: [Int: [Int32]]
    /// Per node index (raster format): samples × steps × ⌈neurons / 8⌉ bytes; neuron `n` is bit `n % 8` of byte `n / 8`.
    public let spikeRasters: [Int: [UInt8]]
    /// Per node index: samples × steps × recorded neurons, row-major.
    public let potentials: [Int: [Float]]
}
