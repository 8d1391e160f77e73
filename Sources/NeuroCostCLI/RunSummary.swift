import NeuroCost

/// The per-layer table `run` prints.
enum RunSummary {
    static func render(result: RunResult, network: String, elapsed: Duration, resultsFile: String, energy: [EnergyEntry] = [],
                       conventions: [ConventionReport] = []) -> String {
        let counts = result.counts
        let samples = max(counts.sampleCount, 1)
        func perSample(_ metric: CountMetric, _ layer: Int) -> String {
            let total = counts.total(metric, layer: layer)
            return total == 0 ? "" : format(Double(total) / Double(samples))
        }
        var rows: [[String]] = result.layerNames.indices.map { layer in
            [result.layerNames[layer], result.layerKinds[layer],
             perSample(.spikes, layer), perSample(.synops, layer), perSample(.macs, layer),
             perSample(.neuronUpdates, layer), perSample(.activeNeuronUpdates, layer)]
        }
        rows.append(["total", "", format(Double(counts.total(.spikes)) / Double(samples)),
                     format(Double(counts.total(.synops)) / Double(samples)), format(Double(counts.total(.macs)) / Double(samples)),
                     format(Double(counts.total(.neuronUpdates)) / Double(samples)),
                     format(Double(counts.total(.activeNeuronUpdates)) / Double(samples))])
        let options = result.options
        let seconds = ProgressDisplay.seconds(elapsed)
        var lines = [
            "network: \(network)",
            "samples: \(counts.sampleCount) (from \(result.sampleRange.lowerBound))   timesteps: \(options.timesteps)   encoding: \(options.encoding.rawValue)   framework: \(options.framework.rawValue)   reset: \(options.reset.rawValue)   threshold: \(options.thresholdComparison == .gt ? "v > θ" : "v ≥ θ")\(options.spikeFunction == .multi ? "   multi-spike" : "")   dt: \(options.dt) s",
            "",
        ]
        lines += TextTable.render(header: ["layer", "type", "spikes [/sample]", "synops [/sample]", "MACs [/sample]",
                                           "neuron updates [/sample]", "active updates [/sample]"],
                                  rows: rows, rightAligned: Set(2...6))
        lines.append("")
        if !conventions.isEmpty {
            lines += ConventionTable.render(conventions)
            lines.append("")
        }
        if !energy.isEmpty {
            lines += EnergyTable.render(energy, samples: samples)
            lines.append("")
        }
        if let accuracy = result.accuracyByTimestep {
            // Numbered by steps simulated (1…T), as the Python package's `accuracy`; the file's index is steps − 1.
            let shown = accuracy.enumerated().map { "\($0.offset + 1): " + String(format: "%.2f%%", 100 * $0.element) }
            lines.append("accuracy after steps simulated: " + shown.joined(separator: "  "))
        }
        lines.append(String(format: "simulated in %.2f s (%.1f samples/s, %.3g synops/s)", seconds,
                            Double(counts.sampleCount) / max(seconds, 1e-9), Double(counts.total(.synops)) / max(seconds, 1e-9))
                     + " with \(KernelInstructionSet.current.rawValue) kernels; results: \(resultsFile)")
        return lines.joined(separator: "\n")
    }

    /// Three significant decimals for small numbers, grouped integers for large ones.
    static func format(_ value: Double) -> String {
        if value >= 1000 { return InspectTable.grouped(Int(value.rounded())) }
        return String(format: value == value.rounded() ? "%.0f" : "%.2f", value)
    }
}
