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

/// One sample's traces, as its worker recorded them.
public struct SampleTraces: Sendable {
    /// Per traced node (events format): the neurons that spiked, step by step (each step's in the order its
    /// population listed them).
    public var spikeNeurons: [Int: [Int32]] = [:]
    /// Per traced node (events format): how many of `spikeNeurons` each step holds (T values).
    public var spikeStepCounts: [Int: [Int]] = [:]
    /// Per traced node (raster format): steps × ⌈neurons / 8⌉ bytes; neuron `n` is bit `n % 8` of byte `n / 8`.
    public var spikeRasters: [Int: [UInt8]] = [:]
    /// Per recorded population: steps × recorded neurons, row-major.
    public var potentials: [Int: [Float]] = [:]

    public init() {}
}

/// The traces of consecutive samples, handed over in run order as soon as they are all simulated, so that they
/// can be written out while the simulation goes on and memory does not grow with the run. Each sample's traces
/// are kept as recorded: whoever writes them lays them out (no copy is made to join them first).
public struct TraceBlock: Sendable {
    /// Run-relative indices of the block's samples (0 is the run's first sample).
    public let samples: Range<Int>
    /// One entry per sample of `samples`, in order.
    public let traces: [SampleTraces]

    public init(samples: Range<Int>, traces: [SampleTraces]) {
        precondition(samples.count == traces.count, "one SampleTraces per sample")
        self.samples = samples
        self.traces = traces
    }
}
