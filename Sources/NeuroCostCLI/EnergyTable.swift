import Foundation
import NeuroCost

/// Energy per sample by group and per layer, one block per profile.
enum EnergyTable {
    static func render(_ entries: [EnergyEntry], samples: Int) -> [String] {
        var lines: [String] = []
        let perSample = { (picojoules: Double) in formatEnergy(picojoules / Double(max(samples, 1))) }
        let summary = entries.map { entry -> [String] in
            guard let report = entry.report else { return [entry.key] + Array(repeating: "n/a", count: 8) }
            let forms = [CountingConvention.syopsCounter, .seedEq12, .kerasSpiking].map { convention in
                entry.conventions.first { $0.convention == convention }.map { perSample($0.totalPicojoules) } ?? "n/a"
            }
            return [entry.key, perSample(report.total(.compute)), perSample(report.total(.memory)), perSample(report.total(.routing)),
                    perSample(report.total(.staticPower)), perSample(report.totalPicojoules)] + forms
        }
        lines.append("energy per sample:")
        lines += TextTable.render(header: ["profile", "compute", "memory", "routing", "static", "total", "syops-counter", "seed Eq.12",
                                           "KerasSpiking"],
                                  rows: summary, rightAligned: Set(1...8))
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

    /// Picojoules shown in the largest unit that keeps the number ≥ 1 (pJ, nJ, µJ, mJ, J).
    static func formatEnergy(_ picojoules: Double) -> String {
        if picojoules == 0 { return "0" }
        let units: [(Double, String)] = [(1e12, "J"), (1e9, "mJ"), (1e6, "µJ"), (1e3, "nJ"), (1, "pJ")]
        let (scale, unit) = units.first { abs(picojoules) >= $0.0 } ?? (1, "pJ")
        return String(format: "%.3g ", picojoules / scale) + unit
    }
}
