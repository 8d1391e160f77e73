import Foundation
import NeuroCost
import Testing

/// The ledger's formulas on a two-neuron network whose counts follow by hand.
///
/// Input[2] → fc: Affine W = [[2, 0], [0, 0.5]], b = [0, 0.25] → IF (θ = 1, r = 1) → fc2: Linear [[1, 1]] → Output.
/// One sample x = [1, 1], T = 4, direct coding, reset by subtraction, v > θ:
/// - fc: 2 non-zero inputs × 1 non-zero weight each = 2 MACs per step → 8 MACs; 1 non-zero bias → 4 bias adds.
/// - IF currents [2, 0.75]: neuron 0 reaches 2, 3, 4, 5 and spikes every step (4 spikes); neuron 1 reaches
///   0.75, 1.5 (spike, → 0.5), 1.25 (spike, → 0.25), 1.0 (no spike): 2 spikes. 6 spikes, 8 updates, 8 active.
/// - fc2: each spike meets one non-zero weight → 6 synops.
@Suite struct EnergyLedgerTests {
    static func tinyNetwork() throws -> Network {
        let f32 = { (shape: [Int], values: [Float]) throws -> ParameterTensor in try ParameterTensor(shape: shape, float32: values) }
        let neurons = try NeuronParameters(model: .integrateAndFire,
                                           fields: ["r": f32([2], [1, 1]), "v_threshold": f32([2], [1, 1])], node: "if")
        return try Network(nodes: [
            Node(name: "input", kind: .input(shape: [2])),
            Node(name: "fc", kind: .affine(weight: f32([2, 2], [2, 0, 0, 0.5]), bias: f32([2], [0, 0.25]))),
            Node(name: "if", kind: .neuron(neurons)),
            Node(name: "fc2", kind: .linear(weight: f32([1, 2], [1, 1]))),
            Node(name: "output", kind: .output(declaredShape: [1])),
        ], edges: [NamedEdge("input", "fc"), NamedEdge("fc", "if"), NamedEdge("if", "fc2"), NamedEdge("fc2", "output")])
    }

