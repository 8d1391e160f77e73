import EnergyLedger
import HardwareProfiles
import HDF5Kit
import Simulator

/// Writes a run's counts, predictions and provenance to HDF5 in the layout `docs/results-schema.md` documents.
public enum RunResultsWriter {
    /// Layout version, on the root as `schema_version`; it changes whenever the layout does.
    public static let schemaVersion = "1"

    /// Writes `result` to `path`. An existing file is replaced only when `overwrite` is true.
    public static func write(_ result: RunResult, provenance: RunProvenance, to path: String, overwrite: Bool,
                             energy: [(EnergyReport, HardwareProfile)] = []) throws {
        let file = try HDF5File(path: path, mode: overwrite ? .truncate : .createNew)
        defer { file.close() }
        let options = result.options
        let counts = result.counts
        try file.setAttribute("schema_version", string: schemaVersion)
        try file.setAttribute("neurocost_version", string: provenance.neurocostVersion)
        try file.setAttribute("network_file", string: provenance.networkFile)
        try file.setAttribute("network_sha256", string: provenance.networkSHA256)
        try file.setAttribute("data_file", string: provenance.dataFile)
        try file.setAttribute("timesteps", Int64(options.timesteps))
        try file.setAttribute("samples", Int64(counts.sampleCount))
        try file.setAttribute("sample_offset", Int64(result.sampleRange.lowerBound))
        try file.setAttribute("encoding", string: options.encoding.rawValue)
        try file.setAttribute("reset", string: options.reset.rawValue)
        try file.setAttribute("threshold_compare", string: options.thresholdComparison.rawValue)
        try file.setAttribute("seed", UInt64(options.seed))
        try file.setAttribute("dt_seconds", options.dt)
        try file.setAttribute("readout", string: result.readoutName)

        let layers = try file.createGroup("layers")
        try layers.writeStringDataset("names", result.layerNames, shape: [result.layerNames.count])
        try layers.writeStringDataset("kinds", result.layerKinds, shape: [result.layerKinds.count])

        let countsGroup = try file.createGroup("counts")
        let perSampleGroup = try countsGroup.createGroup("per_sample")
        let layerCount = counts.layerCount
        for metric in CountMetric.allCases {
            let perStep = try countsGroup.writeDataset(metric.rawValue, counts.perStep[metric]!.map { Int64($0) },
                                                       shape: [counts.timesteps, layerCount])
            try describe(perStep, metric, normalization: "count, summed over samples; axis 0 timestep, axis 1 layer")
            let perSample = try perSampleGroup.writeDataset(metric.rawValue, counts.perSample[metric]!.map { Int64($0) },
                                                            shape: [counts.sampleCount, layerCount],
                                                            chunks: chunkRows(counts.sampleCount, layerCount), deflateLevel: 1)
            try describe(perSample, metric, normalization: "count, summed over timesteps; axis 0 sample, axis 1 layer")
        }

        let results = try file.createGroup("results")
        if let labels = result.labels {
            try results.writeDataset("labels", labels.map { Int64($0) }, shape: [labels.count])
        }
        try results.writeDataset("predictions", result.predictions.map { Int64($0) }, shape: [counts.sampleCount])
        try results.writeDataset("predictions_by_timestep", result.predictionsByStep.map { Int64($0) },
                                 shape: [counts.sampleCount, counts.timesteps],
                                 chunks: chunkRows(counts.sampleCount, counts.timesteps), deflateLevel: 1)
        if let accuracy = result.accuracyByTimestep {
            let dataset = try results.writeDataset("accuracy_by_timestep", accuracy, shape: [accuracy.count])
            try dataset.setAttribute("units", string: "fraction of samples whose prediction after the step equals the label")
        }
        try EnergyGroupWriter.write(energy, into: file)
        try file.flush()
    }

    private static func describe(_ dataset: HDF5Dataset, _ metric: CountMetric, normalization: String) throws {
        try dataset.setAttribute("units", string: metric.unitDescription)
        try dataset.setAttribute("normalization", string: normalization)
    }

    /// Chunks of whole rows, about 64k elements each (nil for an empty table).
    private static func chunkRows(_ rows: Int, _ columns: Int) -> [Int]? {
        guard rows > 0, columns > 0 else { return nil }
        return [max(1, min(rows, 65_536 / columns)), columns]
    }
}
