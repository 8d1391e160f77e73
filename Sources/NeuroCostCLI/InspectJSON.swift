import Foundation
import NeuroCost

/// The `inspect --json` document: the file, then the report with snake_case keys.
enum InspectJSON {
    private struct Document: Encodable {
        let file: String
        let nirVersion: String?
        let neurocostVersion: String
        let units: [String: String]
        let nodes: [NodeCost]
        let totals: CostTotals
    }

    static func render(report: StaticCostReport, file: String, nirVersion: String?) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let document = Document(
            file: file, nirVersion: nirVersion, neurocostVersion: NeuroCostVersion.string,
            units: [
                "dense_macs": "multiply-accumulates per inference step (dense ANN)",
                "synops_if_all_fire_once": "synaptic operations if every spiking neuron fires once",
                "footprint": "bytes",
            ],
            nodes: report.nodes, totals: report.totals)
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}