    static func tinyRun(encoding: InputEncoding = .direct) throws -> (Network, RunResult) {
        let network = try tinyNetwork()
        let path = try Fixtures.scratchDirectory().appendingPathComponent("tiny.h5").path
        let file = try HDF5File(path: path, mode: .createNew)
        if encoding == .spikes {
            try file.writeDataset("images", [Float](repeating: 1, count: 8), shape: [1, 4, 2])
        } else {
            try file.writeDataset("images", [Float(1), 1], shape: [1, 2])
        }
        file.close()
        let plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 4, encoding: encoding))
        return (network, try SimulationRunner.run(plan: plan, dataset: SampleDataset(path: path, preferSpikes: encoding == .spikes)))
    }

    @Test("the counts of the tiny network are the hand-computed ones")
    func handCounts() throws {
        let (_, run) = try Self.tinyRun()
        #expect(run.counts.total(.macs) == 8)
        #expect(run.counts.total(.biasAdds) == 4)
        #expect(run.counts.total(.spikes) == 6)
        #expect(run.counts.total(.synops) == 6)
        #expect(run.counts.total(.neuronUpdates) == 8)
        #expect(run.counts.total(.activeNeuronUpdates) == 8)
    }

    @Test("horowitz-45nm-fp32: every component by hand")
    func horowitzFP32() throws {
        let (network, run) = try Self.tinyRun()
        let report = try EnergyLedger.price(run, network: network, profile: ProfileLibrary.load("horowitz-45nm-fp32"))
        let fc = try #require(report.layers.first { $0.name == "fc" })
        let neurons = try #require(report.layers.first { $0.name == "if" })
        let fc2 = try #require(report.layers.first { $0.name == "fc2" })
        let close = { (a: Double?, b: Double) in abs((a ?? .nan) - b) < 1e-9 }
        #expect(close(fc.picojoules[.macs], 8 * 4.6))
        #expect(close(fc.picojoules[.biasAdds], 4 * 0.9))
        #expect(close(fc2.picojoules[.synops], 6 * 0.9))
        #expect(close(neurons.picojoules[.neuronUpdates], 8 * 0.9))
        // Weights: fc as bitmask (1 + 2·4 = 9 bytes beats CSR 13, COO 12, dense 16), fc2 dense (8 bytes): 17 bytes → 8 KB SRAM,
        // 10 pJ per 64-bit access. Each synop or MAC reads 32 weight bits: 32 × 10/64 = 5 pJ.
        #expect(report.weightFormats["fc"] == "bitmask" && report.weightFormats["fc2"] == "dense")
        #expect(report.placement["weights"] == "sram-8KB")
        #expect(close(fc.picojoules[.weightReads], 8 * 32 * 10 / 64))
        #expect(close(fc2.picojoules[.weightReads], 6 * 32 * 10 / 64))
        // Bitmask: n / nnz = 4 / 2 = 2 mask bits per non-zero fetched.
        #expect(close(fc.picojoules[.indexReads], 8 * 2 * 10 / 64))
        #expect(close(fc2.picojoules[.indexReads], 0))
        // State: 8 updates × 32 bits × (read + write) at 10/64 pJ per bit.
        #expect(close(neurons.picojoules[.stateTraffic], 8 * 32 * 2 * 10 / 64))
        // Spikes: 8-bit addresses, one write and one read (one consumer) each.
        #expect(close(neurons.picojoules[.spikeTraffic], 6 * 8 * 2 * 10 / 64))
        let plan = try SimulationPlan(network: network, options: run.options)
        let conventions = ConventionCounter.count(LayerCountTable(run: run), layout: try ConventionLayout(plan: plan, layerNames: run.layerNames))
        let syops = try ConventionCounter.energy(conventions[1], profile: ProfileLibrary.load("horowitz-45nm-fp32"))
        #expect(close(syops?.totalPicojoules, 6 * 0.9 + 8 * 4.6))
        #expect(report.staticPicojoules == 0)
    }

    @Test("loihi-presilicon: synops, active/idle updates and spikes sent from Davies et al. 2018; analog MACs are refused")
    func loihi() throws {
        let profile = try ProfileLibrary.load("loihi-presilicon")
        let (directNetwork, directRun) = try Self.tinyRun()
        #expect(throws: LedgerError.self) { try EnergyLedger.price(directRun, network: directNetwork, profile: profile) }

        // With the input as spikes (both inputs spike every step): fc does 2 synops per step.
        let (network, run) = try Self.tinyRun(encoding: .spikes)
        #expect(run.counts.total(.macs) == 0)
        let report = try EnergyLedger.price(run, network: network, profile: profile)
        let synops = Double(run.counts.total(.synops))
        let spikes = Double(run.counts.total(.spikes))
        let updates = Double(run.counts.total(.neuronUpdates)), active = Double(run.counts.total(.activeNeuronUpdates))
        let totals = report.totals
        #expect(abs(totals[.synops]! - synops * 23.6) < 1e-9)
        #expect(abs(totals[.neuronUpdates]! - (active * 81 + (updates - active) * 52)) < 1e-9)
        #expect(abs(totals[.spikesSent]! - spikes * 1.7) < 1e-9)
        #expect(totals[.weightReads]! == 0)
    }

    @Test("an all-in synop figure (TrueNorth's former 26 pJ) is not stacked with other terms")
    func allInIsAlone() throws {
        let (network, run) = try Self.tinyRun(encoding: .spikes)
        let report = try EnergyLedger.price(run, network: network, profile: ValidationTests.allInTrueNorth())
        let totals = report.totals
        #expect(abs(totals[.synops]! - Double(run.counts.total(.synops)) * 26) < 1e-9)
        #expect(abs(report.totalPicojoules - totals[.synops]!) < 1e-9)
        #expect(!report.notes.isEmpty)
    }

    @Test("every bundled profile prices the spike-coded tiny run, with the syops-counter convention beside it", arguments: try ProfileLibrary.bundledNames())
    func everyBundledProfile(name: String) throws {
        let (network, run) = try Self.tinyRun(encoding: .spikes)
        let report = try EnergyLedger.price(run, network: network, profile: ProfileLibrary.load(name))
        #expect(report.totalPicojoules > 0)
        #expect(report.totals[.synops]! > 0)
        let plan = try SimulationPlan(network: network, options: run.options)
        let syops = ConventionCounter.count(LayerCountTable(run: run), layout: try ConventionLayout(plan: plan, layerNames: run.layerNames),
                                            as: .syopsCounter)
        #expect((try ConventionCounter.energy(syops, profile: ProfileLibrary.load(name))?.totalPicojoules ?? 0) > 0)
    }

    @Test("a profile without the constant a count needs fails naming the profile and field")
    func missingConstant() throws {
        let (network, run) = try Self.tinyRun()
        let yaml = """
            schema: neurocost-profile/1
            name: adds-only
            description: an accelerator that publishes only its add energy
            kind: digital
            precision: {weights: fp32, activations: fp32, state: fp32}
            energy:
              add: {pJ: 1.0, scope: marginal, evidence: estimated, source: test}
            sources: [test]
            """
        let profile = try ProfileLibrary.parse(yaml: yaml, file: "adds-only.yaml")
        do {
            _ = try EnergyLedger.price(run, network: network, profile: profile)
            Issue.record("priced MACs without a MAC energy")
        } catch {
            #expect(error.description.contains("adds-only") && error.description.contains("energy.mac"), "\(error)")
        }
    }

    @Test("the syops-counter convention equals 0.9 pJ × synops + 4.6 pJ × MACs on the bundled digits SNN")
    func syopsCounterOnDigits() throws {
        let network = try NIRReader.read(path: RepositoryPaths.root.appendingPathComponent("Datasets/networks/digits-snn-sparse90.nir").path).network
        let plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 4))
        let run = try SimulationRunner.run(plan: plan, dataset: SampleDataset(path: ConversionTests.test), range: 0..<20)
        let report = try EnergyLedger.price(run, network: network, profile: ProfileLibrary.load("horowitz-45nm-fp32"))
        let expected = 0.9 * Double(run.counts.total(.synops)) + 4.6 * Double(run.counts.total(.macs))
        let syops = ConventionCounter.count(LayerCountTable(run: run), layout: try ConventionLayout(plan: plan, layerNames: run.layerNames),
                                            as: .syopsCounter)
        let energy = try #require(try ConventionCounter.energy(syops, profile: ProfileLibrary.load("horowitz-45nm-fp32")))
        #expect(abs(energy.totalPicojoules - expected) <= 1e-9 * expected)
        #expect(report.totalPicojoules > expected)  // memory traffic comes on top
    }

    /// The spike-coded tiny run under the profiles not checked above, compute terms by hand: 8 synops at fc
    /// (both inputs spike each step, one non-zero weight each), the IF spikes' synops at fc2, 8 neuron updates.
    @Test("KerasSpiking and SpiNNaker profiles: per-operation figures times the counts")
    func perOperationProfiles() throws {
        let (network, run) = try Self.tinyRun(encoding: .spikes)
        let synops = Double(run.counts.total(.synops)), updates = Double(run.counts.total(.neuronUpdates))
        let cases: [(String, Double, Double)] = [
            ("keras-spiking-cpu", 8600, 8600), ("keras-spiking-gpu", 300, 300), ("keras-spiking-arm", 900, 900),
            ("spinnaker", 13_300, 26_000), ("spinnaker2", 450, 2190),
        ]
        for (name, synop, neuron) in cases {
            let report = try EnergyLedger.price(run, network: network, profile: ProfileLibrary.load(name))
            #expect(abs(report.totals[.synops]! - synops * synop) < 1e-6, "\(name) synops")
            #expect(abs(report.totals[.neuronUpdates]! - updates * neuron) < 1e-6, "\(name) neuron updates")
        }
    }

    @Test("horowitz int8 and fp16: adds and MACs at their precision, memory traffic at 8 and 16 bits")
    func horowitzLowPrecision() throws {
        let (network, run) = try Self.tinyRun()
        for (name, add, mac, bits) in [("horowitz-45nm-int8", 0.03, 0.23, 8.0), ("horowitz-45nm-fp16", 0.4, 1.5, 16.0)] {
            let report = try EnergyLedger.price(run, network: network, profile: ProfileLibrary.load(name))
            let totals = report.totals
            #expect(abs(totals[.synops]! - 6 * add) < 1e-9, "\(name)")
            #expect(abs(totals[.macs]! - 8 * mac) < 1e-9, "\(name)")
            #expect(abs(totals[.biasAdds]! - 4 * add) < 1e-9, "\(name)")
            // 14 weight fetches of `bits` bits at 10 pJ per 64 bits (the weights fit the 8 KB SRAM).
            #expect(abs(totals[.weightReads]! - 14 * bits * 10 / 64) < 1e-9, "\(name)")
        }
    }
}
