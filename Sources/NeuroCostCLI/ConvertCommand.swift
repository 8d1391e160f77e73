import ArgumentParser
import Foundation
import NeuroCost

extension CalibrationMethod: ExpressibleByArgument {}

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert an ANN (a NIR graph with IF nodes at its ReLU sites) to an SNN by calibrating IF thresholds.",
        discussion: """
            data-based (default): one pass of the ANN view (IF as ReLU); each threshold is a percentile of the \
            layer's positive input currents and is folded into the weights its spikes meet. --sequential: layer by \
            layer on the partially converted SNN over --calibration-steps steps, no weights changed (the reference \
            paper's method; it scaled thresholds by 0.3 before fine-tuning: --scale 0.3).
            """
    )

    @Argument(help: "The ANN as a NIR file (each ReLU an IF node).")
    var network: String

    @Option(help: "Calibration data (HDF5 'images' and 'labels').")
    var data: String

    @Option(help: "Where to write the SNN (NIR).")
    var out: String

    @Option(help: "Percentile of positive input currents (100 = max-norm).")
    var percentile = 99.9

    @Flag(help: "Calibrate layer by layer on the partially converted SNN.")
    var sequential = false

    @Option(help: "Steps per calibration sample with --sequential.")
    var calibrationSteps = 32

    @Option(help: "Multiply every threshold by this.")
    var scale = 1.0

    @Option(help: "Use at most this many calibration samples.")
    var limit: Int?

    @Option(help: "Time steps of the SNN accuracy report.")
    var timesteps = 32

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Replace the output file if it exists.")
    var force = false

    @OptionGroup(title: "Neuron semantics of the SNN accuracy check")
    var semantics: NeuronSemanticsOptions

    @OptionGroup var safety: InputSafetyOptions

    @OptionGroup var dataChecks: DataCheckOptions

    func validate() throws {
        guard (1...SimulationOptions.maxTimesteps).contains(timesteps), (1...SimulationOptions.maxTimesteps).contains(calibrationSteps) else {
            throw ValidationError("--timesteps and --calibration-steps must be in 1...\(SimulationOptions.maxTimesteps)")
        }
        guard percentile.isFinite, percentile > 0, percentile <= 100 else { throw ValidationError("--percentile must be in (0, 100]") }
        guard scale.isFinite, scale > 0 else { throw ValidationError("--scale must be a positive number") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        try OutputPath.check(out, force: force, inputs: [("network", network), ("data file", data)])
        let (ann, checkOptions) = try semantics.resolve(try safety.readNetwork(network, threads: threads).network,
                                                        timesteps: timesteps)
        let dataset = try safety.openData(data)
        let range = 0..<min(dataset.sampleCount, limit ?? dataset.sampleCount)
        try safety.requireFits(MemoryEstimate.simulation(network: ann, timesteps: max(timesteps, calibrationSteps), samples: range.count,
                                                         sampleElements: dataset.sampleElementCount,
                                                         threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                                         recordsPerSampleSteps: false),
                               what: "converting on \(range.count) samples")
        let annPlan = try SimulationPlan.annView(of: ann)
        try dataChecks.check(dataset, range: range, plan: annPlan, encoding: .direct)
        if let reason = AlreadyConverted.reason(ann) {
            Diagnostics.warn("\(network): \(reason); converting it again usually makes it much worse (convert the original ANN instead)")
        }
        let options = ConversionOptions(method: sequential ? .sequential : .dataBased, percentile: percentile, scale: scale,
                                        calibrationSteps: calibrationSteps, threads: threads)
        let inputRange = try dataset.statistics(range)
        let report = try ThresholdCalibrator.convert(ann, calibration: dataset, range: range, options: options)
        var metadata = report.network.metadata
        if let low = inputRange.minimum, let high = inputRange.maximum {
            metadata[DataCheckOptions.calibrationRangeKey] = .floats(try ParameterTensor(shape: [2], float64: [Double(low), Double(high)]))
        }
        metadata["neurocost_conversion"] = .string("method=\(options.method.rawValue) percentile=\(percentile) scale=\(scale) calibration_samples=\(range.count) calibration_data=\(data) reset=subtract")
        let snn = try Network(nodes: report.network.nodes, edges: report.network.namedEdges, metadata: metadata)
        try NIRWriter.write(snn, to: out, overwrite: force)

        let plan = try SimulationPlan(network: snn, options: checkOptions)
        NeuronSemanticsOptions.warn(about: plan)
        let check = try SimulationRunner.run(plan: plan, dataset: dataset, range: range, threads: threads)
        var lines = ["converted \(network) -> \(out) (\(options.method.rawValue), percentile \(percentile), scale \(scale), \(range.count) calibration samples)"]
        lines += TextTable.render(header: ["IF node", "threshold"],
                                  rows: report.thresholds.map { [$0.node, String(format: "%.6g", Double($0.threshold))] },
                                  rightAligned: [1])
        if !report.silentNodes.isEmpty {
            lines.append("no positive input on the calibration data (threshold left at 1): \(report.silentNodes.joined(separator: ", "))")
        }
        if let ann = report.annAccuracy { lines.append(String(format: "ANN accuracy on the calibration data: %.2f%%", 100 * ann)) }
        if let accuracy = check.accuracyByTimestep {
            let shown = accuracy.enumerated().filter { ($0.offset + 1) & $0.offset == 0 || $0.offset == accuracy.count - 1 }
                .map { "T=\($0.offset + 1): " + String(format: "%.2f%%", 100 * $0.element) }
            lines.append("SNN accuracy on the calibration data: " + shown.joined(separator: "  "))
        }
        print(lines.joined(separator: "\n"))
    }
}
