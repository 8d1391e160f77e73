import EnergyLedger
import HDF5Kit

/// Writes what `neurocost price` computes from a results file: the run's provenance, the counts it priced, and the
/// `/energy` and `/conventions` groups in the layout `run` writes (docs/results-schema.md).
public enum PricedResultsWriter {
    public static func write(to path: String, overwrite: Bool, source: StoredRun, counts: LayerCountTable, entries: [EnergyEntry],
                             conventions: [ConventionReport], neurocostVersion: String) throws {
        let file = try HDF5File(path: path, mode: overwrite ? .truncate : .createNew)
        defer { file.close() }
        try file.setAttribute("schema_version", string: RunResultsFile.schemaVersion)
        try file.setAttribute("neurocost_version", string: neurocostVersion)
        try file.setAttribute("priced_from", string: source.path)
        try file.setAttribute("network_file", string: source.networkFile)
        try file.setAttribute("network_sha256", string: source.networkSHA256)
        try file.setAttribute("data_file", string: source.dataFile)
        try file.setAttribute("encoding", string: source.encoding)
        try file.setAttribute("timesteps", Int64(counts.timesteps))
        try file.setAttribute("run_timesteps", Int64(source.timesteps))
        try file.setAttribute("samples", Int64(counts.sampleCount))
        if let first = source.sampleIndices.first, source.sampleIndices == Array(first..<(first + Int64(source.samples))) {
            try file.setAttribute("sample_offset", first)
        }
        let layers = try file.createGroup("layers")
        try layers.writeStringDataset("names", counts.layerNames, shape: [counts.layerCount])
        let perSample = try file.createGroup("counts").createGroup("per_sample")
        for metric in LayerCountTable.Metric.allCases {
            guard let values = counts.perSample[metric] else { continue }
            let dataset = try perSample.writeDataset(metric.rawValue, values.map { Int64($0) }, shape: [counts.sampleCount, counts.layerCount])
            try dataset.setAttribute("normalization", string: "count, summed over the first \(counts.timesteps) timesteps; axis 0 sample, axis 1 layer")
        }
        try EnergyGroupWriter.write(entries, into: file)
        try ConventionGroupWriter.write(conventions, energies: entries.flatMap { entry in entry.conventions.map { (entry.key, $0) } }, into: file)
        try ResultsDimensionScales.attach(toRun: file, sampleIndices: source.sampleIndices)
    }
}
