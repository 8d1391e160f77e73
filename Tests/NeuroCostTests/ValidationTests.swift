import Foundation
import NeuroCost
import Testing

/// The small version of docs/validation.md: published silicon measurements against NeuroCost's estimate of a network of
/// the published size with the published steps, its activity swept where unpublished. Each row says whether the
/// measurement FITTED a profile constant (then it checks only that the fit is kept) or is HELD OUT (then it is the
/// evidence).
@Suite struct ValidationTests {
    /// Blouw et al. 2019's keyword spotter, 390 → 256 → 256 → 29 dense, 10 steps, every layer firing with probability
    /// `rate` per step (unpublished, swept), counted per inference as the simulator counts a dense network.
    static func keywordSpotter(rate: Double) throws -> (LayerCountTable, LedgerLayout) {
        let sizes = [390, 256, 256, 29]
        let steps = 10
        var names: [String] = [], layers: [LedgerLayout.Layer] = []
        var synops: [Int] = [], updates: [Int] = [], spikes: [Int] = []
        for layer in 1..<sizes.count {
            let fanIn = sizes[layer - 1], size = sizes[layer]
            names += ["fc\(layer)", "lif\(layer)"]
            layers.append(.init(name: "fc\(layer)", kind: "Affine", isNeuronPopulation: false, emitsSpikes: false, elements: size,
                                footprint: nil, scaleValues: 0, spikeConsumers: 0))
            layers.append(.init(name: "lif\(layer)", kind: "LIF", isNeuronPopulation: true, emitsSpikes: true, elements: size,
                                footprint: nil, scaleValues: 0, spikeConsumers: layer < sizes.count - 1 ? 1 : 0))
            synops += [Int((Double(fanIn) * rate).rounded()) * size * steps, 0]
            updates += [0, size * steps]
            spikes += [0, Int((Double(size) * rate * Double(steps)).rounded())]
        }
        // Dense layers: at these rates every neuron receives input every step, so every update is active.
        let counts = try LayerCountTable(layerNames: names, timesteps: steps, sampleCount: 1, perSample: [
            .synops: synops, .neuronUpdates: updates, .activeNeuronUpdates: updates, .spikes: spikes])
        return (counts, LedgerLayout(layers: layers))
    }

    @Test("Loihi, Blouw et al. 2019 (FITTED): 296 inferences/s and about 270 µJ dynamic per inference are kept", arguments: [0.05, 0.1, 0.2])
    func blouwFitted(rate: Double) throws {
        let (counts, layout) = try Self.keywordSpotter(rate: rate)
        let report = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("loihi"))
        let throughput = try #require(report.throughputInferencesPerSecond)
        #expect(abs(throughput / 296 - 1) < 0.01, "\(throughput) inferences/s")
        let ratio = report.dynamicEnergyPerInferencePicojoules / 270e6
        #expect(ratio > 0.8 && ratio < 1.25, "dynamic \(report.dynamicEnergyPerInferencePicojoules) pJ, ratio \(ratio)")
        // 29 mW idle over 3.38 ms.
        #expect(abs(report.staticEnergyPerInferencePicojoules / (0.029 * 10 * 338e-6 * 1e12) - 1) < 0.01)
    }

    @Test("Loihi, Blouw et al. 2019 neurocores (HELD OUT, a bound): SANA-FE's costs stay under the ≤ 11 mW (≤ 37 µJ) left to the neurocores",
          arguments: [0.02, 0.1, 0.4])
    func blouwNeurocores(rate: Double) throws {
        let (counts, layout) = try Self.keywordSpotter(rate: rate)
        let report = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("loihi"))
        let neurocores = report.dynamicEnergyPerInferencePicojoules - report.stepFixedPicojoules
        #expect(neurocores > 0 && neurocores <= 37e6, "\(neurocores) pJ")
    }

    @Test("TrueNorth, Merolla et al. 2014 (FITTED): the 26 pJ all-in figure gives 72 mW at its own operating point")
    func merollaCalibration() throws {
        // One tick of a full chip: 1,048,576 neurons at 20 Hz (0.02 spikes per 1 ms tick), 128 active synapses each.
        let neurons = 1_048_576
        let layout = LedgerLayout(layers: [
            .init(name: "crossbar", kind: "Affine", isNeuronPopulation: false, emitsSpikes: false, elements: neurons, footprint: nil, scaleValues: 0, spikeConsumers: 0),
            .init(name: "neurons", kind: "LIF", isNeuronPopulation: true, emitsSpikes: true, elements: neurons, footprint: nil, scaleValues: 0, spikeConsumers: 1),
        ])
        let events = Int(Double(neurons) * 0.02 * 128)
        let counts = try LayerCountTable(layerNames: ["crossbar", "neurons"], timesteps: 1, sampleCount: 1, perSample: [
            .synops: [events, 0], .neuronUpdates: [0, neurons], .spikes: [0, Int(Double(neurons) * 0.02)]])
        let report = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.load("truenorth"))
        let power = try #require(report.averagePowerWatts)
        #expect(abs(power / 0.072 - 1) < 0.05, "\(power) W")
        #expect(!report.notes.contains { $0.hasPrefix("regime:") })  // a full chip is the calibration regime
    }
}
