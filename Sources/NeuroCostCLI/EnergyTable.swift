import Foundation
import NeuroCost

/// Energy per sample by group and per layer, one block per profile.
enum EnergyTable {
    static func render(_ entries: [EnergyEntry], samples: Int) -> [String] {
        var lines: [String] = []
        let perSample = { (picojoules: Double) in formatEnergy(picojoules / Double(max(samples, 1))) }
        let summary = entries.map { entry -> [String] in
            guard let report = entry.report else { return [entry.key] + Array(repeating: "n/a", count: 9) }
            let forms = [CountingConvention.syopsCounter, .seedEq12, .kerasSpiking].map { convention in
                entry.conventions.first { $0.convention == convention }.map { perSample($0.totalPicojoules) } ?? "n/a"
            }
            return [entry.key, perSample(report.total(.compute)), perSample(report.total(.memory)), perSample(report.total(.routing)),
                    perSample(report.total(.system)), perSample(report.total(.staticPower)), perSample(report.totalPicojoules)] + forms
        }
        lines.append("energy per sample:")
        lines += TextTable.render(header: ["profile", "compute", "memory", "routing", "system", "static", "total", "syops-counter",
                                           "seed Eq.12", "KerasSpiking"],
                                  rows: summary, rightAligned: Set(1...9))
        // The time model, per inference: latency, throughput, dynamic and static energy, power, EDP.
        let timed = entries.compactMap { entry -> [String]? in
            guard let report = entry.report else { return nil }
            // Disputed constants: the total with each at its low and its high source.
            let range = report.range.map { formatEnergy($0.lowPicojoulesPerInference) + " – " + formatEnergy($0.highPicojoulesPerInference) } ?? ""
            guard let latency = report.latencyPerInferenceSeconds else {
                return [entry.key, "n/a", "n/a", formatEnergy(report.dynamicEnergyPerInferencePicojoules),
                        formatEnergy(report.staticEnergyPerInferencePicojoules), range, "n/a", "n/a",
                        report.powerBasedPicojoulesPerInference.map(formatEnergy) ?? ""]
            }
            return [entry.key, formatSeconds(latency), String(format: "%.4g", report.throughputInferencesPerSecond!),
                    formatEnergy(report.dynamicEnergyPerInferencePicojoules), formatEnergy(report.staticEnergyPerInferencePicojoules), range,
                    String(format: "%.3g W", report.averagePowerWatts!), String(format: "%.3g J·s", report.energyDelayProductJouleSeconds!),
                    report.powerBasedPicojoulesPerInference.map(formatEnergy) ?? ""]
        }
        if !timed.isEmpty {
            lines.append("")
            lines.append("time and power per inference:")
            lines += TextTable.render(header: ["profile", "latency", "inferences/s", "dynamic", "static", "total range (disputed)",
                                               "avg power", "EDP", "power-based"],
                                      rows: timed, rightAligned: Set(1...8))
        }
        for entry in entries {
            guard let report = entry.report else { continue }  // why was said once, when it was found
            lines.append("")
            lines.append("\(entry.key), per layer and sample:")
            let rows = report.layers.map { layer in
                [layer.name, layer.kind] + EnergyGroup.allCases.map { perSample(layer.picojoules(in: $0)) } + [perSample(layer.totalPicojoules)]
            }
            lines += TextTable.render(header: ["layer", "type"] + EnergyGroup.allCases.map(\.rawValue) + ["total"],
                                      rows: rows, rightAligned: Set(2...(2 + EnergyGroup.allCases.count)))
            for note in report.notes { lines.append("note: \(note)") }
        }
        return lines
    }

    /// Seconds shown in the largest unit that keeps the number ≥ 1 (s, ms, µs, ns).
    static func formatSeconds(_ seconds: Double) -> String {
        let units: [(Double, String)] = [(1, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")]
        let (scale, unit) = units.first { seconds >= $0.0 } ?? (1e-9, "ns")
        return String(format: "%.3g ", seconds / scale) + unit
    }

    /// Picojoules shown in the largest unit that keeps the number ≥ 1 (pJ, nJ, µJ, mJ, J).
    static func formatEnergy(_ picojoules: Double) -> String {
        if picojoules == 0 { return "0" }
        let units: [(Double, String)] = [(1e12, "J"), (1e9, "mJ"), (1e6, "µJ"), (1e3, "nJ"), (1, "pJ")]
        let (scale, unit) = units.first { abs(picojoules) >= $0.0 } ?? (1, "pJ")
        return String(format: "%.3g ", picojoules / scale) + unit
    }
}
