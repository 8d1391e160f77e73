/// The exact counts pricing works from, per sample and layer: plain integers that may come from a run, from a results
/// file (`/counts/per_sample/*`) or from a caller's own numbers. Nothing here refers to the simulator.
public struct LayerCountTable: Sendable, Equatable {
    /// The counts a table can hold, named as in results files.
    public enum Metric: String, Sendable, CaseIterable {
        case spikes, synops, macs
        case neuronUpdates = "neuron_updates"
        case activeNeuronUpdates = "active_neuron_updates"
        case biasAdds = "bias_adds"
        case neurobenchACs = "neurobench_acs"
        case neurobenchMACs = "neurobench_macs"
    }

    public let layerNames: [String]
    /// Steps each sample ran (a dense count per step is charged this many times).
    public let timesteps: Int
    public let sampleCount: Int
    /// Per metric, row-major (N, L); a metric left out reads as zero.
    public let perSample: [Metric: [Int]]

    /// - Throws: `LedgerError` when a table is not N × L.
    public init(layerNames: [String], timesteps: Int, sampleCount: Int, perSample: [Metric: [Int]]) throws(LedgerError) {
        for (metric, values) in perSample where values.count != sampleCount * layerNames.count {
            throw LedgerError(profile: "", field: "counts.\(metric.rawValue)",
                              message: "holds \(values.count) values; expected \(sampleCount) samples × \(layerNames.count) layers")
        }
        self.layerNames = layerNames
        self.timesteps = timesteps
        self.sampleCount = sampleCount
        self.perSample = perSample
    }

    public var layerCount: Int { layerNames.count }

    /// One sample's count of a metric at one layer.
    public func value(_ metric: Metric, sample: Int, layer: Int) -> Int {
        perSample[metric]?[sample * layerNames.count + layer] ?? 0
    }

    /// A layer's count over every sample, summed in sample order.
    public func total(_ metric: Metric, layer: Int) -> Int {
        guard let values = perSample[metric] else { return 0 }
        var sum = 0
        for sample in 0..<sampleCount { sum += values[sample * layerNames.count + layer] }
        return sum
    }

    /// The count over every layer and sample.
    public func total(_ metric: Metric) -> Int {
        (0..<layerNames.count).reduce(0) { $0 + total(metric, layer: $1) }
    }
}
