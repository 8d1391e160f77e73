import EnergyLedger
import HardwareProfiles
import HDF5Kit
import Simulator

/// A results file written while the run goes on: provenance and layers first, traces appended block by block
/// (the file flushed, with `completed_samples` updated, once a second), counts and predictions at the end.
/// An interrupted run leaves a file h5py opens, holding every completed sample's traces and, when the run
/// could stop cleanly, their counts; a killed one holds the samples completed up to its last flush.
/// Layout: docs/results-schema.md.
public final class RunResultsFile {
    /// Layout version, on the root as `schema_version`; it changes whenever the layout does.
    public static let schemaVersion = "5"

    private let file: HDF5File
    private let replacement: ReplacementFile
    private var committed = false
    private let plan: SimulationPlan
    /// The data file's index of the run's first sample (the `sample` dimension starts there).
    private let sampleOffset: Int
    private var spikeColumns: [Int: SpikeEventColumns] = [:]
    private var rasterSets: [Int: HDF5RowAppender<UInt8>] = [:]
    private var potentialSets: [Int: HDF5Dataset] = [:]
    /// When the traces appended were last made durable (`flushTraces`).
    private var lastFlush = ContinuousClock.now
    /// Samples whose traces were appended (`completed_samples` once flushed).
    private var appendedSamples = 0

    /// Starts the file under a temporary name beside `path` and writes what is known before the run;
    /// `commit()` moves it to `path` (replacing an existing file only when `overwrite`).
    public init(path: String, overwrite: Bool, plan: SimulationPlan, provenance: RunProvenance, sampleOffset: Int,
                plannedSamples: Int, traces: TraceRequest = TraceRequest()) throws {
        self.plan = plan
        self.sampleOffset = sampleOffset
        replacement = try ReplacementFile(destination: path, overwrite: overwrite)
        file = try HDF5File(path: replacement.temporaryPath, mode: .truncate)
        let options = plan.options
        try file.setAttribute("schema_version", string: Self.schemaVersion)
        try file.setAttribute("neurocost_version", string: provenance.neurocostVersion)
        try file.setAttribute("network_file", string: provenance.networkFile)
        try file.setAttribute("network_sha256", string: provenance.networkSHA256)
        try file.setAttribute("data_file", string: provenance.dataFile)
        try file.setAttribute("timesteps", Int64(options.timesteps))
        try file.setAttribute("samples", Int64(plannedSamples))
        try file.setAttribute("planned_samples", Int64(plannedSamples))
        try file.setAttribute("completed_samples", Int64(0))
        try file.setAttribute("sample_offset", Int64(sampleOffset))
        try file.setAttribute("encoding", string: options.encoding.rawValue)
        try file.setAttribute("reset", string: options.reset.rawValue)
        try file.setAttribute("threshold_compare", string: options.thresholdComparison.rawValue)
        try file.setAttribute("framework", string: options.framework.rawValue)
        try file.setAttribute("spike_function", string: options.spikeFunction.rawValue)
        try file.setAttribute("seed", UInt64(options.seed))
        try file.setAttribute("dt_seconds", options.dt)
        try file.setAttribute("readout", string: plan.network.nodes[plan.readoutNode].name)

        let layers = try file.createGroup("layers")
        try layers.writeStringDataset("names", plan.layerNames, shape: [plan.layerNames.count])
        try layers.writeStringDataset("kinds", plan.layerKinds, shape: [plan.layerKinds.count])
        let sizes = plan.layerNodes.map { Int64(plan.network.outputShapes[$0].reduce(1, *)) }
        let neurons = plan.layerNodes.map { node -> Int64 in
            let kind = plan.network.nodes[node].kind
            return kind.isNeuronPopulation || kind.emitsSpikes ? Int64(plan.network.outputShapes[node].reduce(1, *)) : 0
        }
        try layers.writeDataset("output_elements", sizes, shape: [sizes.count])
        try layers.writeDataset("neurons", neurons, shape: [neurons.count])

        guard !traces.isEmpty else { return }
        let traceGroup = try file.createGroup("traces")
        try traceGroup.setAttribute("order", string: "per node: sorted by sample, then step, then neuron")
        try traceGroup.setAttribute("sample_index", string: "0 is the run's first sample; add the root's sample_offset for the data file's index")
        if !traces.spikingNodes.isEmpty && traces.spikeFormat == .raster {
            let rasters = try traceGroup.createGroup("raster")
            for node in traces.spikingNodes.sorted() {
                let group = try rasters.createGroup(plan.network.nodes[node].name)
                let neurons = plan.network.outputShapes[node].reduce(1, *)
                let rowBytes = (neurons + 7) / 8
                try group.setAttribute("shape", plan.network.outputShapes[node].map { Int64($0) })
                try group.setAttribute("neurons", Int64(neurons))
                try group.setAttribute("bitorder", string: "little")
                // About 1 MiB per chunk, whole samples, uncompressed: appending is a plain copy. A whole number
                // of chunks per trace block, so that each chunk is written once, whole.
                let samplesPerChunk = traces.potentials.isEmpty
                    ? RasterBlocking.samplesPerChunk(plan: plan, nodes: traces.spikingNodes, node: node)
                    : max(1, (1 << 20) / max(options.timesteps * rowBytes, 1))
                let bits = try group.createDataset("bits", of: UInt8.self, shape: [0, options.timesteps, rowBytes],
                                                   maxShape: [nil, options.timesteps, rowBytes],
                                                   chunks: [samplesPerChunk, options.timesteps, rowBytes])
                try bits.setAttribute("units", string: "neuron n spiked at the step when bit n % 8 of byte n / 8 is set (numpy.unpackbits(..., bitorder='little'))")
                rasterSets[node] = try HDF5RowAppender(bits)
            }
        }
        if !traces.spikingNodes.isEmpty && traces.spikeFormat == .events {
            let spikes = try traceGroup.createGroup("spikes")
            for node in traces.spikingNodes.sorted() {
                let group = try spikes.createGroup(plan.network.nodes[node].name)
                let neurons = plan.network.outputShapes[node].reduce(1, *)
                try group.setAttribute("shape", plan.network.outputShapes[node].map { Int64($0) })
                try group.setAttribute("neurons", Int64(neurons))
                try group.setAttribute("timesteps", Int64(options.timesteps))
                spikeColumns[node] = try SpikeEventColumns(group: group, neurons: neurons, timesteps: options.timesteps,
                                                            context: "\(path): /traces/spikes/\(plan.network.nodes[node].name)")
            }
        }
        if !traces.potentials.isEmpty {
            let potentials = try traceGroup.createGroup("v")
            for node in traces.potentials.keys.sorted() {
                let group = try potentials.createGroup(plan.network.nodes[node].name)
                let neurons = traces.potentials[node]!
                try group.writeDataset("neurons", neurons.map { Int64($0) }, shape: [neurons.count])
                try group.setAttribute("shape", plan.network.outputShapes[node].map { Int64($0) })
                let rowSize = max(options.timesteps * neurons.count, 1)
                let values = try group.createDataset("values", of: Float.self, shape: [0, options.timesteps, neurons.count],
                                                     maxShape: [nil, options.timesteps, neurons.count],
                                                     chunks: [max(1, min(1024, 262_144 / rowSize)), options.timesteps, max(neurons.count, 1)],
                                                     deflateLevel: 1, shuffle: true)
                try values.setAttribute("units", string: "membrane potential after the step's update and reset (the file's units)")
                potentialSets[node] = values
            }
        }
        try flushTraces()
    }

