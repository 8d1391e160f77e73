import Foundation
import NeuroCost
import Testing

/// Disputed constants carried as low and high bounds (the estimate as a range), host injection and read-out, and the
/// regime notes of fitted or all-in constants used far from their calibration point; checked by hand on the tiny
/// count table of TimeModelTests.
@Suite struct RangeAndRegimeTests {
    static func bound(_ value: Double) -> ConstantBound { ConstantBound(value: value, evidence: "estimated", source: "other paper", note: nil) }

    /// TimeModelTests' chip with a disputed synop (10 pJ, low 2 pJ) and static power (0.5 W, high 2 W), and any extra
    /// constants.
    static func disputedChip(extra: [String: EnergyConstant] = [:]) -> HardwareProfile {
        let base = TimeModelTests.chip()
        var energy = base.energy
        energy["synop"] = EnergyConstant(picojoules: 10, scope: .marginal, evidence: "estimated", source: "test", note: nil, low: bound(2))
        for (key, constant) in extra { energy[key] = constant }
        return HardwareProfile(
            name: base.name, description: base.description, kind: base.kind, processNanometers: nil, supplyVolts: nil,
            weightPrecision: base.weightPrecision, activationPrecision: base.activationPrecision, statePrecision: base.statePrecision,
            energy: energy, energyKeys: energy.keys.sorted(), memoryLevels: [], dram: nil, cores: base.cores,
            staticPowerWatts: ProfileQuantity(value: 0.5, scope: .marginal, evidence: "estimated", source: "test", note: nil, high: bound(2)),
            timePerStepSeconds: nil, timing: base.timing, sources: ["test"], file: "test-chip.yaml")
    }

    @Test("a disputed constant prices the same counts at its low and its high source: the estimate as a range")
    func rangeByHand() throws {
        let (counts, layout) = try TimeModelTests.table()
        let report = try EnergyLedger.price(counts, layout: layout, profile: Self.disputedChip())
        let range = try #require(report.range)
        #expect(range.fields == ["energy.synop", "static_power_w"])
        // 116 synops over 2 samples = 58 per sample; low end: synop 2 pJ instead of 10 (−464 pJ), static unchanged.
        let latency = try #require(report.latencyPerInferenceSeconds)
        #expect(abs(range.lowPicojoulesPerInference - (report.energyPerInferencePicojoules - 58 * 8)) < 1e-6)
        // High end: synop at its nominal 10 pJ (no high bound), static 2 W instead of 0.5 W.
        #expect(abs(range.highPicojoulesPerInference - (report.energyPerInferencePicojoules + 1.5 * latency * 1e12)) < 1e-3)
        #expect(range.lowDynamicPicojoulesPerInference < report.dynamicEnergyPerInferencePicojoules)
        #expect(abs(range.highDynamicPicojoulesPerInference - report.dynamicEnergyPerInferencePicojoules) < 1e-6)
        #expect(report.notes.contains { $0.hasPrefix("range:") })
        // Without bounds there is no range.
        #expect(try EnergyLedger.price(counts, layout: layout, profile: TimeModelTests.chip()).range == nil)
    }

    @Test("a bound on the wrong side of the nominal value is refused, naming the field")
    func boundSide() throws {
        let text = try String(contentsOfFile: ProfileLibrary.bundledDirectory()! + "/spinnaker2.yaml", encoding: .utf8)
        let wrong = text.replacingOccurrences(of: "      pJ: 10\n", with: "      pJ: 900\n")
        #expect(wrong != text)
        do {
            _ = try ProfileLibrary.parse(yaml: wrong, file: "spinnaker2-wrong.yaml")
            Issue.record("a low bound above the nominal value was accepted")
        } catch {
            #expect("\(error)".contains("energy.synop.low.pJ") && "\(error)".contains("below the nominal value"), "\(error)")
        }
    }

