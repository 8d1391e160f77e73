import NeuroCost

/// The human-readable `inspect` table.
enum InspectTable {
    static func render(report: StaticCostReport, file: String, nirVersion: String?) -> String {
        let header = ["node", "type", "output shape", "neurons", "weights", "non-zero", "sparsity [%]", "biases",
                      "dense MACs [ops]", "fan-out if all fire [synops]", "best storage fp32 [bytes]"]
        var rows: [[String]] = report.nodes.map { node in
            let storage = node.footprint.map { table -> String in
                let format = table.smallestFormat["fp32"] ?? "dense"
                return "\(grouped(table.bytes[format]?["fp32"] ?? 0)) (\(format))"
            } ?? ""
            return [
                node.name, node.type, "(" + node.outputShape.map(String.init).joined(separator: ",") + ")",
                blankIfZero(node.neurons), blankIfZero(node.weights), node.weights == 0 ? "" : grouped(node.nonZeroWeights),
                node.weights == 0 ? "" : percent(node.sparsity), blankIfZero(node.biases), blankIfZero(node.denseMACs),
                node.outDegree.map { grouped($0.total) } ?? "", storage,
            ]
        }
        let totals = report.totals
        rows.append([
            "total", "", "", grouped(totals.neurons), grouped(totals.weights), grouped(totals.nonZeroWeights),
            percent(totals.sparsity), grouped(totals.biases), grouped(totals.denseMACs), grouped(totals.synopsIfAllFireOnce),
            grouped(totals.smallestFootprintBytes["fp32"] ?? 0),
        ])
        var lines = ["network: \(file)" + (nirVersion.map { " (NIR \($0))" } ?? "")]
        lines.append("spiking neurons: \(grouped(totals.spikingNeurons))   neurons: \(grouped(totals.neurons))   weights: \(grouped(totals.weights)) (\(grouped(totals.nonZeroWeights)) non-zero)   dense MACs: \(grouped(totals.denseMACs))")
        lines.append("")
        lines += TextTable.render(header: header, rows: rows, rightAligned: Set(3..<header.count))
        lines.append("")
        lines.append("weight storage over all layers [bytes]:")
        let formats = WeightStorageFormat.allCases.map(\.rawValue)
        let precisions = WeightPrecision.allCases.map(\.rawValue)
        var storageRows = formats.map { format in
            [format] + precisions.map { grouped(totals.footprintBytes[format]?[$0] ?? 0) }
        }
        storageRows.append(["smallest per layer"] + precisions.map { grouped(totals.smallestFootprintBytes[$0] ?? 0) })
        lines += TextTable.render(header: ["format"] + precisions, rows: storageRows, rightAligned: Set(1...precisions.count))
        return lines.joined(separator: "\n")
    }

    private static func blankIfZero(_ value: Int) -> String { value == 0 ? "" : grouped(value) }

    private static func percent(_ fraction: Double) -> String {
        let scaled = (fraction * 10000).rounded() / 100
        return String(scaled)
    }

    /// 15302848 -> "15,302,848".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return value < 0 ? "-" + result : result
    }
}

/// Plain-text table with aligned columns.
enum TextTable {
    static func render(header: [String], rows: [[String]], rightAligned: Set<Int>) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? padding + cell : cell + padding
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return [line(header), rule] + rows.map(line)
    }
}
