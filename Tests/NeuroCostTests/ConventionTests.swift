import Foundation
import NeuroCost
import Testing

/// The counting conventions against the independent numpy computation in `Tests/Fixtures/reference_simulator.py`:
/// there, Eq. 12 is computed by carrying each spiking layer's spikes through the graph as weights that pools divide by
/// their window, and NeuroBench's Dense by running each layer with all-ones weights and inputs; NeuroBench's effective
/// counts by binarising each layer's summed input. Here they come from the per-sample counts and the network's layout.
@Suite struct ConventionTests {
    @Test("seed_eq12, syops_counter and neurobench per layer and sample equal numpy's", arguments: SimulatorReferenceTests.exactCases)
    func againstNumpy(testCase name: String) throws {
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: SimulationFixtures.file("\(name).sim.json")))) as! [String: Any]
        let optionsJSON = expected["options"] as! [String: Any]
        let options = SimulationOptions(
            timesteps: (optionsJSON["timesteps"] as! NSNumber).intValue,
            encoding: InputEncoding(rawValue: optionsJSON["encoding"] as! String)!,
            reset: ResetMode(rawValue: optionsJSON["reset"] as! String)!,
            thresholdComparison: ThresholdComparison(rawValue: optionsJSON["threshold_compare"] as! String)!,
            dt: (optionsJSON["dt"] as! NSNumber).doubleValue,
            seed: UInt64((optionsJSON["seed"] as! NSNumber).intValue))
        let network = try NIRReader.read(path: SimulationFixtures.file("\(name).nir")).network
        let plan = try SimulationPlan(network: network, options: options)
        let dataset = try SampleDataset(path: SimulationFixtures.file("\(name).data.h5"), preferSpikes: options.encoding == .spikes)
        let run = try SimulationRunner.run(plan: plan, dataset: dataset, threads: 2)
        let reports = ConventionCounter.count(LayerCountTable(run: run), layout: try ConventionLayout(plan: plan, layerNames: run.layerNames))
        let byName = Dictionary(uniqueKeysWithValues: reports.map { ($0.convention, $0) })
        for report in reports { #expect(report.unavailable == nil, "\(name): \(report.convention.rawValue): \(report.unavailable ?? "")") }
        let eq12 = try #require(byName[.seedEq12]?.quantity("accumulates"))
        let dense = try #require(byName[.neurobench]?.quantity("dense"))
        let acs = try #require(byName[.neurobench]?.quantity("effective_acs"))
        let macs = try #require(byName[.neurobench]?.quantity("effective_macs"))
        let synops = try #require(byName[.syopsCounter]?.quantity("synops"))

        let conventions = expected["conventions"] as! [String: [String: [[NSNumber]]]]
        let counts = expected["counts"] as! [String: [String: [[NSNumber]]]]
        var checked = 0, nonZeroEq12 = 0
        for (layer, layerName) in run.layerNames.enumerated() {
            let theirs = try #require(conventions[layerName], "\(name): numpy has no conventions for \(layerName)")
            let theirCounts = try #require(counts[layerName])
            for sample in 0..<run.counts.sampleCount {
                let index = sample * run.layerNames.count + layer
                let eq12Numpy = theirs["seed_eq12"]![sample].reduce(0.0) { $0 + $1.doubleValue }
                // Exact for power-of-two windows; 3 × 3 and 3 × 2 windows divide by 9 and 6, rounded differently here.
                #expect(abs(eq12.perSample[index] - eq12Numpy) <= 1e-9 * max(1, abs(eq12Numpy)),
                        "\(name) \(layerName) sample \(sample): Eq. 12 \(eq12.perSample[index]) vs numpy \(eq12Numpy)")
                if eq12Numpy != 0 { nonZeroEq12 += 1 }
                let denseNumpy = theirs["neurobench_dense"]![sample].reduce(0) { $0 + $1.intValue }
                #expect(Int(dense.perSample[index]) == denseNumpy, "\(name) \(layerName) sample \(sample): Dense")
                let acsNumpy = theirCounts["neurobench_acs"]![sample].reduce(0) { $0 + $1.intValue }
                let macsNumpy = theirCounts["neurobench_macs"]![sample].reduce(0) { $0 + $1.intValue }
                #expect(Int(acs.perSample[index]) == acsNumpy && Int(macs.perSample[index]) == macsNumpy,
                        "\(name) \(layerName) sample \(sample): NeuroBench ACs/MACs")
                let synopsNumpy = theirCounts["synops"]![sample].reduce(0) { $0 + $1.intValue }
                #expect(Int(synops.perSample[index]) == synopsNumpy, "\(name) \(layerName) sample \(sample): synops")
                checked += 1
            }
        }
        #expect(checked > 0)
        // Every case but the ones without hidden spiking layers feeding weights exercises a non-zero Eq. 12.
        if name != "recurrent_mixed_input" { #expect(nonZeroEq12 > 0, "\(name): Eq. 12 is zero everywhere") }
    }

    @Test("Eq. 12 divides the fan-out after a 2 × 2 pool by 4 and leaves the analog first layer out")
    func poolNormalisationByHand() throws {
        // Input[1,2,2] → conv 1×1 (w = 1) → IF → AvgPool 2×2 → Flatten → Linear [1 × 1] (w = 3) → Output.
        let f32 = { (shape: [Int], values: [Float]) throws -> ParameterTensor in try ParameterTensor(shape: shape, float32: values) }
        let neurons = try NeuronParameters(model: .integrateAndFire,
                                           fields: ["r": f32([1], [1]), "v_threshold": f32([1], [0.5])], node: "if")
        let conv = ConvolutionParameters(weight: try f32([1, 1, 1, 1], [1]), bias: nil, stride: [1, 1], padding: .valid,
                                         dilation: [1, 1], groups: 1, declaredInputSpatialShape: nil)
        let network = try Network(nodes: [
            Node(name: "input", kind: .input(shape: [1, 2, 2])),
            Node(name: "conv", kind: .convolution(conv)),
            Node(name: "if", kind: .neuron(neurons)),
            Node(name: "pool", kind: .avgPool2d(PoolingParameters(kernelSize: [2, 2], stride: [2, 2], padding: [0, 0]))),
            Node(name: "flat", kind: .flatten(FlattenParameters(startDim: 0, endDim: -1, declaredInputShape: nil))),
            Node(name: "fc", kind: .linear(weight: try f32([1, 1], [3]))),
            Node(name: "output", kind: .output(declaredShape: [1])),
        ], edges: [NamedEdge("input", "conv"), NamedEdge("conv", "if"), NamedEdge("if", "pool"), NamedEdge("pool", "flat"),
                   NamedEdge("flat", "fc"), NamedEdge("fc", "output")])
        let layout = try ConventionLayout(network: network, layerNames: ["conv", "if", "fc"], inputCarriesSpikes: false)
        #expect(layout.seedEq12Factors == [0, 0, 0.25])
        // NeuroBench Dense: conv 4 positions × 1 tap; fc 1 × 1.
        #expect(layout.neurobenchDensePerStep == [4, 0, 1])
        // Two samples, T = 2: 3 and 8 spikes reach fc through the pool, one synop each; 16 analog MACs at conv.
        let table = try LayerCountTable(layerNames: ["conv", "if", "fc"], timesteps: 2, sampleCount: 2,
                                        perSample: [.synops: [0, 0, 3, 0, 0, 8], .macs: [8, 0, 0, 8, 0, 0]])
        let eq12 = ConventionCounter.count(table, layout: layout, as: .seedEq12)
        #expect(eq12.quantity("accumulates")?.perSample == [0, 0, 0.75, 0, 0, 2])
        let energy = try #require(try ConventionCounter.energy(eq12, profile: ProfileLibrary.load("horowitz-45nm-fp32")))
        #expect(energy.perSampleTotals == [0.75 * 0.9, 2 * 0.9])
        let syops = try #require(try ConventionCounter.energy(ConventionCounter.count(table, layout: layout, as: .syopsCounter),
                                                              profile: ProfileLibrary.load("horowitz-45nm-fp32")))
        #expect(syops.perSampleTotals == [3 * 0.9 + 8 * 4.6, 8 * 0.9 + 8 * 4.6])
    }

    @Test("keras_spiking: numpy's dense connections and neurons, once per inference, at KerasSpiking's device figures",
          arguments: ["cnn", "cnn_overlap", "residual", "vgg16_sparse"])
    func kerasSpikingAgainstNumpy(fixture: String) throws {
        let network = try NIRReader.read(path: Fixtures.path(fixture)).network
        let analysis = try Fixtures.expectations(fixture).object("analysis")
        let perNode = try analysis.object("per_node")
        // The layers: weighted nodes and populations (the residual fixture has three inputs, so no run plan).
        let layerNames = network.nodes.filter { $0.kind.weight != nil || $0.kind.isNeuronPopulation }.map(\.name)
        let layout = try ConventionLayout(network: network, layerNames: layerNames, inputCarriesSpikes: false)
        var numpyOperations = 0  // KerasSpiking counts no Scale (it has no such layer)
        for (layer, name) in layerNames.enumerated() {
            let node = try perNode.object(name)
            let weighted = network.node(named: name)!.kind.weight != nil && network.node(named: name)!.kind.nirTypeName != "Scale"
            let connections = weighted ? try node.int("dense_macs") : 0
            #expect(layout.kerasConnections[layer] == connections, "\(fixture) \(name) connections")
            #expect(layout.kerasNeurons[layer] == (try node.int("neurons")), "\(fixture) \(name) neurons")
            numpyOperations += connections + (try node.int("neurons"))
        }
        // Two samples of any activity: the estimate does not depend on it.
        let counts = try LayerCountTable(layerNames: layerNames, timesteps: 3, sampleCount: 2, perSample: [:])
        let report = ConventionCounter.count(counts, layout: layout, as: .kerasSpiking)
        for (device, picojoules) in [("keras-spiking-cpu", 8600.0), ("keras-spiking-gpu", 300.0), ("keras-spiking-arm", 900.0)] {
            let energy = try #require(try ConventionCounter.energy(report, profile: ProfileLibrary.load(device)))
            let expected = Double(numpyOperations) * picojoules
            for sample in 0..<2 { #expect(abs(energy.perSampleTotals[sample] - expected) <= 1e-9 * expected, "\(fixture) \(device)") }
        }
    }
}
