import NeuroCost

/// The counting conventions side by side: per layer and sample, and per sample in total.
enum ConventionTable {
    /// The columns shown, in order: (convention, quantity, header).
    static let columns: [(CountingConvention, String, String)] = [
        (.seedEq12, "accumulates", "seed Eq.12 ACs"),
        (.syopsCounter, "synops", "syops-counter synops"),
        (.syopsCounter, "macs", "syops-counter MACs"),
        (.neurobench, "effective_acs", "NeuroBench Eff_ACs"),
        (.neurobench, "effective_macs", "NeuroBench Eff_MACs"),
        (.neurobench, "dense", "NeuroBench Dense"),
        (.kerasSpiking, "connections", "KerasSpiking conn."),
    ]

    /// One row per layer and a total row, values per sample.
    static func render(_ reports: [ConventionReport]) -> [String] {
        guard let first = reports.first else { return [] }
        let samples = Double(max(first.sampleCount, 1))
        let byConvention = Dictionary(uniqueKeysWithValues: reports.map { ($0.convention, $0) })
        func cell(_ convention: CountingConvention, _ quantity: String, layer: Int?) -> String {
            guard let report = byConvention[convention], let values = report.quantity(quantity) else { return "n/a" }
            let value = layer.map { values.total(layer: $0) } ?? values.total
            return RunSummary.format(value / samples)
        }
        var rows = first.layerNames.indices.map { layer in
            [first.layerNames[layer]] + columns.map { cell($0.0, $0.1, layer: layer) }
        }
        rows.append(["total"] + columns.map { cell($0.0, $0.1, layer: nil) })
        var lines = ["operations per sample under each counting convention (docs/energy-ledger.md):"]
        lines += TextTable.render(header: ["layer"] + columns.map(\.2), rows: rows, rightAligned: Set(1...columns.count))
        for report in reports {
            if let reason = report.unavailable { lines.append("\(report.convention.rawValue) not available: \(reason)") }
        }
        return lines
    }

    /// `numerator / denominator` of each convention's operation count, for comparisons (n/a when either is missing).
    static func ratios(_ numerator: [ConventionReport], over denominator: [ConventionReport]) -> [(CountingConvention, String)] {
        CountingConvention.allCases.map { convention in
            let top = numerator.first { $0.convention == convention }?.operations
            let bottom = denominator.first { $0.convention == convention }?.operations
            // Zero on either side means the convention does not apply (Eq. 12 of an ANN), not an infinite ratio.
            guard let top, let bottom, top > 0, bottom > 0 else { return (convention, "n/a") }
            return (convention, String(format: "%.2f×", top / bottom))
        }
    }
}
