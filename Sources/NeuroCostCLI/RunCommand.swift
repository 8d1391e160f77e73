import ArgumentParser
import Foundation
import NeuroCost

extension InputEncoding: ExpressibleByArgument {}
extension ResetMode: ExpressibleByArgument {}
extension ThresholdComparison: ExpressibleByArgument {}
extension WeightStorageFormat: ExpressibleByArgument {}
extension MemoryModel: ExpressibleByArgument {}

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

    @OptionGroup(title: "Neuron semantics")
    var semantics: NeuronSemanticsOptions

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

    @Option(help: "Run only part I of K (0-based) of the samples --offset/--limit select: balanced, sizes differ by at most one; recorded in the file (shard_index, shard_count) for `merge`.")
    var shard: SampleShard?

    @Option(name: [.customLong("profile"), .customLong("profiles")],
            help: "Price the run under these hardware profiles (bundled names or YAML/JSON files); repeatable, or comma-separated. Default: \(RunCommand.defaultProfile).")
    var profiles: [String] = []

    /// The profile a run is priced under when none is named: the tool's point is the energy table.
    static let defaultProfile = "horowitz-45nm-fp32"

    @OptionGroup(title: "Pricing")
    var pricing: PricingOptions
    var memoryModel: MemoryModel { pricing.memoryModel }
    var weightFormat: WeightStorageFormat? { pricing.weightFormat }

    @Option(help: "Record every spike of the spiking nodes: 'spikes' as events in /traces/spikes (each spike's neuron, indexed by sample and step; about 2 bytes per spike), 'raster' as one bit per neuron and step in /traces/raster (smaller once about one neuron in sixteen fires per step).")
    var trace: TraceKind?

    @Option(name: .customLong("trace-nodes"), help: "Comma-separated spiking nodes to trace (default: all).")
    var traceNodes: String?

    @Option(name: .customLong("record-v"), help: "Record membrane potentials of NODE or NODE:i,j,… (flat indices); repeatable.")
    var recordV: [String] = []

    @Option(help: "Results file to write.")
    var out = "neurocost-run.h5"

    @Flag(name: .customLong("per-step-counts"), help: "Also store per-sample, per-step counts (N, T, L) in /counts/per_sample_step, so that `price --timesteps T` can price any shorter run.")
    var perStepCounts = false

    @Flag(help: "Replace the results file if it exists.")
    var force = false

    @Flag(help: "No progress display.")
    var quiet = false

    @Flag(help: "Print the per-sample counts, conventions and energy as JSON instead of tables.")
    var json = false

    @OptionGroup var safety: InputSafetyOptions

    @OptionGroup var dataChecks: DataCheckOptions

    func validate() throws {
        guard (1...SimulationOptions.maxTimesteps).contains(timesteps) else {
            throw ValidationError("--timesteps must be in 1...\(SimulationOptions.maxTimesteps)")
        }
        guard offset >= 0 else { throw ValidationError("--offset cannot be negative") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        for (path, what) in [(network, "network"), (data, "data file")] where !FileManager.default.fileExists(atPath: path) {
            let bundled = path == Self.defaultNetwork || path == Self.defaultData
            throw CommandFailure("\(path): no such \(what)" + (bundled ? " (the bundled default is found from the repository root; or pass NETWORK and --data)" : ""),
                                 status: .noInput)
        }
        let profileArguments = profiles.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        try OutputPath.check(out, force: force, inputs: [("network", network), ("data file", data)] + profileArguments.map { ("profile", $0) })
        // Resolved first: it reads the environment, so `ProcessInfo` is made here before a second thread exists.
        let threadLimit = Result { try ThreadLimit.resolve(self.threads) }
        // The profiles (YAML parsing, about 9 M instructions) load on the other core while the network is read;
        // their errors still come first, as when they loaded before it. (This overlap was once reverted: a worker
        // hung when two threads first used `ProcessInfo` at once; the cause, a stale thread id after the fork, is
        // gone since the command runs on a thread made after it, see `WorkerThread`.)
        let profileNames = profiles.isEmpty ? [Self.defaultProfile] : profiles
        let profileLoading = BackgroundTask { ProfileKeys.unique(try ProfileArguments.load(profileNames)) }
        let threads: Int?
        do {
            threads = try threadLimit.get()
        } catch {
            _ = try profileLoading.value()
            throw error
        }
        let digests = InputDigests(networkFile: network, dataFile: data)
        let reading = Result { try safety.readNetwork(network, threads: threads) }
        let hardware = try profileLoading.value()
        let document = try reading.get()
        let resolved = try semantics.resolve(document.network, timesteps: timesteps, encoding: encoding, seed: seed, readout: readout)
        let plan = try SimulationPlan(network: resolved.network, options: resolved.options)
        NeuronSemanticsOptions.warn(about: plan)
        let dataset = try safety.openData(data, preferSpikes: encoding == .spikes)
        guard offset < dataset.sampleCount else {
            throw CommandFailure("\(data): --offset \(offset) is past the \(dataset.sampleCount) samples")
        }
        let selected = offset..<(offset + min(dataset.sampleCount - offset, limit ?? dataset.sampleCount))
        let range = shard?.part(of: selected) ?? selected
        if let shard, range.isEmpty {
            throw CommandFailure("--shard \(shard.index)/\(shard.count): no samples (only \(selected.count) selected)")
        }
        try SimulationRunner.validate(dataset: dataset, plan: plan)
        try safety.requireFits(MemoryEstimate.simulation(network: document.network, timesteps: timesteps, samples: range.count,
                                                         sampleElements: dataset.sampleElementCount, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                                         recordsPerSampleSteps: false),
                               what: "\(data): running \(range.count) samples for \(timesteps) steps")
        // The simulation's workers are made on the other core (idle after planning) while the data is checked and
        // the results file created; an error in the trace options is still reported after the data's.
        let traceOptions = Result { try traceRequest(plan: plan) }
        let countSpikesPerNeuron = hardware.contains { $0.profile.kind == .neuromorphic }
        let workers = SimulationRunner.prepareWorkers(plan: plan, sampleCount: range.count, threads: threads,
                                                      countSpikesPerNeuron: countSpikesPerNeuron,
                                                      traces: (try? traceOptions.get()) ?? TraceRequest())
        try dataChecks.check(dataset, range: range, plan: plan, encoding: encoding)
        let traces = try traceOptions.get()
        // Profiles that cannot price this run are known now, said once, and recorded; the others go on.
        var unavailable: [String: String] = [:]
        for (key, profile) in hardware {
            if let reason = RunPricer.cannotPrice(plan, profile: profile, weightFormat: weightFormat, memoryModel: memoryModel) {
                unavailable[key] = reason
                CommandOutput.note("profile '\(key)' cannot price this run, so it is skipped (recorded in \(out)): \(reason)")
            }
        }
        let inputDigests = try digests.digests()
        let provenance = RunProvenance(networkFile: network, networkSHA256: inputDigests.network, dataFile: data,
                                       neurocostVersion: NeuroCostVersion.string)
        let file = try RunResultsFile(path: out, overwrite: force, plan: plan, provenance: provenance, sampleOffset: range.lowerBound,
                                      plannedSamples: range.count, traces: traces)
        defer { file.close() }
        try file.recordShard(index: shard?.index ?? 0, count: shard?.count ?? 1, dataSHA256: inputDigests.data)
        let progress = ProgressDisplay(total: range.count, enabled: !quiet && !json)
        let started = ContinuousClock.now
        InterruptFlag.install()
        let result = try SimulationRunner.run(plan: plan, dataset: dataset, range: range, threads: threads, recordSteps: perStepCounts,
                                              countSpikesPerNeuron: countSpikesPerNeuron,
                                              traces: traces, onTraces: file.append, shouldStop: InterruptFlag.isSet,
                                              partialResultOnError: true, prepared: workers, progress: progress.update)
        progress.finish()
        let elapsed = ContinuousClock.now - started
        if let failure = result.failure {
            try file.finish(result)
            try file.commit()
            throw CommandFailure("\(failure) (the \(result.counts.sampleCount) samples completed before it are in \(out))")
        }
        try finish(result: result, plan: plan, hardware: hardware, unavailable: unavailable, file: file, elapsed: elapsed)
    }

    private func finish(result: RunResult, plan: SimulationPlan, hardware: [(key: String, profile: HardwareProfile)],
                        unavailable: [String: String], file: RunResultsFile, elapsed: Duration) throws {
        let priced = RunPricer.price(result, plan: plan, keyed: hardware.filter { unavailable[$0.key] == nil }, weightFormat: weightFormat, memoryModel: memoryModel)
        let conventions = try Pricing.conventions(result, plan: plan)
        let (entries, notes) = Pricing.entries(priced, conventions: conventions, unavailable: unavailable, order: hardware)
        // The tables are formatted on the other core (idle once the samples are simulated) while this one writes
        // the results file; they are printed after it, as before.
        let (network, out) = (network, out)  // copies: the closure then does not capture the command
        let rendering = json ? nil : BackgroundTask {
            RunSummary.render(result: result, network: network, elapsed: elapsed, resultsFile: out, energy: entries,
                              conventions: conventions)
        }
        try file.finish(result, entries: entries, conventions: conventions)
        try file.commit()
        guard let rendering else {  // nil exactly when the report is JSON
            for note in notes { CommandOutput.note(note) }
            print(try ReportJSON.text(ReportJSON.run(result, conventions: conventions, energy: entries)))
            return
        }
        var summary = rendering.value()
        for note in notes { summary += "\nnote: \(note)" }
        if profiles.isEmpty { summary += "\npriced under the default profile \(Self.defaultProfile); --profile NAME (repeatable) chooses others" }
        for mapping in priced.compactMap(\.mapping) { summary += "\n" + Pricing.describe(mapping).joined(separator: "\n") }
        if result.interrupted {
            summary += "\ninterrupted: \(result.counts.sampleCount) of the planned samples completed; their counts and traces are in \(out)"
        }
        print(summary)
        // A pipeline such as `neurocost run … && analyse.py` must not go on with partial data.
        if result.interrupted { throw ExitCode(130) }
    }
}

/// A failure the CLI reports in one line, and the exit status it ends with (bad input unless said otherwise).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    let status: ExitStatus
    init(_ description: String, status: ExitStatus = .badInput) {
        self.description = description
        self.status = status
    }
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
