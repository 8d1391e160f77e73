import Foundation
import NeuroCost
import Testing

/// The time model, static energy and the per-step system terms, checked by hand on tiny count tables.
@Suite struct TimeModelTests {
    static func quantity(_ value: Double) -> ProfileQuantity {
        ProfileQuantity(value: value, scope: .marginal, evidence: "estimated", source: "test", note: nil)
    }

    static func constant(_ picojoules: Double) -> EnergyConstant {
        EnergyConstant(picojoules: picojoules, scope: .marginal, evidence: "estimated", source: "test", note: nil)
    }

    /// A chip of 2-neuron cores: synop 10 pJ / 1 ns, updates 4 (active) and 2 (idle) pJ at 2 and 1 ns, spikes 1 pJ / 3 ns,
    /// 100 pJ per destination-core message, 1000 pJ per step, 0.5 W static, barrier 10 ns.
    static func chip(minStep: Double? = nil, tick: Double? = nil) -> HardwareProfile {
        let energy = ["synop": constant(10), "neuron_update_active": constant(4), "neuron_update_idle": constant(2),
                      "spike_sent": constant(1), "axon_message": constant(100), "step_fixed": constant(1000)]
        return HardwareProfile(
            name: "test-chip", description: "test", kind: .neuromorphic, processNanometers: nil, supplyVolts: nil,
            weightPrecision: .int(bits: 8), activationPrecision: .int(bits: 1), statePrecision: .int(bits: 16),
            energy: energy, energyKeys: energy.keys.sorted(), memoryLevels: [], dram: nil,
            cores: CoreLimits(count: 8, neuronsPerCore: 2, synapticMemoryBytesPerCore: nil, fanInPerNeuron: nil,
                              fanOutPerNeuron: nil, meshColumns: nil, meshRows: nil, coresPerChip: nil),
            staticPowerWatts: quantity(0.5), timePerStepSeconds: tick.map(quantity),
            timing: TimingConstants(synop: quantity(1e-9), neuronUpdateActive: quantity(2e-9), neuronUpdateIdle: quantity(1e-9),
                                    spikeSent: quantity(3e-9), barrier: quantity(10e-9), minStep: minStep.map(quantity)),
            sources: ["test"], file: "test-chip.yaml")
    }

    /// fc (4 outputs) → lif (4 neurons, 2 cores) → fc2 (1 output) → out (1 neuron), 2 samples of 5 steps.
    static func table() throws -> (LayerCountTable, LedgerLayout) {
        let layout = LedgerLayout(layers: [
            .init(name: "fc", kind: "Affine", isNeuronPopulation: false, emitsSpikes: false, elements: 4, footprint: nil, scaleValues: 0, spikeConsumers: 0),
            .init(name: "lif", kind: "LIF", isNeuronPopulation: true, emitsSpikes: true, elements: 4, footprint: nil, scaleValues: 0, spikeConsumers: 1),
            .init(name: "fc2", kind: "Affine", isNeuronPopulation: false, emitsSpikes: false, elements: 1, footprint: nil, scaleValues: 0, spikeConsumers: 0),
            .init(name: "out", kind: "LIF", isNeuronPopulation: true, emitsSpikes: true, elements: 1, footprint: nil, scaleValues: 0, spikeConsumers: 0),
        ])
        // Per sample (N = 2) and layer (L = 4), row-major.
        let counts = try LayerCountTable(layerNames: ["fc", "lif", "fc2", "out"], timesteps: 5, sampleCount: 2, perSample: [
            .synops: [40, 0, 6, 0, 60, 0, 10, 0],
            .neuronUpdates: [0, 20, 0, 5, 0, 20, 0, 5],
            .activeNeuronUpdates: [0, 10, 0, 2, 0, 14, 0, 4],
            .spikes: [0, 6, 0, 1, 0, 10, 0, 3],
        ])
        return (counts, layout)
    }

    @Test("the slowest core sets the step: work spread over the layer's cores, averaged over steps and samples, plus the barrier")
    func slowestCore() throws {
        let (counts, layout) = try Self.table()
        let timing = try #require(TimeModel.timing(counts, layout: layout, profile: Self.chip()))
        // fc: 100 synops × 1 ns over 2 cores and 10 sample-steps = 5 ns.
        // lif: (24 active × 2 + 16 idle × 1 + 16 spikes × 3) ns = 112 ns over 2 cores and 10 = 5.6 ns (the slowest).
        // fc2: 16 ns over 1 core = 1.6 ns. out: (6 × 2 + 4 × 1 + 4 × 3) = 28 ns / 10 = 2.8 ns.
        #expect(abs(timing.stepSeconds - (5.6e-9 + 10e-9)) < 1e-18)
        #expect(abs(timing.latencySeconds - 5 * 15.6e-9) < 1e-18)
        #expect(timing.basis.contains("lif"))
    }

