import Foundation
import NeuroCost
import Testing

/// The small version of docs/validation.md: published silicon measurements against NeuroCost's estimate of a network of
/// the published size with the published steps, its activity swept where unpublished. Each row says whether the
/// measurement FITTED a profile constant (then it checks only that the fit is kept) or is HELD OUT (then it is the
/// evidence).
@Suite struct ValidationTests {
    /// One dense layer of a rebuilt network: `size` neurons reading `fanIn` spiking inputs, read by `consumers` nodes.
    struct DenseLayer {
        let name: String
        let size: Int
        let fanIn: Int
        let consumers: Int
    }

    /// Counts per inference of dense layers (an Affine and a LIF each) where every layer, input included, fires with
    /// probability `rate` per step, counted as the simulator counts a dense network: synops = input spikes × fan-out,
    /// and every update active (at these rates every neuron receives input every step).
    static func dense(_ spec: [DenseLayer], rate: Double, steps: Int = 10) throws -> (LayerCountTable, LedgerLayout) {
        var names: [String] = [], layers: [LedgerLayout.Layer] = []
        var synops: [Int] = [], updates: [Int] = [], spikes: [Int] = []
        for layer in spec {
            names += ["fc_" + layer.name, "lif_" + layer.name]
            layers.append(.init(name: "fc_" + layer.name, kind: "Affine", isNeuronPopulation: false, emitsSpikes: false,
                                elements: layer.size, footprint: nil, scaleValues: 0, spikeConsumers: 0))
            layers.append(.init(name: "lif_" + layer.name, kind: "LIF", isNeuronPopulation: true, emitsSpikes: true,
                                elements: layer.size, footprint: nil, scaleValues: 0, spikeConsumers: layer.consumers))
            synops += [Int((Double(layer.fanIn) * rate).rounded()) * layer.size * steps, 0]
            updates += [0, layer.size * steps]
            spikes += [0, Int((Double(layer.size) * rate * Double(steps)).rounded())]
        }
        let counts = try LayerCountTable(layerNames: names, timesteps: steps, sampleCount: 1, perSample: [
            .synops: synops, .neuronUpdates: updates, .activeNeuronUpdates: updates, .spikes: spikes])
        return (counts, LedgerLayout(layers: layers))
    }

    /// Blouw et al. 2019's keyword spotter, 390 → 256 → 256 → 29 dense, 10 steps, every layer firing with probability
    /// `rate` per step (unpublished, swept).
    static func keywordSpotter(rate: Double) throws -> (LayerCountTable, LedgerLayout) {
        try dense([DenseLayer(name: "1", size: 256, fanIn: 390, consumers: 1), DenseLayer(name: "2", size: 256, fanIn: 256, consumers: 1),
                   DenseLayer(name: "3", size: 29, fanIn: 256, consumers: 0)], rate: rate)
    }

    /// The scaled network of Blouw et al. 2019's Fig. 5 (abr/power_benchmarks `models.py`, `ScaledModel`): 390 inputs →
    /// 256 → `copies` parallel branches of `layers` layers of 256 → 256 (reading all branches) → 29. No copies is the
    /// keyword spotter's shape.
    static func scaledNetwork(copies: Int, layers: Int, rate: Double) throws -> (LayerCountTable, LedgerLayout) {
        var spec = [DenseLayer(name: "in", size: 256, fanIn: 390, consumers: max(copies, 1))]
        for copy in 0..<copies {
            for layer in 0..<layers { spec.append(DenseLayer(name: "c\(copy)l\(layer)", size: 256, fanIn: 256, consumers: 1)) }
        }
        spec.append(DenseLayer(name: "out", size: 256, fanIn: 256 * max(copies, 1), consumers: 1))
        spec.append(DenseLayer(name: "chars", size: 29, fanIn: 256, consumers: 0))
        return try dense(spec, rate: rate)
    }

