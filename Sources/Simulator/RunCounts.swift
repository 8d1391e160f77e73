/// The exact counts a run records, as named in results files.
public enum CountMetric: String, Sendable, CaseIterable, Codable {
    case spikes
    case synops
    case macs
    case neuronUpdates = "neuron_updates"
    case activeNeuronUpdates = "active_neuron_updates"
    case biasAdds = "bias_adds"
    /// NeuroBench's Effective_ACs of an Affine, Linear or convolution: its input binarised, counted when binary.
    case neurobenchACs = "neurobench_acs"
    /// NeuroBench's Effective_MACs: the same count when the input holds values other than 0 and ±1.
    case neurobenchMACs = "neurobench_macs"

    /// What one unit of the count is, for the results file's `units` attribute.
    public var unitDescription: String {
        switch self {
        case .spikes: return "spikes"
        case .synops: return "synaptic operations (one weight accumulated per binary spike)"
        case .macs: return "multiply-accumulates (non-zero analog input × non-zero weight)"
        case .neuronUpdates: return "neuron state updates"
        case .activeNeuronUpdates: return "neuron state updates with non-zero input or changing state"
        case .biasAdds: return "bias additions"
        case .neurobenchACs: return "NeuroBench Effective_ACs: non-zero input elements × non-zero weights met, when the node's input is binary (0, ±1) that step"
        case .neurobenchMACs: return "NeuroBench Effective_MACs: non-zero input elements × non-zero weights met, when the node's input is not binary that step"
        }
    }
}

/// Integer counts per layer: per step summed over samples, per sample summed over steps,
/// and (when asked for) per sample and step.
public struct RunCounts: Sendable, Equatable {
    public let layerCount: Int
    public let timesteps: Int
    public private(set) var sampleCount: Int
    /// Row-major (T, L) tables.
    public internal(set) var perStep: [CountMetric: [Int]]
    /// Row-major (N, L) tables.
    public internal(set) var perSample: [CountMetric: [Int]]
    /// Row-major (N, T, L) tables, when the run recorded them.
    public internal(set) var perSampleStep: [CountMetric: [Int]]?

    init(layerCount: Int, timesteps: Int, sampleCount: Int, recordSteps: Bool) {
        self.layerCount = layerCount
        self.timesteps = timesteps
        self.sampleCount = sampleCount
        let zeros = { (count: Int) in Dictionary(uniqueKeysWithValues: CountMetric.allCases.map { ($0, [Int](repeating: 0, count: count)) }) }
        perStep = zeros(timesteps * layerCount)
        perSample = zeros(sampleCount * layerCount)
        perSampleStep = recordSteps ? zeros(sampleCount * timesteps * layerCount) : nil
    }

    /// The counts of the first `samples` samples only (per-step sums are over those samples already when
    /// the rest never ran).
    func prefix(samples: Int) -> RunCounts {
        var result = self
        result.sampleCount = samples
        result.perSample = perSample.mapValues { Array($0.prefix(samples * layerCount)) }
        result.perSampleStep = perSampleStep?.mapValues { Array($0.prefix(samples * timesteps * layerCount)) }
        return result
    }

    /// The total of a metric for one layer over every sample and step.
    public func total(_ metric: CountMetric, layer: Int) -> Int {
        stride(from: layer, to: timesteps * layerCount, by: layerCount).reduce(0) { $0 + perStep[metric]![$1] }
    }

    /// The total of a metric over all layers, samples and steps.
    public func total(_ metric: CountMetric) -> Int {
        perStep[metric]!.reduce(0, +)
    }

    /// One sample's count of a metric at one step and layer (needs `perSampleStep`).
    public func value(_ metric: CountMetric, sample: Int, step: Int, layer: Int) -> Int? {
        perSampleStep?[metric]?[(sample * timesteps + step) * layerCount + layer]
    }
}

/// Everything a run produces.
public struct RunResult: Sendable {
    /// The Output node whose accumulation gave the predictions.
    public let readoutName: String
    public let layerNames: [String]
    public let layerKinds: [String]
    public let options: SimulationOptions
    /// Indices, in the data file, of the samples run.
    public let sampleRange: Range<Int>
    public let counts: RunCounts
    /// Labels from the data file, when it has them.
    public let labels: [Int]?
    /// Row-major (N, T): the prediction after each step.
    public let predictionsByStep: [Int]
    /// Positive summed inputs of the probed nodes, by node index (empty unless asked for).
    public let probedInputs: [Int: [Float]]
    /// Spikes of each neuron over all samples and steps, by node index (empty unless asked for).
    public let spikesPerNeuron: [Int: [Int]]
    /// True when the run was asked to stop before its last sample.
    public let interrupted: Bool
    /// Why the run ended before its last sample, when a block failed (only with `partialResultOnError`).
    public let failure: String?

    /// The prediction after the last step, per sample.
    public var predictions: [Int] {
        let steps = counts.timesteps
        return (0..<counts.sampleCount).map { predictionsByStep[$0 * steps + steps - 1] }
    }

    /// Fraction of samples predicted correctly after each step (nil without labels).
    public var accuracyByTimestep: [Double]? {
        guard let labels, counts.sampleCount > 0 else { return nil }
        let steps = counts.timesteps
        return (0..<steps).map { step in
            let correct = (0..<counts.sampleCount).filter { predictionsByStep[$0 * steps + step] == labels[$0] }.count
            return Double(correct) / Double(counts.sampleCount)
        }
    }
}
