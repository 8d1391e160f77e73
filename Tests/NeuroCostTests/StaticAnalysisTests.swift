import Foundation
import NeuroCost
import Testing

/// Static cost figures against an independent numpy computation (explicit scatter through the binary masks).
@Suite struct StaticAnalysisTests {
    @Test("per-node and total counts equal numpy's", arguments: NIRReaderTests.fixtureNames)
    func countsMatchNumpy(fixture: String) throws {
        let analysis = try Fixtures.expectations(fixture).object("analysis")
        let network = try NIRReader.read(path: Fixtures.path(fixture)).network
        let report = try StaticCostAnalyzer.analyze(network)
        try compare(report: report, network: network, with: analysis, fixture: fixture)
    }

    @Test("every synop counted at a sender is counted once at a receiver", arguments: NIRReaderTests.fixtureNames)
    func senderAndReceiverTotalsAgree(fixture: String) throws {
        let report = try StaticCostAnalyzer.analyze(NIRReader.read(path: Fixtures.path(fixture)).network)
        let sent = report.nodes.reduce(0) { $0 + ($1.outDegree?.total ?? 0) }
        let received = report.nodes.reduce(0) { $0 + $1.synopsIfAllFireOnce }
        #expect(sent == received)
    }

    @Test("the paper's VGG-16 at 99% sparsity: neurons, weights, dense MACs, non-zeros and out-degrees")
    func paperVGG16() throws {
        let fixture = "vgg16_sparse"
        let network = try NIRReader.read(path: Fixtures.path(fixture)).network
        let report = try StaticCostAnalyzer.analyze(network)
        #expect(report.totals.spikingNeurons == 276_992)
        #expect(report.totals.weights == 15_302_848)
        #expect(report.totals.denseMACs == 313_788_928)
        #expect(abs(report.totals.nonZeroWeights - 153_028) <= 1_530)
        try compare(report: report, network: network, with: Fixtures.expectations(fixture).object("analysis"), fixture: fixture)
    }

    @Test("storage footprints follow the documented formulas")
    func footprintFormulas() {
        // 10 × 300 matrix with 7 non-zeros: column index needs 2 bytes, row pointers 1 byte.
        let footprint = WeightStorageFootprint(rows: 10, columns: 300, nonZeros: 7)
        #expect(footprint.bytes(.dense, .fp32) == 12_000)
        #expect(footprint.bytes(.csr, .fp32) == 7 * (4 + 2) + 11 * 1)
        #expect(footprint.bytes(.bitmask, .fp16) == 375 + 7 * 2)
        #expect(footprint.bytes(.coo, .int8) == 7 * (1 + 1 + 2))
        #expect(footprint.smallestFormat(.fp32) == .coo)
        #expect(WeightStorageFootprint.indexBytes(toHold: 255) == 1)
        #expect(WeightStorageFootprint.indexBytes(toHold: 256) == 2)
        #expect(WeightStorageFootprint.indexBytes(toHold: 70_000) == 4)
        #expect(WeightStorageFootprint.indexBytes(toHold: 5_000_000_000) == 8)
    }

    private func compare(report: StaticCostReport, network: Network, with analysis: [String: Any], fixture: String) throws {
        let totals = try analysis.object("totals")
        #expect(report.totals.spikingNeurons == (try totals.int("spiking_neurons")), "\(fixture) spiking neurons")
        #expect(report.totals.neurons == (try totals.int("neurons")), "\(fixture) neurons")
        #expect(report.totals.weights == (try totals.int("weights")), "\(fixture) weights")
        #expect(report.totals.nonZeroWeights == (try totals.int("nonzero_weights")), "\(fixture) non-zero weights")
        #expect(report.totals.biases == (try totals.int("biases")), "\(fixture) biases")
        #expect(report.totals.denseMACs == (try totals.int("dense_macs")), "\(fixture) dense MACs")
        #expect(report.totals.synopsIfAllFireOnce == (try totals.int("synops_if_all_fire_once")), "\(fixture) synops if all fire once")

        let perNode = try analysis.object("per_node")
        let fanOut = try FanOutAnalysis(network: network)
        for cost in report.nodes {
            guard let expected = perNode[cost.name] as? [String: Any] else {
                Issue.record("\(fixture): no expectation for node '\(cost.name)'")
                continue
            }
            let label = "\(fixture): node '\(cost.name)'"
            #expect(cost.neurons == (try expected.int("neurons")), "\(label) neurons")
            #expect(cost.spikingNeurons == (try expected.int("spiking_neurons")), "\(label) spiking neurons")
            #expect(cost.weights == (try expected.int("weights")), "\(label) weights")
            #expect(cost.nonZeroWeights == (try expected.int("nonzero_weights")), "\(label) non-zero weights")
            #expect(cost.biases == (try expected.int("biases")), "\(label) biases")
            #expect(cost.denseMACs == (try expected.int("dense_macs")), "\(label) dense MACs")
            if let summary = cost.outDegree {
                #expect(summary.total == (try expected.int("out_degree_total")), "\(label) out-degree total")
                #expect(summary.sumOfSquares == (try expected.int("out_degree_sum_squares")), "\(label) out-degree Σd²")
                #expect(summary.maximum == (try expected.int("out_degree_max")), "\(label) out-degree max")
                if expected["out_degree"] != nil {
                    let degrees = fanOut.outDegrees(ofNode: network.index(of: cost.name)!)
                    #expect(degrees == (try expected.ints("out_degree")), "\(label) per-neuron out-degree")
                }
            } else {
                #expect(expected["out_degree_total"] == nil, "\(label) should be a spiking node")
            }
            if let footprint = cost.footprint {
                let bytes = try expected.object("footprint_bytes")
                for format in WeightStorageFormat.allCases {
                    let row = try bytes.object(format.rawValue)
                    for precision in WeightPrecision.allCases {
                        #expect(footprint.bytes[format.rawValue]?[precision.rawValue] == (try row.int(precision.rawValue)),
                                "\(label) \(format.rawValue) \(precision.rawValue) bytes")
                    }
                }
            } else {
                #expect(expected["footprint_bytes"] == nil, "\(label) should have a storage footprint")
            }
        }
    }
}
