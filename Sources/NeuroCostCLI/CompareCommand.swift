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
            by side. With no arguments: the bundled 90%-sparse digits SNN against its ANN and its dense counterpart.
            """
    )

    @Argument(help: "The SNN (NIR). Default: the bundled \(RunCommand.defaultNetwork), with its dense counterpart as baseline.")
    var givenNetwork: String?

    @Option(name: .customLong("data"), help: "Data file(s); repeatable. Default: \(RunCommand.defaultData).")
    var dataFiles: [String] = []

    @Option(help: "Comma-separated profile names or files.")
    var profiles = "horowitz-45nm-fp32,horowitz-45nm-int8,keras-spiking-gpu"

    @Option(help: "A second SNN to compare against (for example the dense network of a sparse one).")
    var baseline: String?

    @Option(help: "Time steps of the SNN runs.")
    var timesteps = 8

    @Option(help: "Run at most this many samples of each data file.")
    var limit: Int?

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(name: .customLong("weight-format"), help: "Store every layer's weights as dense, csr, bitmask or coo (default: each layer's smallest).")
    var weightFormat: WeightStorageFormat?

    @Option(help: "Write the SNN's results with /energy, /ann/energy and /baseline/energy groups (one --data only).")
    var out: String?

    @Flag(help: "Replace --out if it exists.")
    var force = false

    @OptionGroup var safety: InputSafetyOptions

    func run() throws {
        let network = givenNetwork ?? RunCommand.defaultNetwork
        let usesDefaults = givenNetwork == nil
        let baselinePath = baseline ?? (usesDefaults ? "Datasets/networks/digits-snn-dense.nir" : nil)
        let data = dataFiles.isEmpty ? [RunCommand.defaultData] : dataFiles
        if let out {
            guard data.count == 1 else { throw CommandFailure("--out writes one results file: give one --data") }
            if !force, FileManager.default.fileExists(atPath: out) {
                throw CommandFailure("\(out) exists; choose another --out or pass --force to replace it")
            }
        }
        for path in [network] + data + (baselinePath.map { [$0] } ?? []) where !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure("\(path): no such file (the bundled defaults are found from the repository root)")
        }
        let hardware = try profiles.split(separator: ",").map { try ProfileLibrary.load(String($0).trimmingCharacters(in: .whitespaces)) }
        let snn = try safety.readNetwork(network).network
        let baselineNetwork = try baselinePath.map { try safety.readNetwork($0).network }
        let options = SimulationOptions(timesteps: timesteps)
        let denseMACs = try StaticCostAnalyzer.analyze(snn).totals.denseMACs

        var lines = ["SNN: \(network)" + (baselinePath.map { "   baseline: \($0)" } ?? "") + "   T = \(timesteps)",
                     "dense ANN MACs per sample: \(InspectTable.grouped(denseMACs))", ""]
        for path in data {
            let dataset = try safety.openData(path)
            let range = 0..<min(dataset.sampleCount, limit ?? dataset.sampleCount)
            try safety.requireFits(MemoryEstimate.simulation(network: snn, timesteps: timesteps, samples: range.count,
                                                             sampleElements: dataset.sampleElementCount,
                                                             threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                                             recordsPerSampleSteps: false),
                                   what: "running \(range.count) samples of \(path) for \(timesteps) steps")
            let neuromorphic = hardware.contains { $0.kind == .neuromorphic }
            let snnPlan = try SimulationPlan(network: snn, options: options)
            let snnRun = try SimulationRunner.run(plan: snnPlan, dataset: dataset, range: range, threads: threads,
                                                  countSpikesPerNeuron: neuromorphic)
            let annPlan = try SimulationPlan.annView(of: snn)
            let annRun = try SimulationRunner.run(plan: annPlan, dataset: dataset, range: range, threads: threads)
            let baselinePlan = try baselineNetwork.map { try SimulationPlan(network: $0, options: options) }
            let baselineRun = try baselinePlan.map {
                try SimulationRunner.run(plan: $0, dataset: dataset, range: range, threads: threads, countSpikesPerNeuron: neuromorphic)
            }
            let samples = Double(max(range.count, 1))
            lines.append("data: \(path) (\(range.count) samples)")
            var accuracy = ["ANN \(percent(annRun.accuracyByTimestep?.first))", "SNN \(percent(snnRun.accuracyByTimestep?.last))"]
            if let baselineRun { accuracy.append("baseline \(percent(baselineRun.accuracyByTimestep?.last))") }
            lines.append("accuracy: " + accuracy.joined(separator: "   "))
            var countLine = "per sample: ANN effective MACs \(RunSummary.format(Double(annRun.counts.total(.macs)) / samples))"
                + "   SNN synops \(RunSummary.format(Double(snnRun.counts.total(.synops)) / samples))"
                + "   SNN MACs \(RunSummary.format(Double(snnRun.counts.total(.macs)) / samples))"
                + "   SNN spikes \(RunSummary.format(Double(snnRun.counts.total(.spikes)) / samples))"
            if let baselineRun { countLine += "   baseline synops \(RunSummary.format(Double(baselineRun.counts.total(.synops)) / samples))" }
            lines.append(countLine)

            var rows: [[String]] = []
            var energyForFile: (snn: [(EnergyReport, HardwareProfile)], ann: [(EnergyReport, HardwareProfile)], baseline: [(EnergyReport, HardwareProfile)]) = ([], [], [])
            for profile in hardware {
                let snnEnergy = priced(snnRun, snnPlan, profile)
                let annEnergy = priced(annRun, annPlan, profile)
                let baselineEnergy = baselineRun.map { priced($0, baselinePlan!, profile) }
                if let report = try? snnEnergy.get() { energyForFile.snn.append((report, profile)) }
                if let report = try? annEnergy.get() { energyForFile.ann.append((report, profile)) }
                if let report = try? baselineEnergy?.get() { energyForFile.baseline.append((report, profile)) }
                var row = [profile.name, energy(annEnergy, samples), energy(snnEnergy, samples), ratio(annEnergy, over: snnEnergy),
                           paperRatio(annEnergy, over: snnEnergy)]
                if let baselineEnergy {
                    row += [energy(baselineEnergy, samples), ratio(baselineEnergy, over: snnEnergy), paperRatio(baselineEnergy, over: snnEnergy)]
                }
                rows.append(row)
                for failure in [snnEnergy, annEnergy] + (baselineEnergy.map { [$0] } ?? []) {
                    if case .failure(let error) = failure { lines.append("  \(profile.name): \(error)") }
                }
            }
            var header = ["profile", "ANN [/sample]", "SNN [/sample]", "ANN/SNN", "ANN/SNN (paper conv.)"]
            if baselineNetwork != nil { header += ["baseline [/sample]", "baseline/SNN", "baseline/SNN (paper conv.)"] }
            lines += TextTable.render(header: header, rows: rows, rightAligned: Set(1..<header.count))
            lines.append("")
            if let out {
                let provenance = try RunProvenance(networkFile: network, dataFile: path, neurocostVersion: NeuroCostVersion.string)
                try RunResultsWriter.write(snnRun, plan: snnPlan, provenance: provenance, to: out, overwrite: force, energy: energyForFile.snn)
                let file = try HDF5File(path: out, mode: .readWrite)
                let annGroup = try file.createGroup("ann")
                try describe(annRun, in: annGroup, samples: samples)
                try annGroup.setAttribute("dense_macs_per_sample", Int64(denseMACs))
                try EnergyGroupWriter.write(energyForFile.ann, into: annGroup)
                if let baselineRun {
                    let group = try file.createGroup("baseline")
                    try group.setAttribute("network_file", string: baselinePath!)
                    try describe(baselineRun, in: group, samples: samples)
                    try EnergyGroupWriter.write(energyForFile.baseline, into: group)
                }
                file.close()
                lines.append("results: \(out)")
            }
        }
        print(lines.joined(separator: "\n"))
    }

    /// Accuracy and per-sample counts of a compared run, as attributes of its group.
    private func describe(_ run: RunResult, in group: HDF5Group, samples: Double) throws {
        if let accuracy = run.accuracyByTimestep?.last { try group.setAttribute("accuracy", accuracy) }
        for metric in [CountMetric.spikes, .synops, .macs] {
            try group.setAttribute("\(metric.rawValue)_per_sample", Double(run.counts.total(metric)) / samples)
        }
    }

    /// The priced run, or why the profile cannot price it (kept, so one profile's gap does not stop the others).
    private func priced(_ run: RunResult, _ plan: SimulationPlan, _ profile: HardwareProfile) -> Result<EnergyReport, PricingFailure> {
        do {
            return .success(try Pricing.price(run, plan: plan, profile: profile, weightFormat: weightFormat).0)
        } catch {
            return .failure(PricingFailure(description: "\(error)"))
        }
    }

    private func percent(_ value: Double?) -> String {
        value.map { String(format: "%.2f%%", 100 * $0) } ?? "n/a"
    }

    private func energy(_ report: Result<EnergyReport, PricingFailure>, _ samples: Double) -> String {
        guard case .success(let value) = report else { return "n/a" }
        return EnergyTable.formatEnergy(value.totalPicojoules / samples)
    }

    private func ratio(_ numerator: Result<EnergyReport, PricingFailure>, over denominator: Result<EnergyReport, PricingFailure>) -> String {
        guard case .success(let top) = numerator, case .success(let bottom) = denominator, bottom.totalPicojoules > 0 else { return "n/a" }
        return String(format: "%.2f×", top.totalPicojoules / bottom.totalPicojoules)
    }

    private func paperRatio(_ numerator: Result<EnergyReport, PricingFailure>, over denominator: Result<EnergyReport, PricingFailure>) -> String {
        guard case .success(let top) = numerator, case .success(let bottom) = denominator,
              let a = top.paperConventionPicojoules, let b = bottom.paperConventionPicojoules, b > 0 else { return "n/a" }
        return String(format: "%.2f×", a / b)
    }
}

/// Why a profile could not price one side of a comparison (shown beside the table).
struct PricingFailure: Error, CustomStringConvertible {
    let description: String
}
