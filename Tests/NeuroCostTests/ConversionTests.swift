import Foundation
import NeuroCost
import Testing

/// ANN-to-SNN conversion on the bundled, adversarially trained digits network.
@Suite struct ConversionTests {
    static let ann = RepositoryPaths.root.appendingPathComponent("Datasets/networks/digits-ann-dense.nir").path
    static let train = RepositoryPaths.root.appendingPathComponent("Datasets/digits/digits-train.h5").path
    static let test = RepositoryPaths.root.appendingPathComponent("Datasets/digits/digits-test.h5").path

    @Test("the data-based conversion reaches the ANN's test accuracy within 1 point at some T ≤ 64")
    func dataBasedConversionKeepsAccuracy() throws {
        let network = try NIRReader.read(path: Self.ann).network
        let report = try ThresholdCalibrator.convert(network, calibration: SampleDataset(path: Self.train), range: 0..<300,
                                                     options: ConversionOptions(percentile: 99.9))
        #expect(report.silentNodes.isEmpty)
        #expect(report.thresholds.allSatisfy { $0.threshold > 0 })

        let testData = try SampleDataset(path: Self.test)
        let annResult = try SimulationRunner.run(plan: SimulationPlan.annView(of: network), dataset: testData)
        let annAccuracy = try #require(annResult.accuracyByTimestep?.first)
        let snnResult = try SimulationRunner.run(plan: SimulationPlan(network: report.network, options: SimulationOptions(timesteps: 32)),
                                                 dataset: testData)
        let snnAccuracy = try #require(snnResult.accuracyByTimestep)
        let best = snnAccuracy.max() ?? 0
        #expect(best >= annAccuracy - 0.01, "ANN \(annAccuracy), SNN by timestep \(snnAccuracy)")
        // Few steps cannot carry the rates yet: accuracy grows with T.
        #expect(snnAccuracy[0] < best)
    }

    @Test("thresholds are percentiles of the ANN's positive input currents and fold into the next weights")
    func thresholdsAndFolding() throws {
        let network = try NIRReader.read(path: Self.ann).network
        let data = try SampleDataset(path: Self.train)
        let ifNodes = network.nodes.indices.filter { if case .neuron = network.nodes[$0].kind { return true } else { return false } }
        let probe = try SimulationRunner.run(plan: SimulationPlan.annView(of: network), dataset: data, range: 0..<100,
                                             probedNodes: Set(ifNodes))
        let report = try ThresholdCalibrator.convert(network, calibration: data, range: 0..<100,
                                                     options: ConversionOptions(percentile: 100))
        for (position, node) in ifNodes.enumerated() {
            // Percentile 100 is the largest positive input current (max-norm).
            let maximum = try #require(probe.probedInputs[node]?.max())
            #expect(report.thresholds[position].threshold == maximum)
        }
        // The weighted layer after the first IF (past its pool) carries the IF's threshold in its weights.
        let firstThreshold = report.thresholds[0].threshold
        var next = ifNodes[0]
        repeat { next = try #require(network.outgoingEdges(of: next).first).target } while network.nodes[next].kind.weight == nil
        let consumer = network.nodes[next]
        let before = try #require(weight(of: consumer))
        let after = try #require(weight(of: report.network.node(named: consumer.name)!))
        let index = try #require(before.firstIndex { $0 != 0 })
        #expect(after[index] == before[index] * firstThreshold)
    }

    @Test("the ANN view of the converted SNN is the source ANN again (thresholds folded out)")
    func annViewOfConvertedNetwork() throws {
        let network = try NIRReader.read(path: Self.ann).network
        let report = try ThresholdCalibrator.convert(network, calibration: SampleDataset(path: Self.train), range: 0..<100,
                                                     options: ConversionOptions())
        let data = try SampleDataset(path: Self.test)
        let original = try SimulationRunner.run(plan: SimulationPlan.annView(of: network), dataset: data)
        let converted = try SimulationRunner.run(plan: SimulationPlan.annView(of: report.network), dataset: data)
        // Scaling a weight by θ and the activation by 1/θ rounds differently only in the last bits.
        let agreeing = zip(original.predictions, converted.predictions).filter { $0 == $1 }.count
        #expect(Double(agreeing) / Double(original.predictions.count) > 0.99)
        #expect(original.counts.total(.macs) == converted.counts.total(.macs))
    }

    @Test("the sequential method calibrates layer by layer on the SNN without touching weights")
    func sequentialKeepsWeights() throws {
        let network = try NIRReader.read(path: Self.ann).network
        let report = try ThresholdCalibrator.convert(network, calibration: SampleDataset(path: Self.train), range: 0..<40,
                                                     options: ConversionOptions(method: .sequential, percentile: 99.7, scale: 0.3,
                                                                                calibrationSteps: 8))
        for (before, after) in zip(network.nodes, report.network.nodes) {
            if case .neuron = before.kind { continue }
            #expect(before.kind == after.kind, "\(before.name) changed")
        }
        #expect(report.thresholds.allSatisfy { $0.threshold > 0 })
    }

    @Test("the converted network is written as NIR that Python's nir reads")
    func convertedNetworkIsValidNIR() throws {
        let network = try NIRReader.read(path: Self.ann).network
        let report = try ThresholdCalibrator.convert(network, calibration: SampleDataset(path: Self.train), range: 0..<50,
                                                     options: ConversionOptions())
        let path = try Fixtures.scratchDirectory().appendingPathComponent("snn.nir").path
        try NIRWriter.write(report.network, to: path)
        let script = "import nir, sys; g = nir.read(sys.argv[1]); print(sorted(g.nodes)[0])"
        let result = try ProcessRunner.run("python3", ["-c", script, path])
        #expect(result.status == 0, "\(result.standardError)")
    }

    private func weight(of node: Node) -> [Float]? {
        node.kind.weight?.floatValues
    }
}