    /// Blouw et al.'s scaled runs on Loihi, from the raw logs of abr/power_benchmarks (commit fce95c86,
    /// `logs/running/loihi_I08O08C<copies>L<layers>_run0[1-3]`, 2000 inferences of 10 steps each, idle 29.5 mW averaged
    /// over `logs/idle/loihi*`, the paper's `analysis.py` method): copies → (inferences/s, dynamic µJ per inference).
    static let scaledMeasurements: [Int: (inferencesPerSecond: Double, dynamicMicrojoules: Double)] = [
        0: (125.8, 619.5), 1: (114.7, 683.4), 2: (114.4, 703.4), 4: (114.3, 734.5), 6: (114.3, 767.7), 8: (114.0, 801.5), 10: (114.0, 835.7)]

    /// Cores receiving host input in Blouw et al.'s runs: the keyword spotter's input layer on 2 cores, the scaled
    /// runs' on 8 (the paper's text; `n_sub_ens_inp` in the logs).
    static let keywordSpotterInput = LedgerOptions(hostInputCores: 2)
    static let scaledInput = LedgerOptions(hostInputCores: 8)

    @Test("Loihi, Blouw et al. 2019 (FITTED): 296 inferences/s and about 270 µJ dynamic per inference are kept", arguments: [0.05, 0.1, 0.2])
    func blouwFitted(rate: Double) throws {
        let (counts, layout) = try Self.keywordSpotter(rate: rate)
        let report = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("loihi"), options: Self.keywordSpotterInput)
        let throughput = try #require(report.throughputInferencesPerSecond)
        #expect(abs(throughput / 296 - 1) < 0.01, "\(throughput) inferences/s")
        let ratio = report.dynamicEnergyPerInferencePicojoules / 270e6
        #expect(ratio > 0.8 && ratio < 1.25, "dynamic \(report.dynamicEnergyPerInferencePicojoules) pJ, ratio \(ratio)")
        // 29 mW idle over 3.38 ms.
        #expect(abs(report.staticEnergyPerInferencePicojoules / (0.029 * 10 * 338e-6 * 1e12) - 1) < 0.01)
    }

    @Test("Loihi without the input layout (no mapping): the host loop takes the first population's 1 core and says so")
    func blouwWithoutLayout() throws {
        let (counts, layout) = try Self.keywordSpotter(rate: 0.1)
        let report = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("loihi"))
        // 256 neurons on 1,024-neuron cores: 185.7 + 76.15 µs = 261.85 µs a step, 382 inferences/s (1.29× the measured).
        #expect(abs(try #require(report.throughputInferencesPerSecond) - 1 / (10 * 261.85e-6)) < 0.5)
        #expect(report.notes.contains { $0.hasPrefix("host loop: cores receiving host input taken as 1") })
    }

    @Test("Loihi, Blouw et al. 2019 neurocores (HELD OUT, a bound): SANA-FE's costs stay under the ≤ 11 mW (≤ 37 µJ) left to the neurocores",
          arguments: [0.02, 0.1, 0.4])
    func blouwNeurocores(rate: Double) throws {
        let (counts, layout) = try Self.keywordSpotter(rate: rate)
        let report = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("loihi"), options: Self.keywordSpotterInput)
        let neurocores = report.dynamicEnergyPerInferencePicojoules - report.stepFixedPicojoules
        #expect(neurocores > 0 && neurocores <= 37e6, "\(neurocores) pJ")
    }

    /// One tick of a full TrueNorth chip: 1,048,576 neurons firing with probability `rate` per 1 ms tick, `synapses`
    /// active synapses each.
    static func fullTrueNorthChip(rate: Double, synapses: Double = 128) throws -> (LayerCountTable, LedgerLayout) {
        let neurons = 1_048_576
        let layout = LedgerLayout(layers: [
            .init(name: "crossbar", kind: "Affine", isNeuronPopulation: false, emitsSpikes: false, elements: neurons, footprint: nil, scaleValues: 0, spikeConsumers: 0),
            .init(name: "neurons", kind: "LIF", isNeuronPopulation: true, emitsSpikes: true, elements: neurons, footprint: nil, scaleValues: 0, spikeConsumers: 1),
        ])
        let events = Int((Double(neurons) * rate * synapses).rounded())
        let counts = try LayerCountTable(layerNames: ["crossbar", "neurons"], timesteps: 1, sampleCount: 1, perSample: [
            .synops: [events, 0], .neuronUpdates: [0, neurons], .spikes: [0, Int(Double(neurons) * rate)]])
        return (counts, layout)
    }

    /// TrueNorth priced the former way, for the "before" column: the 26 pJ all-in figure alone (`x_synop_all_in`),
    /// the 65 mW typical chip power as the all-in alternative, calibrated at Merolla et al.'s full chip at 20 Hz.
    static func allInTrueNorth() throws -> HardwareProfile {
        let trueNorth = try ProfileLibrary.load("truenorth")
        var profile = HardwareProfile(
            name: "truenorth-all-in", description: "TrueNorth priced with the all-in 26 pJ per synaptic event alone", kind: .neuromorphic,
            processNanometers: 28, supplyVolts: 0.775, weightPrecision: trueNorth.weightPrecision,
            activationPrecision: trueNorth.activationPrecision, statePrecision: trueNorth.statePrecision,
            energy: ["synop": try trueNorth.constant("x_synop_all_in")], energyKeys: ["synop"], memoryLevels: [], dram: nil,
            cores: trueNorth.cores,
            staticPowerWatts: ProfileQuantity(value: 0.065, scope: .allIn, evidence: "measured (PRI)",
                                              source: "Akopyan et al., IEEE TCAD 34(10), 2015 (title)", note: nil),
            timePerStepSeconds: trueNorth.timePerStepSeconds, sources: trueNorth.sources, file: "truenorth-all-in (test)")
        profile.calibration = CalibrationPoint(fields: ["energy.synop"], neurons: 1_048_576, spikesPerNeuronPerStep: 0.02, power: nil,
                                               source: "Merolla et al. 2014: the full chip at 20 Hz with 128 active synapses, 72 mW", note: nil)
        return profile
    }

    /// The 0.8 V sweep as far as the quoted ratios rebuild it (energy-anchors §1H, a third-party reading): the all-in
    /// 26 pJ gives 0.59 of the measured power at 11.6 Hz and 3.56 at 96 Hz. With the same synapses per spike at both
    /// rates, P = P₀ + e × events fixes e and the events per second at 96 Hz as a multiple of P₀; P₀ is taken as the
    /// 42 mW zero-activity power of the same reading. Returns (rate, synapses per spike, measured watts) per point.
    static func sweepPoints(zeroActivityWatts: Double = 0.042) -> [(rate: Double, synapses: Double, watts: Double)] {
        let (slow, fast) = ((hertz: 11.6, ratio: 0.59), (hertz: 96.0, ratio: 3.56))
        let share = slow.hertz / fast.hertz  // events at 11.6 Hz per event at 96 Hz
        // Per event at 96 Hz, in pJ: P(96) and P(11.6) from the ratios, then the slope e and the intercept P₀.
        let fastPower = 26 / fast.ratio, slowPower = 26 * share / slow.ratio
        let slope = (fastPower - slowPower) / (1 - share)
        let intercept = slowPower - slope * share
        let fastEvents = zeroActivityWatts * 1e12 / intercept  // events per second at 96 Hz
        let synapses = fastEvents / (1_048_576 * fast.hertz)
        return [(slow.hertz / 1000, synapses, zeroActivityWatts + slope * fastEvents * share * 1e-12),
                (fast.hertz / 1000, synapses, zeroActivityWatts + slope * fastEvents * 1e-12)]
    }

    @Test("TrueNorth, Merolla et al. 2014's 72 mW at 20 Hz (HELD OUT now): passive 42 mW + 2.5 pJ per event gives 0.68, the range's high end 1.32; the former all-in figure, fitted there, 0.97")
    func merollaPoint() throws {
        // 20 Hz is 0.02 spikes per 1 ms tick.
        let (counts, layout) = try Self.fullTrueNorthChip(rate: 0.02)
        let report = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("truenorth"))
        let power = try #require(report.averagePowerWatts)
        // 42 mW + 2,684,355 events per ms × 2.5 pJ = 48.7 mW.
        #expect(abs(power - (0.042 + 2_684_355 * 2.5e-12 / 1e-3)) < 1e-9, "\(power) W")
        #expect((0.65...0.70).contains(power / 0.072), "ratio \(power / 0.072)")
        // High end: 65 mW + 11.2 pJ per event = 95.1 mW (1.32×); that end's 11.2 pJ was derived from this point.
        let high = try #require(report.range).highPicojoulesPerInference * 1e-12 / 1e-3
        #expect((1.28...1.36).contains(high / 0.072), "high end \(high) W")
        #expect(report.notes.contains { $0.hasPrefix("neuron updates are inside the static power") })
        #expect(report.totals[.neuronUpdates] == nil || report.totals[.neuronUpdates] == 0)
        let before = try EnergyLedger.price(counts, layout: layout, profile: Self.allInTrueNorth())
        #expect(abs(try #require(before.averagePowerWatts) / 0.072 - 1) < 0.05)
        #expect(!before.notes.contains { $0.hasPrefix("regime:") })  // a full chip is the all-in figure's calibration regime
    }

    @Test("TrueNorth, the 0.8 V sweep (HELD OUT, rebuilt from the quoted ratios): 1.01 at 11.6 Hz and 1.03 at 96 Hz, where the all-in figure gave 0.59 and 3.56")
    func trueNorthSweep() throws {
        let trueNorth = try ProfileLibrary.load("truenorth")
        let points = Self.sweepPoints()
        // About 83 synapses per spike if the sweep's zero-activity power is 42 mW.
        #expect((82...84).contains(points[0].synapses), "\(points[0].synapses) synapses per spike")
        let bands: [(nominal: ClosedRange<Double>, high: ClosedRange<Double>, quoted: Double)] = [
            (0.97...1.04, 1.65...1.80, 0.59), (1.0...1.07, 2.5...2.7, 3.56)]
        for (point, band) in zip(points, bands) {
            let (counts, layout) = try Self.fullTrueNorthChip(rate: point.rate, synapses: point.synapses)
            let report = try EnergyLedger.price(counts, layout: layout, profile: trueNorth)
            let ratio: Double = try #require(report.averagePowerWatts) / point.watts
            #expect(band.nominal.contains(ratio), "\(point.rate * 1000) Hz: ratio \(ratio)")
            // The range's high end (65 mW, 11.2 pJ) fails 2× at 96 Hz: reported, not hidden.
            let highPicojoules: Double = try #require(report.range).highPicojoulesPerInference
            let high: Double = highPicojoules * 1e-12 / 1e-3 / point.watts
            #expect(band.high.contains(high), "\(point.rate * 1000) Hz: high end \(high)")
            // The former all-in figure reproduces the quoted ratios (a check of the rebuild).
            let before = try EnergyLedger.price(counts, layout: layout, profile: Self.allInTrueNorth())
            let beforeRatio: Double = try #require(before.averagePowerWatts) / point.watts
            #expect(abs(beforeRatio / band.quoted - 1) < 0.01, "before: \(beforeRatio)")
        }
    }

    @Test("TrueNorth, the sweep's ratios depend on its unretrieved zero-activity power: within 2× for any P₀ from 22 to 88 mW (the 42 mW passive power against the sweep's own)")
    func trueNorthSweepSensitivity() throws {
        let trueNorth = try ProfileLibrary.load("truenorth")
        for watts in [0.022, 0.042, 0.065, 0.088] {
            for point in Self.sweepPoints(zeroActivityWatts: watts) {
                let (counts, layout) = try Self.fullTrueNorthChip(rate: point.rate, synapses: point.synapses)
                let ratio = try #require(try EnergyLedger.price(counts, layout: layout, profile: trueNorth).averagePowerWatts) / point.watts
                #expect(ratio > 0.5 && ratio < 2, "P₀ = \(watts) W, \(point.rate * 1000) Hz: ratio \(ratio)")
            }
        }
    }

    @Test("TrueNorth, a small network pays a whole chip's passive power: the keyword spotter's 10 ticks cost 42 mW × 10 ms, not the all-in 0.9–18 µJ")
    func trueNorthSmallNetwork() throws {
        let (counts, layout) = try Self.keywordSpotter(rate: 0.1)
        let report = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("truenorth"))
        #expect(abs(report.staticEnergyPerInferencePicojoules - 0.042 * 10e-3 * 1e12) < 1)
        #expect(abs(report.dynamicEnergyPerInferencePicojoules - Double(counts.total(.synops)) * 2.5) < 1e-6)
        #expect(report.notes.contains { $0.hasPrefix("static power is per chip: 0.042 W × 1 chip") })
        let before = try EnergyLedger.price(counts, layout: layout, profile: Self.allInTrueNorth())
        #expect(report.energyPerInferencePicojoules / before.energyPerInferencePicojoules > 90)
        #expect(before.notes.contains { $0.hasPrefix("regime:") })
    }

    @Test("TrueNorth through a run: the mapping's chips set the passive power (42 mW × chips × ticks), the events and hops add to it")
    func trueNorthRunUsesMappedChips() throws {
        let network = try NIRReader.read(path: RepositoryPaths.root.appendingPathComponent("Datasets/networks/digits-snn-sparse90.nir").path).network
        let plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 4, encoding: .poisson))
        let run = try SimulationRunner.run(plan: plan, dataset: SampleDataset(path: ConversionTests.test), range: 0..<2, countSpikesPerNeuron: true)
        let (report, mapping) = try RunPricer.price(run, plan: plan, profile: ProfileLibrary.load("truenorth"))
        let chips = try #require(mapping).chipsNeeded
        #expect(chips >= 1)
        #expect(abs(report.staticEnergyPerInferencePicojoules - 0.042 * Double(chips) * 4e-3 * 1e12) < 1)
        #expect(report.notes.contains { $0.contains("× \(chips) chip") && $0.contains("(chips from the mapping)") })
        #expect(report.totals[.routerHops, default: 0] > 0 && report.totals[.synops, default: 0] > 0)
    }

    @Test("Loihi, Blouw et al.'s scaled network C = 0 (FITTED: host.input_core_s): its 125.8 inferences/s is kept; its energy checks only power × time",
          arguments: [0.02, 0.1, 0.4])
    func blouwScaledFitted(rate: Double) throws {
        let measured = try #require(Self.scaledMeasurements[0])
        let (counts, layout) = try Self.scaledNetwork(copies: 0, layers: 0, rate: rate)
        let report = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("loihi"), options: Self.scaledInput)
        let throughput = try #require(report.throughputInferencesPerSecond)
        #expect(abs(throughput / measured.inferencesPerSecond - 1) < 0.01, "\(throughput) inferences/s")
        // 70 mW (attributed on the keyword spotter) × the fitted 7.95 ms + the neurocores: 0.90–0.94 of 619.5 µJ.
        let ratio = report.dynamicEnergyPerInferencePicojoules / (measured.dynamicMicrojoules * 1e6)
        #expect(ratio > 0.88 && ratio < 0.96, "ratio \(ratio)")
    }

    @Test("Loihi, Blouw et al.'s scaled networks C = 1–10 (HELD OUT): within 2× — energy 0.75–0.83 (p = 0.02) and 0.86–1.01 (p = 0.1), throughput 1.10×",
          arguments: [1, 2, 4, 6, 8, 10])
    func blouwScaledHeldOut(copies: Int) throws {
        let measured = try #require(Self.scaledMeasurements[copies])
        let loihi = try ProfileLibrary.load("loihi")
        // Before the host loop (a fixed 23.66 µJ and 338 µs per step) these were 0.36–0.37 and 2.3–2.6×.
        for (rate, band) in [(0.02, 0.72...0.86), (0.1, 0.83...1.05)] {
            let (counts, layout) = try Self.scaledNetwork(copies: copies, layers: 10, rate: rate)
            let report = try EnergyLedger.price(counts, layout: layout, profile: loihi, options: Self.scaledInput)
            let ratio = report.dynamicEnergyPerInferencePicojoules / (measured.dynamicMicrojoules * 1e6)
            #expect(band.contains(ratio), "p = \(rate): estimate \(report.dynamicEnergyPerInferencePicojoules) pJ, ratio \(ratio)")
            // The model has no term for the extra 77–82 µs a step the branches add (795 → 872–877 µs measured).
            let speed = try #require(report.throughputInferencesPerSecond) / measured.inferencesPerSecond
            #expect(speed > 1.07 && speed < 1.13, "p = \(rate): throughput ratio \(speed)")
        }
    }

    @Test("Loihi, Blouw et al.'s scaled networks (HELD OUT, a bound): the measured 16.9 µJ per added branch lies between the estimates at 2 % and 10 % activity")
    func blouwScaledSlope() throws {
        let loihi = try ProfileLibrary.load("loihi")
        let measured = (Self.scaledMeasurements[10]!.dynamicMicrojoules - Self.scaledMeasurements[1]!.dynamicMicrojoules) / 9 * 1e6
        func slope(_ rate: Double) throws -> Double {
            let (many, manyLayout) = try Self.scaledNetwork(copies: 10, layers: 10, rate: rate)
            let (one, oneLayout) = try Self.scaledNetwork(copies: 1, layers: 10, rate: rate)
            return (try EnergyLedger.price(many, layout: manyLayout, profile: loihi, options: Self.scaledInput).dynamicEnergyPerInferencePicojoules
                - EnergyLedger.price(one, layout: oneLayout, profile: loihi, options: Self.scaledInput).dynamicEnergyPerInferencePicojoules) / 9
        }
        let (low, high) = (try slope(0.02), try slope(0.1))
        #expect(low < measured && measured < high, "per branch: \(low) < \(measured) < \(high) pJ")
    }

    @Test("regime: the Blouw-fitted host loop warns on a network 48× the keyword spotter, with 110 mW × latency beside it; not on the spotter")
    func loihiRegime() throws {
        let loihi = try ProfileLibrary.load("loihi")
        let (small, smallLayout) = try Self.keywordSpotter(rate: 0.1)
        #expect(!(try EnergyLedger.price(small, layout: smallLayout, profile: loihi)).notes.contains { $0.hasPrefix("regime:") })
        let (big, bigLayout) = try Self.scaledNetwork(copies: 10, layers: 10, rate: 0.02)
        let report = try EnergyLedger.price(big, layout: bigLayout, profile: loihi, options: Self.scaledInput)
        #expect(report.notes.contains { $0.hasPrefix("regime:") && $0.contains("host.input_core_s") && $0.contains("26141 neurons against 541") })
        let latency = try #require(report.latencyPerInferenceSeconds)
        #expect(abs((report.powerBasedPicojoulesPerInference ?? 0) - 0.110 * latency * 1e12) < 1)
    }

    @Test("ranges: Loihi's static power 29–104 mW and SpiNNaker 2's synop 10–450 pJ priced on the keyword spotter")
    func disputedRanges() throws {
        let (counts, layout) = try Self.keywordSpotter(rate: 0.1)
        let loihi = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("loihi"), options: Self.keywordSpotterInput)
        let loihiRange = try #require(loihi.range)
        // Static at 104 mW over 3.38 ms instead of 29 mW: +253.5 µJ.
        #expect(abs(loihiRange.highPicojoulesPerInference - loihi.energyPerInferencePicojoules - 0.075 * 10 * 338e-6 * 1e12) < 1e3)
        #expect(loihiRange.lowPicojoulesPerInference == loihi.energyPerInferencePicojoules)
        let spinnaker2 = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("spinnaker2"))
        let range = try #require(spinnaker2.range)
        let synops = Double(counts.total(.synops))
        #expect(abs(spinnaker2.energyPerInferencePicojoules - range.lowPicojoulesPerInference - synops * 440) < 1)
        #expect(spinnaker2.notes.contains { $0.hasPrefix("regime:") && $0.contains("unpublished") })
    }
}
