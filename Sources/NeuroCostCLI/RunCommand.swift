import ArgumentParser
import Foundation
import NeuroCost

extension InputEncoding: ExpressibleByArgument {}
extension ResetMode: ExpressibleByArgument {}
extension ThresholdComparison: ExpressibleByArgument {}
extension WeightStorageFormat: ExpressibleByArgument {}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Simulate a spiking network event-driven on a data set and count exactly what it does.",
        discussion: "The execution model and every count are defined in docs/execution-model.md; the results file in docs/results-schema.md."
    )

    /// The bundled default job: the 90%-sparse, adversarially trained digits SNN on the digits test set.
    static let defaultNetwork = "Datasets/networks/digits-snn-sparse90.nir"
    static let defaultData = "Datasets/digits/digits-test.h5"

    @Argument(help: "A NIR file (.nir, HDF5). Default: the bundled \(RunCommand.defaultNetwork).")
    var network = RunCommand.defaultNetwork

    @Option(help: "HDF5 data: 'images' (N, …input shape) or, with --encoding spikes, (N, T, …), and 'labels' (N). Default: \(RunCommand.defaultData).")
    var data = RunCommand.defaultData

    @Option(help: "Time steps per sample.")
    var timesteps = 8

    @Option(help: "Input encoding: direct, poisson or spikes.")
    var encoding = InputEncoding.direct

    @Option(help: "Reset after a spike: subtract (v ← v − θ) or value (v ← v_reset).")
    var reset = ResetMode.subtract

    @Option(name: .customLong("threshold-compare"), help: "Spike when v > θ (gt) or v ≥ θ (ge).")
    var thresholdCompare = ThresholdComparison.gt

    @Option(help: "Seconds per step for LIF, LI and the current-based models.")
    var dt = 1e-3

    @Option(help: "Seed of the Poisson encoder.")
    var seed: UInt64 = 0

    @Option(help: "The Output node to read predictions from (default: the first).")
    var readout: String?

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "Run at most this many samples.")
    var limit: Int?

    @Option(help: "Skip this many samples first.")
    var offset = 0

    @Option(name: .customLong("profile"), help: "Price the run under this hardware profile (a bundled name or a YAML/JSON file); repeatable.")
    var profiles: [String] = []

    @Option(name: .customLong("weight-format"), help: "Store every layer's weights as dense, csr, bitmask or coo (default: each layer's smallest).")
    var weightFormat: WeightStorageFormat?

    @Option(help: "Record every spike of the spiking nodes: 'spikes' as compressed (sample, step, neuron) events in /traces/spikes, 'raster' as one bit per neuron and step in /traces/raster (much cheaper to write; smaller once ~20% of neurons fire per step).")
    var trace: TraceKind?

    @Option(name: .customLong("trace-nodes"), help: "Comma-separated spiking nodes to trace (default: all).")
    var traceNodes: String?

    @Option(name: .customLong("record-v"), help: "Record membrane potentials of NODE or NODE:i,j,… (flat indices); repeatable.")
    var recordV: [String] = []

    @Option(help: "Results file to write.")
    var out = "neurocost-run.h5"

    @Flag(help: "Replace the results file if it exists.")
    var force = false

    @Flag(help: "No progress display.")
    var quiet = false

    @OptionGroup var safety: InputSafetyOptions

    @OptionGroup var dataChecks: DataCheckOptions

    func validate() throws {
        guard (1...SimulationOptions.maxTimesteps).contains(timesteps) else {
            throw ValidationError("--timesteps must be in 1...\(SimulationOptions.maxTimesteps)")
        }
        guard dt.isFinite, dt > 0 else { throw ValidationError("--dt must be a positive number of seconds") }
        guard offset >= 0 else { throw ValidationError("--offset cannot be negative") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        for (path, what) in [(network, "network"), (data, "data file")] where !FileManager.default.fileExists(atPath: path) {
            let bundled = path == Self.defaultNetwork || path == Self.defaultData
            throw CommandFailure("\(path): no such \(what)" + (bundled ? " (the bundled default is found from the repository root; or pass NETWORK and --data)" : ""))
        }
        try OutputPath.check(out, force: force, inputs: [("network", network), ("data file", data)] + profiles.map { ("profile", $0) })
        let hardware = try profiles.map { try ProfileLibrary.load($0) }
        let document = try safety.readNetwork(network)
        let options = SimulationOptions(timesteps: timesteps, encoding: encoding, reset: reset,
                                        thresholdComparison: thresholdCompare, dt: dt, seed: seed, readout: readout)
        let plan = try SimulationPlan(network: document.network, options: options)
        let dataset = try safety.openData(data, preferSpikes: encoding == .spikes)
        guard offset < dataset.sampleCount else {
            throw CommandFailure("\(data): --offset \(offset) is past the \(dataset.sampleCount) samples")
        }
        let range = offset..<(offset + min(dataset.sampleCount - offset, limit ?? dataset.sampleCount))
        try SimulationRunner.validate(dataset: dataset, plan: plan)
        try safety.requireFits(MemoryEstimate.simulation(network: document.network, timesteps: timesteps, samples: range.count,
                                                         sampleElements: dataset.sampleElementCount, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                                         recordsPerSampleSteps: false),
                               what: "\(data): running \(range.count) samples for \(timesteps) steps")
        try dataChecks.check(dataset, range: range, plan: plan, encoding: encoding)
        let traces = try traceRequest(plan: plan)
        let provenance = try RunProvenance(networkFile: network, dataFile: data, neurocostVersion: NeuroCostVersion.string)
        let file = try RunResultsFile(path: out, overwrite: force, plan: plan, provenance: provenance, sampleOffset: offset,
                                      plannedSamples: range.count, traces: traces)
        defer { file.close() }
        let progress = ProgressDisplay(total: range.count, enabled: !quiet)
        let started = ContinuousClock.now
        InterruptFlag.install()
        let result = try SimulationRunner.run(plan: plan, dataset: dataset, range: range, threads: threads,
                                              countSpikesPerNeuron: hardware.contains { $0.kind == .neuromorphic },
                                              traces: traces, onTraces: file.append, shouldStop: InterruptFlag.isSet,
                                              partialResultOnError: true, progress: progress.update)
        progress.finish()
        let elapsed = ContinuousClock.now - started
        if let failure = result.failure {
            try file.finish(result)
            try file.commit()
            throw CommandFailure("\(failure) (the \(result.counts.sampleCount) samples completed before it are in \(out))")
        }
        try finish(result: result, plan: plan, hardware: hardware, file: file, document: document, elapsed: elapsed)
    }

    private func finish(result: RunResult, plan: SimulationPlan, hardware: [HardwareProfile], file: RunResultsFile,
                        document: NIRDocument, elapsed: Duration) throws {
        let priced: [(HardwareProfile, (EnergyReport, MappingReport?))]
        do {
            priced = try hardware.map { ($0, try Pricing.price(result, plan: plan, profile: $0, weightFormat: weightFormat)) }
        } catch {
            // Keep the run's counts even when a profile cannot price them.
            try file.finish(result)
            try file.commit()
            throw CommandFailure("\(error) (the run's counts, without energy, are in \(out))")
        }
        let reports = priced.map { ($0.1.0, $0.0) }
        try file.finish(result, energy: reports)
        try file.commit()
        var summary = RunSummary.render(result: result, network: network, elapsed: elapsed, resultsFile: out, energy: reports.map(\.0))
        for mapping in priced.compactMap(\.1.1) { summary += "\n" + Pricing.describe(mapping).joined(separator: "\n") }
        if result.interrupted {
            summary += "\ninterrupted: \(result.counts.sampleCount) of the planned samples completed; their counts and traces are in \(out)"
        }
        print(summary)
        // A pipeline such as `neurocost run … && analyse.py` must not go on with partial data.
        if result.interrupted { throw ExitCode(130) }
    }
}

