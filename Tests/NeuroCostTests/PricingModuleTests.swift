import Foundation
import NeuroCost
import Testing

/// Pricing as a pure module: plain counts and a layout in, energy out; typed constants; unique profile keys;
/// profiles that cannot price a run known before it runs.
@Suite struct PricingModuleTests {
    /// Two layers priced by hand: a Linear of 2 × 3 weights (4 non-zero) fed by spikes, and an IF of 2 neurons.
    static func handLayout() -> LedgerLayout {
        LedgerLayout(layers: [
            .init(name: "fc", kind: "Linear", isNeuronPopulation: false, emitsSpikes: false, elements: 2,
                  footprint: WeightStorageFootprint(rows: 2, columns: 3, nonZeros: 4), scaleValues: 0, spikeConsumers: 0),
            .init(name: "if", kind: "IF", isNeuronPopulation: true, emitsSpikes: true, elements: 2,
                  footprint: nil, scaleValues: 0, spikeConsumers: 1),
        ])
    }

    @Test("the ledger prices a caller's own counts, per sample and in total, and lists every constant it used")
    func caller() throws {
        // Two samples: synops 5 and 7 at fc; updates 8 each at if (T = 4, 2 neurons); spikes 3 and 1.
        let counts = try LayerCountTable(layerNames: ["fc", "if"], timesteps: 4, sampleCount: 2, perSample: [
            .synops: [5, 0, 7, 0], .neuronUpdates: [0, 8, 0, 8], .activeNeuronUpdates: [0, 6, 0, 8], .spikes: [0, 3, 0, 1],
        ])
        let profile = try ProfileLibrary.load("horowitz-45nm-fp32")
        let report = try EnergyLedger.price(counts, layout: Self.handLayout(), profile: profile)
        // fp32 weights: dense 24 B, bitmask 1 + 16 = 17 B, CSR 16 + 4 + 3 = 23 B, COO 16 + 8 = 24 B → bitmask, 8 KB SRAM.
        #expect(report.weightFormats["fc"] == "bitmask")
        let perBit = 10.0 / 64
        let synopEnergy = 0.9 + 32 * perBit + (6.0 / 4) * perBit  // add + weight bits + n/nnz mask bits
        let updateEnergy = 0.9 + 32 * 2 * perBit                   // add + state read and write
        let spikeEnergy = 8 * (perBit + perBit)                    // 8-bit address: one write, one read
        let expected = [5 * synopEnergy + 8 * updateEnergy + 3 * spikeEnergy, 7 * synopEnergy + 8 * updateEnergy + 1 * spikeEnergy]
        for sample in 0..<2 { #expect(abs(report.perSampleTotals[sample] - expected[sample]) < 1e-9, "sample \(sample)") }
        #expect(abs(report.totalPicojoules - expected.reduce(0, +)) < 1e-9)
        let fields = Set(report.constantsUsed.map(\.field))
        #expect(fields.contains("energy.add") && fields.contains("memory.sram-8KB.read (per 64 bits)"), "\(fields)")
        #expect(report.constantsUsed.allSatisfy { !$0.source.isEmpty })
    }

    @Test("the profile's constants are resolved to typed fields with their profile field named")
    func typedConstants() throws {
        let loihi = try ProfileLibrary.load("loihi-presilicon")
        #expect(loihi.constants.synop?.picojoules == 23.6 && loihi.constants.synop?.field == "energy.synop")
        #expect(loihi.constants.mac == nil)
        #expect(loihi.constants.neuronUpdateIdle?.picojoules == 52)
        let horowitz = try ProfileLibrary.load("horowitz-45nm-fp32")
        #expect(horowitz.constants.accumulate?.field == "energy.add")
        #expect(horowitz.origin == "bundled:horowitz-45nm-fp32.yaml" && horowitz.sourceText?.contains("name: horowitz-45nm-fp32") == true)
    }

    @Test("a misspelt energy key is refused when the profile loads")
    func misspeltKey() throws {
        let yaml = """
            schema: neurocost-profile/1
            name: typo
            description: a profile with a misspelt key
            kind: digital
            precision: {weights: fp32, activations: fp32, state: fp32}
            energy:
              add: {pJ: 1.0, scope: marginal, evidence: estimated, source: test}
              macc: {pJ: 4.0, scope: marginal, evidence: estimated, source: test}
            sources: [test]
            """
        #expect(throws: (any Error).self) { try ProfileLibrary.parse(yaml: yaml, file: "typo.yaml") }
    }

    @Test("the same profile twice is priced once; another profile of the same name gets its own key")
    func uniqueKeys() throws {
        let bundled = try ProfileLibrary.load("loihi")
        // The obvious what-if: copy loihi.yaml and change one constant.
        let text = try String(contentsOfFile: RepositoryPaths.root.appendingPathComponent("HardwareProfiles/loihi.yaml").path, encoding: .utf8)
        let edited = try Fixtures.scratchDirectory().appendingPathComponent("my-loihi.yaml").path
        try text.replacingOccurrences(of: "pJ: 35.5", with: "pJ: 40.0").write(toFile: edited, atomically: true, encoding: .utf8)
        let copy = try ProfileLibrary.load(edited)
        #expect(copy.constants.synop?.picojoules == 40.0)
        let keys = ProfileKeys.unique([bundled, bundled, copy, try ProfileLibrary.load("truenorth")]).map(\.key)
        #expect(keys == ["loihi", "loihi-2", "truenorth"])
    }

    @Test("a profile that cannot price a plan is known before simulating")
    func knownBeforeSimulating() throws {
        let network = try NIRReader.read(path: RepositoryPaths.root.appendingPathComponent("Datasets/networks/digits-snn-sparse90.nir").path).network
        let loihi = try ProfileLibrary.load("loihi")
        let direct = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 4))
        let reason = try #require(RunPricer.cannotPrice(direct, profile: loihi))
        #expect(reason.contains("energy.mac"))
        #expect(RunPricer.cannotPrice(direct, profile: try ProfileLibrary.load("horowitz-45nm-fp32")) == nil)
        let poisson = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 4, encoding: .poisson))
        #expect(RunPricer.cannotPrice(poisson, profile: loihi) == nil)
        #expect(RunPricer.cannotPrice(try SimulationPlan.annView(of: network), profile: loihi) != nil)
    }

    @Test("energies are identical to the bit across runs and thread counts")
    func deterministic() throws {
        let network = try NIRReader.read(path: RepositoryPaths.root.appendingPathComponent("Datasets/networks/digits-snn-sparse90.nir").path).network
        let plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 4, encoding: .poisson))
        let dataset = try SampleDataset(path: ConversionTests.test)
        var totals: [[Double]] = []
        for threads in [1, 2, 2] {
            let run = try SimulationRunner.run(plan: plan, dataset: dataset, range: 0..<24, threads: threads, countSpikesPerNeuron: true)
            let profiles = try ["horowitz-45nm-fp32", "loihi", "keras-spiking-gpu"].map { try ProfileLibrary.load($0) }
            let priced = RunPricer.price(run, plan: plan, profiles: profiles)
            totals.append(priced.flatMap { [$0.report!.totalPicojoules] + $0.report!.perSampleTotals })
        }
        #expect(totals[0].map(\.bitPattern) == totals[1].map(\.bitPattern))
        #expect(totals[1].map(\.bitPattern) == totals[2].map(\.bitPattern))
    }
}
