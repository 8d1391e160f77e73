import EnergyLedger
import HDF5Kit
import Simulator

/// Writes a run compared with the file's own (the ANN view, a baseline SNN) into a group of its own: its layers,
/// per-sample and per-step counts, accuracy, energy and conventions, in the layouts of the root
/// (docs/results-schema.md).
public enum ComparedRunWriter {
    public static func write(_ run: RunResult, into group: HDF5Group, entries: [EnergyEntry], conventions: [ConventionReport],
                             attributes: [String: String] = [:]) throws {
        let samples = Double(max(run.counts.sampleCount, 1))
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) { try group.setAttribute(name, string: value) }
        if let accuracy = run.accuracyByTimestep?.last { try group.setAttribute("accuracy", accuracy) }
        for metric in [CountMetric.spikes, .synops, .macs] {
            try group.setAttribute("\(metric.rawValue)_per_sample", Double(run.counts.total(metric)) / samples)
        }
        let layers = try group.createGroup("layers")
        try layers.writeStringDataset("names", run.layerNames, shape: [run.layerNames.count])
        try layers.writeStringDataset("kinds", run.layerKinds, shape: [run.layerKinds.count])
        let counts = try group.createGroup("counts")
        let perSample = try counts.createGroup("per_sample")
        let layerCount = run.counts.layerCount
        for metric in CountMetric.allCases {
            let perStep = try counts.writeDataset(metric.rawValue, run.counts.perStep[metric]!.map { Int64($0) },
                                                  shape: [run.counts.timesteps, layerCount])
            try perStep.setAttribute("units", string: metric.unitDescription)
            try perStep.setAttribute("normalization", string: "count, summed over samples; axis 0 timestep, axis 1 layer")
            let bySample = try perSample.writeDataset(metric.rawValue, run.counts.perSample[metric]!.map { Int64($0) },
                                                      shape: [run.counts.sampleCount, layerCount])
            try bySample.setAttribute("units", string: metric.unitDescription)
            try bySample.setAttribute("normalization", string: "count, summed over timesteps; axis 0 sample, axis 1 layer")
        }
        try EnergyGroupWriter.write(entries, into: group)
        try ConventionGroupWriter.write(conventions, energies: entries.flatMap { entry in entry.conventions.map { (entry.key, $0) } }, into: group)
        try ResultsDimensionScales.attach(toRun: group, sampleIndices: run.sampleRange.map { Int64($0) })
    }
}