    @Test("a measured system step and a fixed tick are floors under the cores' work")
    func floors() throws {
        let (counts, layout) = try Self.table()
        #expect(TimeModel.timing(counts, layout: layout, profile: Self.chip(minStep: 1e-6))?.stepSeconds == 1e-6)
        #expect(TimeModel.timing(counts, layout: layout, profile: Self.chip(minStep: 1e-6))?.basis.hasPrefix("system step") == true)
        #expect(TimeModel.timing(counts, layout: layout, profile: Self.chip(minStep: 1e-6, tick: 1e-3))?.stepSeconds == 1e-3)
        #expect(abs((TimeModel.timing(counts, layout: layout, profile: Self.chip(minStep: 1e-9))?.stepSeconds ?? 0) - 15.6e-9) < 1e-18)
    }

    @Test("static energy = static power × latency; step_fixed per step; one message per consuming node; power and EDP")
    func energies() throws {
        let (counts, layout) = try Self.table()
        let report = try EnergyLedger.price(counts, layout: layout, profile: Self.chip(minStep: 1e-6))
        let latency = 5e-6
        #expect(abs(report.latencyPerInferenceSeconds! - latency) < 1e-18)
        // 0.5 W × 5 µs = 2.5 µJ = 2.5e6 pJ per inference.
        #expect(abs(report.staticEnergyPerInferencePicojoules - 2.5e6) < 1e-6)
        #expect(abs(report.staticPicojoules - 5e6) < 1e-6)
        #expect(report.stepFixedPicojoules == 2 * 5 * 1000)
        let totals = report.totals
        #expect(totals[.stepFixed] == 10_000)
        // lif's 16 spikes reach one consuming node (fc2): 16 × 100 pJ; out's spikes have no consumer.
        #expect(totals[.axonMessages] == 1600)
        // Dynamic per inference by hand: synops 116 × 10, updates (24 + 6) active × 4 + (16 + 4) idle × 2 … over 2 samples.
        let compute: Double = 116 * 10 + 30 * 4 + 20 * 2
        let routing: Double = 20 * 1 + 1600
        let dynamic: Double = (compute + routing + 10_000) / 2
        #expect(abs(report.dynamicEnergyPerInferencePicojoules - dynamic) < 1e-9)
        #expect(abs(report.energyPerInferencePicojoules - (dynamic + 2.5e6)) < 1e-6)
        #expect(abs(report.averagePowerWatts! - (dynamic + 2.5e6) * 1e-12 / latency) < 1e-12)
        #expect(abs(report.energyDelayProductJouleSeconds! - (dynamic + 2.5e6) * 1e-12 * latency) < 1e-24)
        #expect(abs(report.throughputInferencesPerSecond! - 200_000) < 1e-6)
        // Per-sample figures carry the same fixed terms.
        #expect(report.perSamplePicojoules[.stepFixed] == [5000, 5000])
        #expect(abs(report.perSampleTotals.reduce(0, +) - report.totalPicojoules) < 1e-6)
    }

    @Test("a digital profile has no time model; TrueNorth's all-in power gives the whole-chip alternative and a regime note")
    func allInAndDigital() throws {
        let (counts, layout) = try Self.table()
        let digital = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("horowitz-45nm-fp32"))
        #expect(digital.timing == nil && digital.averagePowerWatts == nil)
        let trueNorth = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("truenorth"))
        #expect(trueNorth.latencyPerInferenceSeconds == 5e-3)  // 5 ticks of 1 ms
        #expect(trueNorth.staticPicojoules == 0)  // the 65 mW is all-in: never added to the 26 pJ events
        // 65 mW × 5 ms = 325 µJ.
        #expect(abs((trueNorth.powerBasedPicojoulesPerInference ?? 0) - 3.25e8) < 1e-3)
        #expect(trueNorth.notes.contains { $0.hasPrefix("regime:") })
    }

    @Test("the profile's timing section is parsed, and an unknown key names the file and suggests the right one")
    func parsing() throws {
        let loihi = try ProfileLibrary.load("loihi")
        #expect(loihi.timing.synop?.value == 4.0e-9 && loihi.timing.minStep?.value == 338e-6)
        #expect(loihi.constants.stepFixed?.picojoules == 23_660_000 && loihi.constants.axonMessage?.picojoules == 111)
        let presilicon = try ProfileLibrary.load("loihi-presilicon")
        #expect(presilicon.constants.synop?.picojoules == 23.6 && presilicon.timing.minStep == nil && presilicon.constants.stepFixed == nil)
        let text = try String(contentsOfFile: RepositoryPaths.root.appendingPathComponent("HardwareProfiles/loihi.yaml").path, encoding: .utf8)
        let broken = text.replacingOccurrences(of: "  synop_s:", with: "  synops_s:")
        let path = try Fixtures.scratchDirectory().appendingPathComponent("broken-timing.yaml").path
        try broken.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try ProfileLibrary.load(path)
            Issue.record("an unknown timing key must be refused")
        } catch {
            let message = "\(error)"
            #expect(message.contains("broken-timing.yaml") && message.contains("synops_s") && message.contains("synop_s"), "\(message)")
        }
    }
}
