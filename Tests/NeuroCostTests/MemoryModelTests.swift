import Foundation
import NeuroCost
import Testing

/// The reuse memory model by hand on a stated hierarchy: a 64-byte buffer (read 1 pJ, write 2 pJ per 64 bits), a
/// 1 KB SRAM (read 4 pJ per 64 bits, no write figure: writes at the read energy) and DRAM (100 pJ per 64 bits).
@Suite struct MemoryModelTests {
    static let profileText = """
        schema: neurocost-profile/1
        name: three-levels
        description: a stated hierarchy for hand checks
        kind: digital
        precision: {weights: fp32, activations: fp32, state: fp32}
        energy:
          add: {pJ: 1.0, scope: marginal, evidence: estimated, source: test}
        memory:
          levels:
            - name: buffer-64B
              capacity_bytes: 64
              access_bits: 64
              read: {pJ: 1, scope: marginal, evidence: estimated, source: test}
              write: {pJ: 2, scope: marginal, evidence: estimated, source: test}
            - name: sram-1KB
              capacity_bytes: 1024
              access_bits: 64
              read: {pJ: 4, scope: marginal, evidence: estimated, source: test}
          dram:
            name: dram
            access_bits: 64
            read: {pJ: 100, scope: marginal, evidence: estimated, source: test}
        sources: [test]
        """

    /// fc: a dense 4 × 100 Linear (1,600 bytes at fp32, a 400-byte row per output), then an IF of 4 neurons (16 bytes
    /// of state, 4 bytes of 8-bit spike addresses, one consumer). One sample, T = 2: `synops` synops, 8 updates, 3 spikes.
    static func priced(_ model: MemoryModel, synops: Int = 3000) throws -> EnergyReport {
        let layout = LedgerLayout(layers: [
            .init(name: "fc", kind: "Linear", isNeuronPopulation: false, emitsSpikes: false, elements: 4,
                  footprint: WeightStorageFootprint(rows: 4, columns: 100, nonZeros: 400), scaleValues: 0, spikeConsumers: 0),
            .init(name: "if", kind: "IF", isNeuronPopulation: true, emitsSpikes: true, elements: 4,
                  footprint: nil, scaleValues: 0, spikeConsumers: 1),
        ])
        let counts = try LayerCountTable(layerNames: ["fc", "if"], timesteps: 2, sampleCount: 1, perSample: [
            .synops: [synops, 0], .neuronUpdates: [0, 8], .activeNeuronUpdates: [0, 8], .spikes: [0, 3],
        ])
        let profile = try ProfileLibrary.parse(yaml: profileText, file: "three-levels.yaml")
        return try EnergyLedger.price(counts, layout: layout, profile: profile, options: LedgerOptions(memoryModel: model))
    }

    @Test("reuse: state and spikes in the buffer, weights in DRAM streamed once into SRAM tiles, each use read from SRAM")
    func reuseByHand() throws {
        let report = try Self.priced(.reuse)
        // State (8 updates × 64 bits moved / 16 bytes) is denser than spikes (3 × 16 bits / 4 bytes): state first, 16 of 64
        // bytes; spikes next, 4 more; the 1,600 weight bytes fit only DRAM; a 400-byte row fits the SRAM, not the 44
        // bytes left in the buffer.
        #expect(report.placement["state"] == "buffer-64B" && report.placement["spikes"] == "buffer-64B")
        #expect(report.placement["weights"] == "dram" && report.placement["tile:fc"] == "sram-1KB")
        let totals = report.totals
        // Streamed: 1,600 bytes × 8 bits × (DRAM read 100/64 + SRAM write at its read energy 4/64) = 20,800 pJ.
        #expect(abs(totals[.weightStreaming]! - 20_800) < 1e-9)
        // Each of the 3,000 synops reads 32 bits from SRAM: 3,000 × 32 × 4/64 = 6,000 pJ (from DRAM: 150,000 pJ).
        #expect(abs(totals[.weightReads]! - 6000) < 1e-9)
        #expect(totals[.indexReads]! == 0)  // dense rows need no index
        // State: 8 × 32 bits × (read 1/64 + write 2/64) = 12 pJ; spikes: 3 × 8 bits × (write 2/64 + one read 1/64) = 1.125 pJ.
        #expect(abs(totals[.stateTraffic]! - 12) < 1e-9)
        #expect(abs(totals[.spikeTraffic]! - 1.125) < 1e-9)
        // Compute: 3,000 synops + 8 updates at 1 pJ.
        #expect(abs(report.total(.compute) - 3008) < 1e-9)
        let expectedTotal: Double = 20_800 + 6000 + 12 + 1.125 + 3008
        #expect(abs(report.totalPicojoules - expectedTotal) < 1e-9)
        #expect(abs(report.perSampleTotals[0] - report.totalPicojoules) < 1e-9)
    }

    @Test("no-reuse: every use reads its weight from DRAM, the upper bound")
    func noReuseByHand() throws {
        let report = try Self.priced(.noReuse)
        #expect(report.placement["weights"] == "dram")
        let totals = report.totals
        #expect(totals[.weightStreaming]! == 0)
        let expectedReads: Double = 3000 * 32 * 100.0 / 64
        #expect(abs(totals[.weightReads]! - expectedReads) < 1e-9)
        #expect(abs(totals[.stateTraffic]! - 12) < 1e-9)
    }

    @Test("a recurrent (step-major) network streams its weights once per step")
    func stepMajor() throws {
        let reuse = try Self.priced(.reuse)
        let layout = LedgerLayout(layers: [
            .init(name: "fc", kind: "Linear", isNeuronPopulation: false, emitsSpikes: false, elements: 4,
                  footprint: WeightStorageFootprint(rows: 4, columns: 100, nonZeros: 400), scaleValues: 0, spikeConsumers: 0),
            .init(name: "if", kind: "IF", isNeuronPopulation: true, emitsSpikes: true, elements: 4,
                  footprint: nil, scaleValues: 0, spikeConsumers: 1),
        ], stepMajor: true)
        let counts = try LayerCountTable(layerNames: ["fc", "if"], timesteps: 2, sampleCount: 1, perSample: [
            .synops: [3000, 0], .neuronUpdates: [0, 8], .activeNeuronUpdates: [0, 8], .spikes: [0, 3],
        ])
        let report = try EnergyLedger.price(counts, layout: layout, profile: ProfileLibrary.parse(yaml: Self.profileText, file: "t.yaml"))
        #expect(abs(report.totals[.weightStreaming]! - 2 * reuse.totals[.weightStreaming]!) < 1e-9)
    }

    @Test("a layer used too few times to pay for the copy bypasses its tile and reads from the weights' level")
    func bypass() throws {
        // 30 synops: 30 × 32 × 100/64 = 1,500 pJ from DRAM beats 20,800 pJ of streaming plus 60 pJ of SRAM reads.
        let report = try Self.priced(.reuse, synops: 30)
        #expect(report.placement["tile:fc"]?.hasPrefix("bypass") == true)
        #expect(report.totals[.weightStreaming]! == 0)
        let expected: Double = 30 * 32 * 100.0 / 64
        #expect(abs(report.totals[.weightReads]! - expected) < 1e-9)
    }
}
