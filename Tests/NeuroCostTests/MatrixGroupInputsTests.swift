@testable import Simulator
import Testing

/// A spike-fed dense matrix over a group of slots (`MatrixGroupInputs` + the scaled-row kernel) against a scalar
/// matrix product written from its documented order, bit for bit, under every instruction set this CPU runs:
/// ordinary (not power-of-two) float weights, so a reordered sum, a skipped product or a fused multiply-add would
/// show. Inputs arrive out of order and repeatedly (as through a pool), output lengths leave every vector tail.
@Suite struct MatrixGroupInputsTests {
    @Test("bit-identical to per-slot sums in ascending input order, under every instruction set",
          arguments: [(inputs: 300, outputs: 1_037, slots: 16), (inputs: 64, outputs: 13, slots: 3), (inputs: 40, outputs: 64, slots: 64)])
    func matchesScalarProduct(inputs: Int, outputs: Int, slots: Int) {
        var random = SplitMix(seed: UInt64(inputs * 7 + outputs))
        let rows = (0..<(inputs * outputs)).map { _ in Float.random(in: -1...1, using: &random) }
        let initial = (0..<(slots * outputs)).map { _ in Float.random(in: -2...2, using: &random) }
        // Per slot, (input, factor) in arrival order: a quarter of the inputs, some reached two or three times.
        var additions: [[(input: Int, factor: Float)]] = []
        for _ in 0..<slots {
            var list: [(Int, Float)] = []
            for _ in 0..<(inputs / 4) {
                let input = Int.random(in: 0..<inputs, using: &random)
                for _ in 0..<Int.random(in: 1...3, using: &random) { list.append((input, [0.25, 0.5, 1].randomElement(using: &random)!)) }
            }
            additions.append(list.shuffled(using: &random))
        }
        // The documented order: per slot and output, its initial value, then inputs ascending, each input's factors
        // summed in arrival order and the product with its weight (rounded) added.
        var expected = initial
        for slot in 0..<slots {
            var sums = [Float](repeating: 0, count: inputs), reached = [Bool](repeating: false, count: inputs)
            for (input, factor) in additions[slot] {
                sums[input] += factor
                reached[input] = true
            }
            for input in 0..<inputs where reached[input] {
                for output in 0..<outputs {
                    let product = sums[input] * rows[input * outputs + output]
                    expected[slot * outputs + output] = expected[slot * outputs + output] + product
                }
            }
        }

        for set in KernelInstructionSet.supported {
            let group = MatrixGroupInputs(inputs: inputs, slots: slots)
            var result = initial
            // Twice: the second group must start clean.
            for pass in 0..<2 {
                result = initial
                for slot in 0..<slots {
                    for (input, factor) in additions[slot] { group.add(slot: slot, element: input, amount: factor) }
                }
                rows.withUnsafeBufferPointer { rows in
                    result.withUnsafeMutableBufferPointer { output in
                        group.scatter(rows: rows.baseAddress!, outputs: outputs, into: output.baseAddress!, slotStride: outputs,
                                      kernels: Kernels(set))
                    }
                }
                let differing = zip(result, expected).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "\(set.rawValue) kernels, pass \(pass): \(differing) of \(result.count) differ")
            }
        }
    }

    /// A strictly ascending spike list sealed directly gives the lists that adding each spike and sealing gives;
    /// a list that is not strictly ascending is refused and leaves the slot to `add` and `seal`.
    @Test("a listed seal equals adding each spike and sealing; unordered lists are refused")
    func listedSealMatchesAddAndSeal() {
        var random = SplitMix(seed: 61)
        let channels = 24, positions = 49, slots = 4
        let listed = ActiveInputs(channels: channels, positions: positions, slots: slots)
        let added = ActiveInputs(channels: channels, positions: positions, slots: slots)
        for slot in 0..<slots {
            let rate = [0.0, 0.1, 0.5, 1.0][slot]
            let spikes = (0..<(channels * positions)).filter { _ in Double.random(in: 0..<1, using: &random) < rate }.map(Int32.init)
            spikes.withUnsafeBufferPointer { #expect(listed.sealListed($0, slot: slot)) }
            for spike in spikes { added.add(element: Int(spike), amount: 1) }
            added.seal(slot: slot)
            #expect(listed.unitValues(slot) && added.unitValues(slot))
            #expect(Array(UnsafeBufferPointer(start: listed.starts(slot), count: positions + 1))
                    == Array(UnsafeBufferPointer(start: added.starts(slot), count: positions + 1)), "slot \(slot)")
            let entries = Int(added.starts(slot)[positions])
            #expect(Array(UnsafeBufferPointer(start: listed.channels(slot), count: entries))
                    == Array(UnsafeBufferPointer(start: added.channels(slot), count: entries)), "slot \(slot)")
            // The listed seal stores no values (the kernels skip them for unit slots); the added ones are all 1.
            #expect(UnsafeBufferPointer(start: added.values(slot), count: entries).allSatisfy { $0 == 1 }, "slot \(slot)")
        }
        for refused: [Int32] in [[3, 2], [5, 5], [0, Int32(channels * positions)]] {
            refused.withUnsafeBufferPointer { #expect(!listed.sealListed($0, slot: 0), "\(refused)") }
        }
        listed.add(element: 1, amount: 1)
        [Int32(4)].withUnsafeBufferPointer { #expect(!listed.sealListed($0, slot: 0), "something already added") }
        listed.seal(slot: 0)
    }
}
