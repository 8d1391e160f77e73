@testable import Simulator
import Testing

/// A group's spikes into a dense matrix gathered by input (`DenseRowGroup`) against a scalar scatter written from the
/// documented order (each slot's pairs in the order they were recorded, `output += factor × weight`), bit for bit:
/// ordinary (not power-of-two) float weights and biases, so a reordered sum or a fused multiply-add would show.
/// Slots cover every path: ascending spike lists (bucketed by input), one through a route with fractional factors,
/// a slot listed by two projections that reach the same inputs (not ascending: scattered alone), a route with a
/// pool's fractions where one element reaches two inputs, an empty slot, and inputs that fire in many slots.
@Suite struct DenseRowGroupTests {
    /// SplitMix64, so the case is the same on every run.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("bit-identical to the spike-by-spike scatter in recorded order", arguments: [(inputs: 96, outputs: 37), (inputs: 300, outputs: 1024)])
    func matchesScalarScatter(inputs: Int, outputs: Int) {
        var random = Generator(state: UInt64(inputs * outputs))
        let weights = (0..<(inputs * outputs)).map { _ in Float.random(in: -1...1, using: &random) }  // transposed: row per input
        let arena = BufferArena()
        // A route of a 2 × 2 average pool's kind: factor 1/4, and producer element e reaches inputs e / 2 and (e / 2 + 1) % inputs.
        let producers = 2 * inputs
        var offsets: [Int32] = [0], targets: [Int32] = [], factors: [Float] = []
        for element in 0..<producers {
            targets += [Int32(element / 2), Int32((element / 2 + 1) % inputs)]
            factors += [0.25, 0.25]
            offsets.append(Int32(targets.count))
        }
        let pooled = SignalRoute(isIdentity: false, offsets: arena.store(offsets), targets: arena.store(targets), factors: arena.store(factors))
        let identity = SignalRoute.identity(count: inputs)
        // One target per element with a fractional factor: ascending, so bucketed with factors other than 1.
        let scaled = SignalRoute(isIdentity: false, offsets: arena.store((0...inputs).map(Int32.init)),
                                 targets: arena.store((0..<inputs).map(Int32.init)),
                                 factors: arena.store((0..<inputs).map { _ in Float.random(in: 0.1...0.9, using: &random) }))

        func ascendingSubset(_ probability: Double, of count: Int) -> [Int32] {
            (0..<count).filter { _ in Double.random(in: 0..<1, using: &random) < probability }.map(Int32.init)
        }
        // Per slot: the (spike list, route) projections, in the order the step scatters them.
        var slots: [[([Int32], SignalRoute)]] = []
        for _ in 0..<12 { slots.append([(ascendingSubset(0.4, of: inputs), identity)]) }
        slots.append([(ascendingSubset(0.5, of: inputs), identity), (ascendingSubset(0.5, of: inputs), identity)])  // repeats
        slots.append([(ascendingSubset(0.3, of: producers), pooled)])
        slots.append([(ascendingSubset(0.6, of: inputs), scaled)])
        slots.append([])
        slots.append([((0..<Int32(inputs)).map { $0 }, identity)])  // every input

        let count = slots.count
        let biases = (0..<(count * outputs)).map { _ in Float.random(in: -2...2, using: &random) }
        var expected = biases
        var actual = biases
        // The reference: each slot's pairs in recorded order, one row at a time.
        for (slot, projections) in slots.enumerated() {
            for (spikes, route) in projections {
                spikes.withUnsafeBufferPointer { spikes in
                    route.forEachTarget(ofEach: spikes) { input, factor in
                        for index in 0..<outputs {
                            expected[slot * outputs + index] = expected[slot * outputs + index] + factor * weights[input * outputs + index]
                        }
                    }
                }
            }
        }
        let group = DenseRowGroup(inputs: inputs, outputs: outputs)
        actual.withUnsafeMutableBufferPointer { actual in
            weights.withUnsafeBufferPointer { weights in
                // Twice over the same group object: its buffers are reused from one group to the next.
                for half in [0..<count / 2, count / 2..<count] {
                    for slot in half {
                        group.begin(target: actual.baseAddress! + slot * outputs)
                        for (spikes, route) in slots[slot] {
                            spikes.withUnsafeBufferPointer { group.add(spikes: $0, route: route) }
                        }
                    }
                    group.scatter(rows: weights.baseAddress!)
                }
            }
        }
        #expect(actual.map(\.bitPattern) == expected.map(\.bitPattern))
    }
}
