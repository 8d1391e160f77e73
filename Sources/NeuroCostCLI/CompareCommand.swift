import ArgumentParser
import Foundation
import NeuroCost

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "ANN vs SNN (and SNN vs a baseline SNN) on the same samples, priced under the same profiles.",
        discussion: """
            The ANN view is the same graph with each IF replaced by a ReLU, run once per sample; its effective MACs skip \
            zero activations and zero weights. Several --data files (for example clean and adversarial) are compared side \
            by side. Every run is also counted under the seed paper's Eq. 12, syops-counter's and NeuroBench's conventions \
            (docs/energy-ledger.md). With no arguments: the bundled 90%-sparse digits SNN against its ANN and its dense counterpart.
            """
    )

    @Argument(help: "The SNN (NIR). Default: the bundled \(RunCommand.defaultNetwork), with its dense counterpart as baseline.")
    var givenNetwork: String?

    @Option(name: .customLong("data"), help: "Data file(s); repeatable. Default: \(RunCommand.defaultData).")
    var dataFiles: [String] = []

    @Option(name: [.customLong("profile"), .customLong("profiles")],
            help: "Profile names or files; repeatable, or comma-separated. Default: \(CompareCommand.defaultProfiles).")
    var profiles: [String] = []

    static let defaultProfiles = "horowitz-45nm-fp32,horowitz-45nm-int8,keras-spiking-gpu"

    @Option(help: "A second SNN to compare against (for example the dense network of a sparse one).")
    var baseline: String?

    @Option(help: "Time steps of the SNN runs.")
    var timesteps = 8

    @Option(help: "Input encoding of the SNN runs: direct, poisson or spikes (the ANN view always reads the analog input).")
    var encoding = InputEncoding.direct

    @Option(help: "Seed of the Poisson encoder.")
    var seed: UInt64 = 0

    @Option(help: "Run at most this many samples of each data file.")
    var limit: Int?

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "Run only part I of K (0-based) of the samples --limit selects from each data file, as `run --shard`: balanced, recorded in the file (shard_index, shard_count, sample_offset) for `merge`.")
    var shard: SampleShard?

    @OptionGroup(title: "Pricing")
    var pricing: PricingOptions
    var memoryModel: MemoryModel { pricing.memoryModel }
    var weightFormat: WeightStorageFormat? { pricing.weightFormat }

    @Option(help: "Write the first data file's SNN results at the root with /ann and /baseline groups, and every data file's runs under /by_data/<i>.")
    var out: String?

    @Flag(help: "Replace --out if it exists.")
    var force = false

    @OptionGroup(title: "Neuron semantics")
    var semantics: NeuronSemanticsOptions

    @OptionGroup var safety: InputSafetyOptions

    @Flag(help: "Print every run's per-sample counts, conventions and energy as JSON instead of tables.")
    var json = false

    func validate() throws {
        guard (1...SimulationOptions.maxTimesteps).contains(timesteps) else {
            throw ValidationError("--timesteps must be in 1...\(SimulationOptions.maxTimesteps)")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// One side of the comparison on one data file.
    private struct Side {
        let name: String
        let plan: SimulationPlan
        let run: RunResult
        let conventions: [ConventionReport]
        let entries: [EnergyEntry]
    }

    func run() throws {
        let network = givenNetwork ?? RunCommand.defaultNetwork
        let usesDefaults = givenNetwork == nil
        let baselinePath = baseline ?? (usesDefaults ? "Datasets/networks/digits-snn-dense.nir" : nil)
        let data = dataFiles.isEmpty ? [RunCommand.defaultData] : dataFiles
        if let out, !force, FileManager.default.fileExists(atPath: out) {
            throw CommandFailure("\(out) exists; choose another --out or pass --force to replace it")
        }
        for path in [network] + data + (baselinePath.map { [$0] } ?? []) where !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure("\(path): no such file (the bundled defaults are found from the repository root)")
        }
        let hardware = ProfileKeys.unique(try ProfileArguments.load(profiles.isEmpty ? [Self.defaultProfiles] : profiles))
        let (snn, options) = try semantics.resolve(try safety.readNetwork(network, threads: threads).network,
                                                   timesteps: timesteps,
                                                   encoding: encoding, seed: seed)
        let baselineNetwork = try baselinePath.map {
            try semantics.resolve(try safety.readNetwork($0, threads: threads).network, timesteps: timesteps, encoding: encoding, seed: seed).network
        }
        let denseMACs = try StaticCostAnalyzer.analyze(snn).totals.denseMACs
        let snnPlan = try SimulationPlan(network: snn, options: options)
        let annPlan = try SimulationPlan.annView(of: snn)
        let baselinePlan = try baselineNetwork.map { try SimulationPlan(network: $0, options: options) }
        NeuronSemanticsOptions.warn(about: snnPlan)

        // Profiles that cannot price a side are known before simulating, said once, and recorded.
        var unavailable: [String: [String: String]] = [:]  // side → key → reason
        for (side, plan) in [("SNN", snnPlan), ("ANN", annPlan)] + (baselinePlan.map { [("baseline", $0)] } ?? []) {
            for (key, profile) in hardware {
                if let reason = RunPricer.cannotPrice(plan, profile: profile, weightFormat: weightFormat, memoryModel: memoryModel) {
                    unavailable[side, default: [:]][key] = reason
                    CommandOutput.note("profile '\(key)' cannot price the \(side) run, so it is skipped there: \(reason)")
                }
            }
        }

        var lines = ["SNN: \(network)" + (baselinePath.map { "   baseline: \($0)" } ?? "") + "   T = \(timesteps)   encoding: \(encoding.rawValue)",
                     "dense ANN MACs per sample: \(InspectTable.grouped(denseMACs))", ""]
        var notes: [String] = []
        var jsonRuns: [[String: Any]] = []
        let neuromorphic = hardware.contains { $0.profile.kind == .neuromorphic }
        var written = false
        for (dataIndex, path) in data.enumerated() {
            let dataset = try safety.openData(path, preferSpikes: encoding == .spikes)
            let annDataset = encoding == .spikes ? try safety.openData(path) : dataset
            let selected = 0..<min(dataset.sampleCount, limit ?? dataset.sampleCount)
            let range = shard?.part(of: selected) ?? selected
            if let shard, range.isEmpty {
                throw CommandFailure("--shard \(shard.index)/\(shard.count): no samples of \(path) (only \(selected.count) selected)")
            }
            try safety.requireFits(MemoryEstimate.simulation(network: snn, timesteps: timesteps, samples: range.count,
                                                             sampleElements: dataset.sampleElementCount,
                                                             threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                                             recordsPerSampleSteps: false),
                                   what: "running \(range.count) samples of \(path) for \(timesteps) steps")
            func side(_ name: String, _ plan: SimulationPlan, _ set: SampleDataset) throws -> Side {
                let run = try SimulationRunner.run(plan: plan, dataset: set, range: range, threads: threads,
                                                   countSpikesPerNeuron: neuromorphic && !plan.isANNView)
                let conventions = try Pricing.conventions(run, plan: plan)
                let priced = RunPricer.price(run, plan: plan, keyed: hardware.filter { unavailable[name]?[$0.key] == nil },
                                             weightFormat: weightFormat, memoryModel: memoryModel)
                let (entries, sideNotes) = Pricing.entries(priced, conventions: conventions, unavailable: unavailable[name] ?? [:],
                                                           order: hardware)
                notes += sideNotes.map { "\(name): \($0)" }
                return Side(name: name, plan: plan, run: run, conventions: conventions, entries: entries)
            }
            let snnSide = try side("SNN", snnPlan, dataset)
            let annSide = try side("ANN", annPlan, annDataset)
            let baselineSide = try baselinePlan.map { try side("baseline", $0, dataset) }
            lines += report(path: path, samples: range.count, snn: snnSide, ann: annSide, baseline: baselineSide, hardware: hardware)
            var runs: [String: Any] = ["data_file": path]
            for side in [snnSide, annSide] + (baselineSide.map { [$0] } ?? []) {
                runs[side.name] = ReportJSON.run(side.run, conventions: side.conventions, energy: side.entries)
            }
            jsonRuns.append(runs)
            if let out {
                try write(out: out, dataIndex: dataIndex, path: path, network: network, baselinePath: baselinePath, denseMACs: denseMACs,
                          snn: snnSide, ann: annSide, baseline: baselineSide, first: !written)
                written = true
            }
        }
        if json {
            for note in notes { CommandOutput.note(note) }
            print(try ReportJSON.text(["network_file": network, "baseline_file": baselinePath ?? NSNull(), "timesteps": timesteps,
                                       "encoding": encoding.rawValue, "data": jsonRuns]))
            return
        }
        for note in notes { lines.append("note: \(note)") }
        if let out { lines.append("results: \(out)") }
        print(lines.joined(separator: "\n"))
    }

    private func report(path: String, samples count: Int, snn: Side, ann: Side, baseline: Side?,
                        hardware: [(key: String, profile: HardwareProfile)]) -> [String] {
        let samples = Double(max(count, 1))
        var lines = ["data: \(path) (\(count) samples)"]
        var accuracy = ["ANN \(percent(ann.run.accuracyByTimestep?.first))", "SNN \(percent(snn.run.accuracyByTimestep?.last))"]
        if let baseline { accuracy.append("baseline \(percent(baseline.run.accuracyByTimestep?.last))") }
        lines.append("accuracy: " + accuracy.joined(separator: "   "))
        var countLine = "per sample: ANN effective MACs \(RunSummary.format(Double(ann.run.counts.total(.macs)) / samples))"
            + "   SNN synops \(RunSummary.format(Double(snn.run.counts.total(.synops)) / samples))"
            + "   SNN MACs \(RunSummary.format(Double(snn.run.counts.total(.macs)) / samples))"
            + "   SNN spikes \(RunSummary.format(Double(snn.run.counts.total(.spikes)) / samples))"
        if let baseline { countLine += "   baseline synops \(RunSummary.format(Double(baseline.run.counts.total(.synops)) / samples))" }
        lines.append(countLine)
        for side in [snn, ann] + (baseline.map { [$0] } ?? []) {
            lines.append("")
            lines.append("\(side.name == "ANN" ? "ANN view" : side.name):")
            lines += ConventionTable.render(side.conventions)
        }
        var ratioRows = [["ANN/SNN"] + ConventionTable.ratios(ann.conventions, over: snn.conventions).map(\.1)]
        if let baseline { ratioRows.append(["baseline/SNN"] + ConventionTable.ratios(baseline.conventions, over: snn.conventions).map(\.1)) }
        lines.append("")
        lines.append("operation ratios by convention (seed_eq12: accumulates; syops_counter: synops + MACs; neurobench: Eff_ACs + Eff_MACs):")
        lines += TextTable.render(header: ["ratio"] + CountingConvention.allCases.map(\.rawValue), rows: ratioRows,
                                  rightAligned: Set(1...CountingConvention.allCases.count))
        lines.append("")

        var rows: [[String]] = []
        for (key, _) in hardware {
            let entry = { (side: Side) in side.entries.first { $0.key == key } }
            var row = [key, energy(entry(ann), samples), energy(entry(snn), samples), ratio(entry(ann), over: entry(snn)),
                       formRatio(entry(ann), over: entry(snn)), kerasEstimate(entry(ann), samples)]
            if let baseline {
                row += [energy(entry(baseline), samples), ratio(entry(baseline), over: entry(snn)), formRatio(entry(baseline), over: entry(snn))]
            }
            rows.append(row)
        }
        var header = ["profile", "ANN [/sample]", "SNN [/sample]", "ANN/SNN", "ANN/SNN (syops-counter)", "ANN KerasSpiking est."]
        if baseline != nil { header += ["baseline [/sample]", "baseline/SNN", "baseline/SNN (syops-counter)"] }
        lines += TextTable.render(header: header, rows: rows, rightAligned: Set(1..<header.count))
        lines.append("")
        return lines
    }

    /// The first data file's SNN at the root with /ann and /baseline (the results layout), and every data file's
    /// runs under /by_data/<index>.
    private func write(out: String, dataIndex: Int, path: String, network: String, baselinePath: String?, denseMACs: Int,
                       snn: Side, ann: Side, baseline: Side?, first: Bool) throws {
        if first {
            let provenance = try RunProvenance(networkFile: network, dataFile: path, neurocostVersion: NeuroCostVersion.string)
            let file = try RunResultsFile(path: out, overwrite: force, plan: snn.plan, provenance: provenance,
                                          sampleOffset: snn.run.sampleRange.lowerBound, plannedSamples: snn.run.counts.sampleCount)
            try file.recordShard(index: shard?.index ?? 0, count: shard?.count ?? 1, dataSHA256: try RunProvenance.sha256(ofFile: path))
            try file.finish(snn.run, entries: snn.entries, conventions: snn.conventions)
            let annGroup = try file.root.createGroup("ann")
            try ComparedRunWriter.write(ann.run, into: annGroup, entries: ann.entries, conventions: ann.conventions)
            try annGroup.setAttribute("dense_macs_per_sample", Int64(denseMACs))
            if let baseline, let baselinePath {
                try ComparedRunWriter.write(baseline.run, into: try file.root.createGroup("baseline"), entries: baseline.entries,
                                            conventions: baseline.conventions, attributes: ["network_file": baselinePath])
            }
            // Written under a temporary name; in place from here on, so the per-data groups go into the committed file.
            try file.commit()
        }
        let file = try HDF5File(path: out, mode: .readWrite)
        defer { file.close() }
        let byData = file.exists("by_data") ? try file.openGroup("by_data") : try file.createGroup("by_data")
        let group = try byData.createGroup(String(dataIndex))
        try group.setAttribute("data_file", string: path)
        try group.setAttribute("data_sha256", string: try RunProvenance.sha256(ofFile: path))
        try group.setAttribute("sample_offset", Int64(snn.run.sampleRange.lowerBound))
        try group.setAttribute("samples", Int64(snn.run.counts.sampleCount))
        try ComparedRunWriter.write(snn.run, into: try group.createGroup("snn"), entries: snn.entries, conventions: snn.conventions,
                                    attributes: ["network_file": network])
        try ComparedRunWriter.write(ann.run, into: try group.createGroup("ann"), entries: ann.entries, conventions: ann.conventions)
        if let baseline, let baselinePath {
            try ComparedRunWriter.write(baseline.run, into: try group.createGroup("baseline"), entries: baseline.entries,
                                        conventions: baseline.conventions, attributes: ["network_file": baselinePath])
        }
    }

    private func percent(_ value: Double?) -> String {
        value.map { String(format: "%.2f%%", 100 * $0) } ?? "n/a"
    }

    private func energy(_ entry: EnergyEntry?, _ samples: Double) -> String {
        guard let report = entry?.report else { return "n/a" }
        return EnergyTable.formatEnergy(report.totalPicojoules / samples)
    }

    private func ratio(_ numerator: EnergyEntry?, over denominator: EnergyEntry?) -> String {
        guard let top = numerator?.report, let bottom = denominator?.report, bottom.totalPicojoules > 0 else { return "n/a" }
        return String(format: "%.2f×", top.totalPicojoules / bottom.totalPicojoules)
    }

    /// KerasSpiking's own estimate under the profile (its non-spiking devices: every connection once per inference).
    private func kerasEstimate(_ entry: EnergyEntry?, _ samples: Double) -> String {
        guard let form = entry?.conventions.first(where: { $0.convention == .kerasSpiking }) else { return "n/a" }
        return EnergyTable.formatEnergy(form.totalPicojoules / samples)
    }

    /// The ratio of two syops-counter energies under one profile.
    private func formRatio(_ numerator: EnergyEntry?, over denominator: EnergyEntry?) -> String {
        func total(_ entry: EnergyEntry?) -> Double? {
            entry?.conventions.first { $0.convention == .syopsCounter }?.totalPicojoules
        }
        guard let a = total(numerator), let b = total(denominator), b > 0 else { return "n/a" }
        return String(format: "%.2f×", a / b)
    }
}