    @Test("the bundled disputes: SpiNNaker 2's synop 10 – 450 pJ, Loihi's static power 29 – 104 mW")
    func bundledRanges() throws {
        let spinnaker2 = try ProfileLibrary.load("spinnaker2")
        #expect(spinnaker2.energy["synop"]?.low?.value == 10 && spinnaker2.energy["synop"]?.picojoules == 450)
        #expect(spinnaker2.rangedFields == ["energy.synop"])
        let loihi = try ProfileLibrary.load("loihi")
        #expect(loihi.staticPowerWatts?.high?.value == 0.104 && loihi.rangedFields == ["static_power_w"])
        #expect(try ProfileLibrary.load("loihi-presilicon").staticPowerWatts?.low?.value == 0.029)
        #expect(try ProfileLibrary.load("truenorth").rangedFields == ["energy.synop", "static_power_w"])
    }

    @Test("host read-out per output spike, host injection per input spike the caller counts; unpublished: a note, not zero")
    func hostIO() throws {
        let (counts, layout) = try TimeModelTests.table()
        let readOut = EnergyConstant(picojoules: 50, scope: .marginal, evidence: "estimated", source: "test", note: nil)
        let inject = EnergyConstant(picojoules: 20, scope: .marginal, evidence: "estimated", source: "test", note: nil)
        let profile = Self.disputedChip(extra: ["host_output_spike": readOut, "host_input_spike": inject])
        let report = try EnergyLedger.price(counts, layout: layout, profile: profile,
                                            options: LedgerOptions(hostInputSpikesPerSample: [7, 9]))
        // `out` is the only spiking layer no node reads: 1 + 3 spikes × 50 pJ; inputs (7 + 9) × 20 pJ.
        #expect(report.totals[.hostOutput] == 200)
        #expect(report.perSamplePicojoules[.hostOutput] == [50, 150])
        #expect(report.totals[.hostInput] == 320 && report.perSamplePicojoules[.hostInput] == [140, 180])
        #expect(report.layers.first { $0.name == "out" }?.picojoules[.hostOutput] == 200)
        #expect(!report.notes.contains { $0.hasPrefix("not priced (unknown, not zero)") })
        // The input counts must match the samples.
        #expect(throws: LedgerError.self) {
            _ = try EnergyLedger.price(counts, layout: layout, profile: profile, options: LedgerOptions(hostInputSpikesPerSample: [1]))
        }
        // Unpublished (every bundled chip today): neither term is priced, and the note says so.
        let plain = try EnergyLedger.price(counts, layout: layout, profile: TimeModelTests.chip())
        #expect(plain.totals[.hostInput] == 0 && plain.totals[.hostOutput] == 0)
        #expect(plain.notes.contains { $0.contains("read-out of output spikes") && $0.contains("host injection of input spikes") })
    }

    @Test("regime: far from the calibration network a note names the fitted constants and prints the power-based alternative")
    func regimeByHand() throws {
        let (counts, layout) = try TimeModelTests.table()
        var profile = TimeModelTests.chip()
        // The table has 5 neurons firing 20 spikes over 50 neuron-steps (2 samples of 5 steps): 0.4 per neuron per step.
        profile.calibration = CalibrationPoint(fields: ["energy.step_fixed"], neurons: 5, spikesPerNeuronPerStep: 0.4,
                                               power: TimeModelTests.quantity(0.25), source: "test point", note: nil)
        #expect(!(try EnergyLedger.price(counts, layout: layout, profile: profile)).notes.contains { $0.hasPrefix("regime:") })
        profile.calibration = CalibrationPoint(fields: ["energy.step_fixed"], neurons: 100, spikesPerNeuronPerStep: nil,
                                               power: TimeModelTests.quantity(0.25), source: "test point", note: nil)
        let far = try EnergyLedger.price(counts, layout: layout, profile: profile)
        let note = try #require(far.notes.first { $0.hasPrefix("regime:") })
        #expect(note.contains("5 neurons against 100") && note.contains("energy.step_fixed"))
        let latency = try #require(far.latencyPerInferenceSeconds)
        #expect(abs((far.powerBasedPicojoulesPerInference ?? 0) - 0.25 * latency * 1e12) < 1e-6)
        profile.calibration = CalibrationPoint(fields: ["energy.synop"], neurons: 5, spikesPerNeuronPerStep: 0.05,
                                               power: nil, source: "test point", note: nil)
        let hot = try EnergyLedger.price(counts, layout: layout, profile: profile)
        #expect(hot.notes.contains { $0.hasPrefix("regime:") && $0.contains("0.4 spikes per neuron per step against 0.05")
            && $0.contains("no power-based alternative") })
    }
}