    /// Appends one block's traces and records how many samples are complete; flushes when `flushInterval` has
    /// passed since the last flush.
    public func append(_ block: TraceBlock) throws {
        // Runs on the trace writer's thread while the simulation goes on.
        try HDF5Library.serialized { try appendUnserialized(block) }
    }

    private func appendUnserialized(_ block: TraceBlock) throws {
        let timesteps = plan.options.timesteps
        for (node, columns) in spikeColumns {
            try columns.append(neurons: block.traces.map { $0.spikeNeurons[node] ?? [] },
                               stepCounts: block.traces.map { $0.spikeStepCounts[node] ?? Array(repeating: 0, count: timesteps) })
        }
        for (node, rasters) in rasterSets {
            for sample in block.traces {
                try (sample.spikeRasters[node] ?? []).withUnsafeBufferPointer { try rasters.append($0) }
            }
        }
        for (node, dataset) in potentialSets { try dataset.append(block.traces.flatMap { $0.potentials[node] ?? [] }) }
        appendedSamples = block.samples.upperBound
        if ContinuousClock.now - lastFlush >= Self.flushInterval { try flushTraces() }
    }

    /// How often a run's file is made durable while traces are appended: a killed run's partial file holds
    /// the samples completed up to its last flush. Flushing after every block wrote each node's partly filled
    /// chunks again every time (more than the file's size again, for event traces of a VGG-16).
    static let flushInterval = Duration.seconds(1)

    /// Writes every trace row appended (the chunks being filled as they stand), records how many samples they
    /// cover, and flushes the file.
    private func flushTraces() throws {
        for columns in spikeColumns.values { try columns.flush() }
        for rasters in rasterSets.values { try rasters.flush() }
        try file.setAttribute("completed_samples", Int64(appendedSamples))
        try file.flush()
        lastFlush = .now
    }

    /// Writes counts, predictions, the counting conventions and energy for the samples the run completed.
    public func finish(_ result: RunResult, energy: [(EnergyReport, HardwareProfile)] = [],
                       conventions: [ConventionReport] = [], conventionEnergies: [ConventionEnergy] = []) throws {
        try finish(result, entries: EnergyEntry.byName(energy, conventions: conventionEnergies), conventions: conventions)
    }