/// A failure the CLI reports in one line.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What `--trace` records.
enum TraceKind: String, ExpressibleByArgument {
    case spikes
    case raster
}

extension RunCommand {
    /// The nodes to trace and the potentials to record, checked against the network.
    func traceRequest(plan: SimulationPlan) throws -> TraceRequest {
        let network = plan.network
        var request = TraceRequest(spikeFormat: trace == .raster ? .raster : .events)
        if trace != nil {
            let spiking = network.nodes.indices.filter { network.nodes[$0].kind.emitsSpikes }
            if let names = traceNodes {
                for name in names.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) {
                    guard let index = network.index(of: name), spiking.contains(index) else {
                        throw CommandFailure("--trace-nodes: '\(name)' is not a spiking node (spiking nodes: \(spiking.map { network.nodes[$0].name }.joined(separator: ", ")))")
                    }
                    request.spikingNodes.insert(index)
                }
            } else {
                request.spikingNodes = Set(spiking)
            }
        } else if traceNodes != nil {
            throw CommandFailure("--trace-nodes needs --trace spikes or --trace raster")
        }
        for entry in recordV {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard let index = network.index(of: parts[0]), network.nodes[index].kind.isNeuronPopulation else {
                throw CommandFailure("--record-v: '\(parts[0])' is not a neuron population")
            }
            let count = network.outputShapes[index].reduce(1, *)
            var neurons = Array(0..<count)
            if parts.count == 2 {
                neurons = try parts[1].split(separator: ",").map { text in
                    guard let value = Int(text), value >= 0, value < count else {
                        throw CommandFailure("--record-v: '\(text)' is not a neuron index of '\(parts[0])' (0..<\(count))")
                    }
                    return value
                }
            }
            request.potentials[index] = neurons
        }
        return request
    }
}
