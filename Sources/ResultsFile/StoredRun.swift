import EnergyLedger
import HDF5Kit

/// A run as a results file records it: what pricing needs to price it again without simulating.
public struct StoredRun: Sendable {
    public let path: String
    public let networkFile: String
    public let networkSHA256: String
    public let dataFile: String
    public let encoding: String
    public let timesteps: Int
    public let samples: Int
    public let layerNames: [String]
    /// The data file's index of each sample: `/results/sample_index` when the file has one (a merge with gaps),
    /// else `sample_offset` (0 when absent) onwards.
    public let sampleIndices: [Int64]
    /// Per metric name, (N, L) row-major.
    public let perSample: [String: [Int]]
    /// Per metric name, (N, T, L) row-major, when the run stored them (`run --per-step-counts`).
    public let perSampleStep: [String: [Int]]?
    /// Spikes of each neuron over the run, by node name, when the run counted them (neuromorphic profiles).
    public let spikesPerNeuron: [String: [Int]]

    /// Reads the counts and provenance of a results file.
    public init(path: String) throws {
        let file = try HDF5File(path: path, mode: .readOnly)
        defer { file.close() }
        self.path = path
        networkFile = try file.stringAttribute("network_file")
        networkSHA256 = try file.stringAttribute("network_sha256")
        dataFile = try file.stringAttribute("data_file")
        encoding = try file.stringAttribute("encoding")
        timesteps = Int(try file.attribute("timesteps", as: Int64.self)[0])
        samples = Int(try file.attribute("samples", as: Int64.self)[0])
        layerNames = try file.openDataset("layers/names").readStrings()
        sampleIndices = try Self.sampleIndices(in: file)
        var perSample: [String: [Int]] = [:]
        for metric in LayerCountTable.Metric.allCases where file.exists("counts/per_sample/\(metric.rawValue)") {
            perSample[metric.rawValue] = try file.openDataset("counts/per_sample/\(metric.rawValue)").read(as: Int64.self).map { Int($0) }
        }
        self.perSample = perSample
        if file.exists("counts/per_sample_step") {
            var steps: [String: [Int]] = [:]
            for metric in LayerCountTable.Metric.allCases where file.exists("counts/per_sample_step/\(metric.rawValue)") {
                steps[metric.rawValue] = try file.openDataset("counts/per_sample_step/\(metric.rawValue)").read(as: Int64.self).map { Int($0) }
            }
            perSampleStep = steps
        } else {
            perSampleStep = nil
        }
        var spikes: [String: [Int]] = [:]
        if file.exists("counts/spikes_per_neuron") {
            for name in layerNames where file.exists("counts/spikes_per_neuron/\(name)") {
                spikes[name] = try file.openDataset("counts/spikes_per_neuron/\(name)").read(as: Int64.self).map { Int($0) }
            }
        }
        spikesPerNeuron = spikes
    }

    /// The data file's index of each sample of the results file open as `file`: `/results/sample_index` when it
    /// has one (a merge with gaps), else `sample_offset` (0 when absent) onwards, for `samples` samples.
    public static func sampleIndices(in file: HDF5File) throws -> [Int64] {
        if file.exists("results/sample_index") { return try file.openDataset("results/sample_index").read(as: Int64.self) }
        let samples = try file.attribute("samples", as: Int64.self).first ?? 0
        let offset = file.hasAttribute("sample_offset") ? try file.attribute("sample_offset", as: Int64.self).first ?? 0 : 0
        return (0..<samples).map { offset + $0 }
    }

    /// The counts of the first `steps` steps of every sample (all of them when nil).
    /// - Throws: `StoredRunError` when fewer steps were run, or when a prefix is asked of a file without per-step counts.
    public func counts(steps: Int? = nil) throws -> LayerCountTable {
        let layers = layerNames.count
        var tables: [LayerCountTable.Metric: [Int]] = [:]
        let wanted = steps ?? timesteps
        guard wanted >= 1, wanted <= timesteps else {
            throw StoredRunError(path: path, "--timesteps \(wanted): the run has \(timesteps) steps; price 1 to \(timesteps)")
        }
        if wanted == timesteps {
            for metric in LayerCountTable.Metric.allCases { if let values = perSample[metric.rawValue] { tables[metric] = values } }
        } else {
            guard let perSampleStep else {
                throw StoredRunError(path: path, "has no per-step counts: run it with --per-step-counts to price its first \(wanted) steps")
            }
            for metric in LayerCountTable.Metric.allCases {
                guard let values = perSampleStep[metric.rawValue] else { continue }
                var summed = [Int](repeating: 0, count: samples * layers)
                for sample in 0..<samples {
                    for step in 0..<wanted {
                        let base = (sample * timesteps + step) * layers
                        for layer in 0..<layers { summed[sample * layers + layer] += values[base + layer] }
                    }
                }
                tables[metric] = summed
            }
        }
        do {
            return try LayerCountTable(layerNames: layerNames, timesteps: wanted, sampleCount: samples, perSample: tables)
        } catch {
            throw StoredRunError(path: path, "counts: \(error)")
        }
    }
}

/// A results file that cannot be priced as asked.
public struct StoredRunError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(path: String, _ message: String) {
        description = "\(path): \(message)"
    }
}