    /// Writes counts, predictions, the counting conventions and one `/energy` group per entry.
    public func finish(_ result: RunResult, entries: [EnergyEntry], conventions: [ConventionReport]) throws {
        let counts = result.counts
        try file.setAttribute("samples", Int64(counts.sampleCount))
        try file.setAttribute("completed_samples", Int64(counts.sampleCount))
        try file.setAttribute("interrupted", Int64(result.interrupted || result.failure != nil ? 1 : 0))
        if let failure = result.failure { try file.setAttribute("failure", string: failure) }
        try writeSampleStarts(samples: counts.sampleCount)
        for rasters in rasterSets.values { try rasters.flush() }

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
        if let perSampleStep = counts.perSampleStep {
            // `run --per-step-counts`: the counts of any shorter run of the same samples, for `price --timesteps`.
            let stepGroup = try countsGroup.createGroup("per_sample_step")
            for metric in CountMetric.allCases {
                let dataset = try stepGroup.writeDataset(metric.rawValue, perSampleStep[metric]!.map { Int64($0) },
                                                         shape: [counts.sampleCount, counts.timesteps, layerCount],
                                                         chunks: chunkRows(counts.sampleCount, counts.timesteps * layerCount).map { [$0[0], counts.timesteps, layerCount] },
                                                         deflateLevel: 1)
                try describe(dataset, metric, normalization: "count; axis 0 sample, axis 1 timestep, axis 2 layer")
            }
        }
        if !result.spikesPerNeuron.isEmpty {
            // Counted for core mappings (neuromorphic profiles); kept so that `price` maps the same way.
            let neuronGroup = try countsGroup.createGroup("spikes_per_neuron")
            for node in result.spikesPerNeuron.keys.sorted() {
                let values = result.spikesPerNeuron[node]!
                let dataset = try neuronGroup.writeDataset(plan.network.nodes[node].name, values.map { Int64($0) }, shape: [values.count],
                                                           chunks: values.isEmpty ? nil : [min(values.count, 65_536)], deflateLevel: 1)
                try dataset.setAttribute("units", string: "spikes of each neuron (flat index), summed over samples and steps")
            }
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
        try EnergyGroupWriter.write(entries, into: file)
        try ConventionGroupWriter.write(conventions, energies: entries.flatMap { entry in entry.conventions.map { (entry.key, $0) } }, into: file)
        try ResultsDimensionScales.attach(toRun: file, sampleIndices: (0..<Int64(counts.sampleCount)).map { Int64(sampleOffset) + $0 })
        try file.flush()
    }

    /// The open file, for callers that add their own groups (compare's ANN and baseline energies).
    public var root: HDF5Group { file }

    /// Closes the finished file and moves it into place; errors name the destination.
    public func commit() throws {
        // libhdf5 keeps the file open (and locked) while any of its datasets is: release them first.
        spikeColumns = [:]
        rasterSets = [:]
        potentialSets = [:]
        file.close()
        try replacement.commit()
        committed = true
    }

    /// Closes the file; if it was never committed, the temporary file is removed and the destination untouched.
    public func close() {
        file.close()
        if !committed { replacement.discard() }
    }

    private func describe(_ dataset: HDF5Dataset, _ metric: CountMetric, normalization: String) throws {
        try dataset.setAttribute("units", string: metric.unitDescription)
        try dataset.setAttribute("normalization", string: normalization)
    }

    /// Chunks of whole rows, about 64k elements each (nil for an empty table).
    private func chunkRows(_ rows: Int, _ columns: Int) -> [Int]? {
        guard rows > 0, columns > 0 else { return nil }
        return [max(1, min(rows, 65_536 / columns)), columns]
    }
}

extension RunResultsFile {
    /// Completes `/traces/spikes/<node>/step_start` to `samples` samples (a block whose traces could not be
    /// written has no events) and writes `sample_start` (N + 1): sample i's events are rows `[start[i], start[i + 1])`.
    func writeSampleStarts(samples: Int) throws {
        for (node, columns) in spikeColumns {
            let group = try file.openGroup("traces/spikes/\(plan.network.nodes[node].name)")
            try columns.finish(samples: samples, in: group)
        }
    }

    /// Records which part of a sharded run this file holds (`shard_index`, `shard_count`; 0 and 1 for a whole run)
    /// and the data file's SHA-256 (`data_sha256`), so that a merge can refuse shards of different data.
    public func recordShard(index: Int, count: Int, dataSHA256: String) throws {
        try file.setAttribute("shard_index", Int64(index))
        try file.setAttribute("shard_count", Int64(count))
        try file.setAttribute("data_sha256", string: dataSHA256)
    }
}
