/// Records spikes apart from the state update (as a simulator's monitor does): after a spiking node's step, the
/// worker hands its spike list over. Each lane's sample is recorded as events (the neuron column, appended a whole
/// list at a time, and each step's spike count) or as a raster (one bit per neuron and step); the columns are
/// handed over per sample and keep their capacity, so recording allocates nothing per spike or per step.
final class SpikeMonitor {
    /// Spiking nodes whose spikes are traced.
    let tracedNodes: Set<Int>
    let format: SpikeTraceFormat
    private let nodeCount: Int
    private let timesteps: Int
    /// Per lane and node (`lane · nodes + node`), traced nodes only.
    private var recordings: [SpikeRecording?]

    init(nodes: Set<Int>, format: SpikeTraceFormat, plan: SimulationPlan, lanes: Int) {
        tracedNodes = nodes
        self.format = format
        nodeCount = plan.stages.count
        timesteps = plan.options.timesteps
        recordings = Array(repeating: nil, count: lanes * nodeCount)
        for lane in 0..<lanes {
            for node in nodes {
                recordings[lane * nodeCount + node] = SpikeRecording(format: format, timesteps: timesteps,
                                                                     neurons: plan.stages[node].outputCount)
            }
        }
    }

    var isEmpty: Bool { tracedNodes.isEmpty }

    /// Starts lane `lane`'s recording of a new sample.
    func startSample(lane: Int) {
        for node in tracedNodes { recordings[lane &* nodeCount &+ node]!.clear() }
    }

    /// Records `spikes`, node `node`'s spikes at `step` in `lane`, if the node is traced.
    @inline(__always)
    func record(_ spikes: SpikeList, node: Int, lane: Int, step: Int) {
        guard let recording = recordings[lane &* nodeCount &+ node] else { return }
        recording.append(spikes, step: step)
    }

    /// Lane `lane`'s events of `node` for the sample just run: the neurons in step order (each step's in the order
    /// the step listed them) and each step's number of spikes.
    func takeEvents(lane: Int, node: Int) -> (neurons: [Int32], stepCounts: [Int]) {
        recordings[lane &* nodeCount &+ node]!.takeEvents()
    }

    /// Lane `lane`'s raster of `node` for the sample just run: steps × ⌈neurons / 8⌉ bytes.
    func takeRaster(lane: Int, node: Int) -> [UInt8] {
        recordings[lane &* nodeCount &+ node]!.takeRaster()
    }
}

/// One lane's recording of one node's spikes during a sample.
private final class SpikeRecording {
    let format: SpikeTraceFormat
    let rowBytes: Int
    let timesteps: Int
    var neurons: [Int32] = []
    /// Spikes per step (events format), from which the results file's `step_start` offsets are summed.
    var stepCounts: [Int]
    var raster: [UInt8] = []

    init(format: SpikeTraceFormat, timesteps: Int, neurons: Int) {
        self.format = format
        self.timesteps = timesteps
        rowBytes = (neurons + 7) / 8
        stepCounts = format == .events ? [Int](repeating: 0, count: timesteps) : []
    }

    func clear() {
        switch format {
        case .events:
            neurons.removeAll(keepingCapacity: true)
            if stepCounts.count == timesteps {
                stepCounts.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            } else {
                stepCounts = [Int](repeating: 0, count: timesteps)
            }
        case .raster:
            if raster.count == timesteps * rowBytes {
                raster.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            } else {
                raster = [UInt8](repeating: 0, count: timesteps * rowBytes)
            }
        }
    }

    @inline(__always)
    func append(_ spikes: SpikeList, step: Int) {
        let list = spikes.buffer
        switch format {
        case .events:
            neurons.append(contentsOf: list)
            stepCounts[step] &+= list.count
        case .raster:
            let rowBytes = rowBytes
            raster.withUnsafeMutableBufferPointer { bits in
                let row = bits.baseAddress! + step &* rowBytes
                for spike in list {
                    let neuron = Int(spike)
                    row[neuron &>> 3] |= UInt8(1) &<< UInt8(neuron & 7)
                }
            }
        }
    }

    /// Hands the columns over; the next sample's start with the same capacity (its sizes are alike).
    func takeEvents() -> (neurons: [Int32], stepCounts: [Int]) {
        let taken = (neurons, stepCounts)
        neurons = []
        neurons.reserveCapacity(taken.0.count)
        stepCounts = []  // clear() makes the next sample's
        return taken
    }

    func takeRaster() -> [UInt8] {
        defer { raster = [] }
        return raster
    }
}
