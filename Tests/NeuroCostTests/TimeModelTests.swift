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
    static func chip(minStep: Double? = nil, tick: Double? = nil, host: HostLoopConstants = HostLoopConstants()) -> HardwareProfile {
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
            host: host, sources: ["test"], file: "test-chip.yaml")
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

    @Test("the host loop (fixed part + per core receiving host input) is a floor; without a count it takes the first population's cores")
    func hostLoop() throws {
        let (counts, layout) = try Self.table()
        let host = HostLoopConstants(loop: Self.quantity(1e-6), inputCore: Self.quantity(0.5e-6))
        let chip = Self.chip(host: host)
        // 1 µs + 3 cores × 0.5 µs = 2.5 µs, longer than the cores' 15.6 ns.
        let three = try #require(TimeModel.timing(counts, layout: layout, profile: chip, hostInputCores: 3))
        #expect(abs(three.stepSeconds - 2.5e-6) < 1e-18 && three.hostInputCores == 3)
        #expect(three.basis.hasPrefix("host loop, 3 input cores"))
        // Default: lif, the first population, has 4 neurons on 2-neuron cores: 2 cores, 2 µs.
        let byDefault = try #require(TimeModel.timing(counts, layout: layout, profile: chip))
        #expect(abs(byDefault.stepSeconds - 2e-6) < 1e-18 && byDefault.hostInputCores == 2)
        // A fixed tick longer than the loop wins; a loop shorter than the cores' work does not set the step.
        #expect(TimeModel.timing(counts, layout: layout, profile: Self.chip(tick: 1e-3, host: host), hostInputCores: 3)?.stepSeconds == 1e-3)
        let quick = Self.chip(host: HostLoopConstants(loop: Self.quantity(1e-9)))
        #expect(abs((TimeModel.timing(counts, layout: layout, profile: quick)?.stepSeconds ?? 0) - 15.6e-9) < 1e-18)
        // No time model without the loop: a profile with only a host loop still has one.
        #expect(Self.chip().host.isEmpty && host.stepSeconds(inputCores: 0) == 1e-6)
    }

    @Test("management-core power × latency joins the per-step system term; the cores receiving host input must be at least 1")
    func managementPower() throws {
        let (counts, layout) = try Self.table()
        let host = HostLoopConstants(loop: Self.quantity(1e-6), inputCore: Self.quantity(0.5e-6), managementPower: Self.quantity(0.07))
        let report = try EnergyLedger.price(counts, layout: layout, profile: Self.chip(host: host),
                                            options: LedgerOptions(hostInputCores: 4))
        // Step 1 + 4 × 0.5 = 3 µs, 5 steps: 15 µs per inference; 0.07 W × 15 µs = 1.05 µJ = 1.05e6 pJ per inference, plus
        // step_fixed's 5 × 1000 pJ.
        #expect(abs(report.latencyPerInferenceSeconds! - 15e-6) < 1e-18)
        let management: Double = 1.05e6 + 5000
        #expect(abs(report.perSamplePicojoules[.stepFixed]![0] - management) < 1e-6)
        #expect(abs(report.stepFixedPicojoules - 2 * management) < 1e-6)
        #expect(report.constantsUsed.contains { $0.field == "host.management_power_w × latency" })
        // Twice the input cores, a longer step, proportionally more management energy.
        let wider = try EnergyLedger.price(counts, layout: layout, profile: Self.chip(host: host), options: LedgerOptions(hostInputCores: 10))
        // Step 1 + 10 × 0.5 = 6 µs, 30 µs per inference: 0.07 W × 30 µs = 2.1e6 pJ.
        let widerManagement: Double = 2.1e6 + 5000
        #expect(abs(wider.perSamplePicojoules[.stepFixed]![0] - widerManagement) < 1e-6)
        #expect(throws: LedgerError.self) {
            try EnergyLedger.price(counts, layout: layout, profile: Self.chip(host: host), options: LedgerOptions(hostInputCores: 0))
        }
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

    @Test("a digital profile has no time model; an all-in power gives the whole-chip alternative and a regime note")
    func allInAndDigital() throws {
        let (counts, layout) = try Self.table()
        let digital = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("horowitz-45nm-fp32"))
        #expect(digital.timing == nil && digital.averagePowerWatts == nil)
        let allIn = try EnergyLedger.price(counts, layout: layout, profile: ValidationTests.allInTrueNorth())
        #expect(allIn.latencyPerInferenceSeconds == 5e-3)  // 5 ticks of 1 ms
        #expect(allIn.staticPicojoules == 0)  // a 65 mW all-in power is never added to 26 pJ all-in events
        // 65 mW × 5 ms = 325 µJ.
        #expect(abs((allIn.powerBasedPicojoulesPerInference ?? 0) - 3.25e8) < 1e-3)
        #expect(allIn.notes.contains { $0.hasPrefix("regime:") })
    }

    @Test("TrueNorth: passive power per chip × chips × latency, neuron updates inside it, events and hops marginal")
    func passivePowerPerChip() throws {
        let (counts, layout) = try Self.table()
        let trueNorth = try ProfileLibrary.load("truenorth")
        let report = try EnergyLedger.price(counts, layout: layout, profile: trueNorth)
        #expect(report.latencyPerInferenceSeconds == 5e-3)
        // 42 mW × 1 chip × 5 ms = 210 µJ per inference, over 2 samples.
        #expect(abs(report.staticPicojoules - 2 * 0.042 * 5e-3 * 1e12) < 1e-3)
        #expect(abs(report.totals[.synops]! - Double(counts.total(.synops)) * 2.5) < 1e-9)
        #expect((report.totals[.neuronUpdates] ?? 0) == 0)
        #expect(report.notes.contains { $0.contains("chips taken as the neurons' share of a chip") })
        // A mapping's chip count multiplies the passive power; hops are priced at 2.3 pJ.
        let mapped = try EnergyLedger.price(counts, layout: layout, profile: trueNorth,
                                            options: LedgerOptions(routerHops: [layout.layers.first { $0.emitsSpikes }!.name: 10], chips: 3))
        #expect(abs(mapped.staticPicojoules - 3 * report.staticPicojoules) < 1e-3)
        #expect(abs(mapped.totals[.routerHops]! - 23) < 1e-9)
        #expect(mapped.notes.contains { $0.contains("× 3 chips × latency (chips from the mapping)") })
        #expect(throws: LedgerError.self) { try EnergyLedger.price(counts, layout: layout, profile: trueNorth, options: LedgerOptions(chips: 0)) }
        // Without a mapping, the neurons' share of a 1,048,576-neuron chip, rounded up.
        let big = LedgerLayout(layers: [.init(name: "n", kind: "LIF", isNeuronPopulation: true, emitsSpikes: true, elements: 2_100_000,
                                              footprint: nil, scaleValues: 0, spikeConsumers: 0)])
        #expect(EnergyLedger.defaultChips(big, profile: trueNorth) == 3)
        // A system's static power (Loihi's measured idle) is charged once, not per chip.
        let loihi = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("loihi"), options: LedgerOptions(chips: 3))
        let latency = try #require(loihi.latencyPerInferenceSeconds)
        #expect(abs(loihi.staticEnergyPerInferencePicojoules - 0.029 * latency * 1e12) < 1e-3)
    }

    @Test("the profile's timing section is parsed, and an unknown key names the file and suggests the right one")
    func parsing() throws {
        let loihi = try ProfileLibrary.load("loihi")
        #expect(loihi.timing.synop?.value == 4.0e-9 && loihi.timing.minStep == nil && loihi.constants.stepFixed == nil)
        #expect(loihi.host.loop?.value == 185.7e-6 && loihi.host.inputCore?.value == 76.15e-6 && loihi.host.managementPower?.value == 0.070)
        // 185.7 + 2 × 76.15 = 338 µs: the keyword spotter's step with its input on 2 cores.
        #expect(abs((loihi.host.stepSeconds(inputCores: 2) ?? 0) - 338e-6) < 1e-9)
        #expect(loihi.constants.axonMessage?.picojoules == 111)
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
        let brokenHost = text.replacingOccurrences(of: "  input_core_s:", with: "  input_cores_s:")
        let hostPath = try Fixtures.scratchDirectory().appendingPathComponent("broken-host.yaml").path
        try brokenHost.write(toFile: hostPath, atomically: true, encoding: .utf8)
        do {
            _ = try ProfileLibrary.load(hostPath)
            Issue.record("an unknown host key must be refused")
        } catch {
            let message = "\(error)"
            #expect(message.contains("broken-host.yaml") && message.contains("input_cores_s"), "\(message)")
        }
    }
}
