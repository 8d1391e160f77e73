import CKernels
import Foundation
@testable import Simulator
import Testing

/// The gather kernels that step an IF population with their sums in registers (`nc_group_gather_fire_kernel`,
/// `nc_group_gather_values_fire_kernel`) against the two passes they replace, the same instruction set's gather
/// writing the channel's step-major sums and the IF kernel stepping the channel's neurons once per step: bit for bit
/// (potentials, each step's appended spike list, active updates) for every IF parameter variant, groups of 1 to 8
/// steps, rows whose width leaves every vector tail, with and without a bias, on every instruction set this CPU runs.
/// End to end, the gathered layers' counts are `GroupGatherTests`' and `PooledGatherTests`'.
@Suite struct GatherFiringTests {
    /// (rows, columns, padded width) of a channel: whole 16- and 8-wide blocks, tails of every kind, a lone output.
    static let shapes = [(1, 1, 3), (3, 5, 7), (2, 8, 10), (2, 16, 18), (3, 23, 25), (2, 33, 35)]

    /// A channel's weights: quarter steps (exact sums, many exact ties with θ), sometimes an awkward value.
    private static func weights(_ count: Int, _ random: inout SplitMix) -> [Float] {
        (0..<count).map { _ in
            switch random.next() % 16 {
            case 0: return [Float.infinity, -.infinity, .nan, -0.0][Int(random.next() % 4)]
            default: return Float(Int(random.next() % 16) - 6) / 4
            }
        }
    }

    /// One case's population: the channel fired is channel 1 of two, so its neurons start at `first` = plane and
    /// every per-neuron array is read at an offset; each step's list already holds entries (the previous channel's)
    /// and its active updates a running total, both of which the kernel must extend.
    private struct Population {
        var gain: [Float], theta: [Float], reset: [Float], v0: [Float]
        var prefix: [[Int32]], activeBefore: [Int64]

        init(neurons: Int, random: inout SplitMix) {
            gain = (0..<neurons).map { _ in Float(Int(random.next() % 8) + 1) / 4 }
            theta = (0..<neurons).map { _ in Float(Int(random.next() % 8) + 1) / 4 }
            reset = (0..<neurons).map { _ in Float(Int(random.next() % 4) - 2) / 4 }
            v0 = (0..<neurons).map { _ in Float(Int(random.next() % 12) - 4) / 4 }
            prefix = (0..<8).map { g in (0..<Int32(g % 3)).map { $0 * 3 } }
            activeBefore = (0..<8).map { Int64($0 * 7) }
        }
    }

    /// `gather` (writing step-major sums of `plane` outputs) then the IF kernel per step, against `fire` (the fused
    /// kernel given the population), with the same instruction set's kernels. Returns how many spikes the two
    /// passes listed (so that a test can tell that its cases fire at all).
    /// Runs `body` for each step count, without and with the channel's bias, under every instruction set the machine
    /// supports.
    private static func forEachCase(steps counts: [Int], bias: [Float],
                                    _ body: (_ steps: Int, _ channelBias: UnsafePointer<Float>?, KernelInstructionSet, Kernels) -> Void) {
        bias.withUnsafeBufferPointer { bias in
            for steps in counts {
                for channelBias in [nil, bias.baseAddress] {
                    for set in KernelInstructionSet.supported { body(steps, channelBias, set, Kernels(set)) }
                }
            }
        }
    }

    private static func compare(_ variant: IntegrateAndFireKernelTests.Variant, _ population: Population, plane: Int,
                                steps: Int, kernels: Kernels, context: String,
                                gather: (UnsafeMutablePointer<Float>) -> Void,
                                fire: (UnsafePointer<NCGatherFiring>) -> Void) -> Int {
        let first = plane, neurons = 2 * plane
        var sums = [Float](repeating: .nan, count: 8 * plane)
        sums.withUnsafeMutableBufferPointer { gather($0.baseAddress!) }
        return IntegrateAndFireKernelTests.withParameters(variant, gain: population.gain, theta: population.theta,
                                                   reset: population.reset) { parameters in
            // The two passes: the channel's neurons stepped once per step from its sums.
            var shifted = parameters
            shifted.gain = parameters.gain.map { $0 + first }
            shifted.threshold = parameters.threshold.map { $0 + first }
            shifted.resetValue = parameters.resetValue.map { $0 + first }
            var expectedV = population.v0
            var expectedSpikes = population.prefix, expectedActive = population.activeBefore
            for g in 0..<steps {
                let list = SpikeList(elements: plane)
                let active = sums.withUnsafeBufferPointer { sums in
                    expectedV.withUnsafeMutableBufferPointer { v in
                        kernels.integrateAndFire(shifted, potential: v.baseAddress! + first, input: sums.baseAddress! + g * plane,
                                                 count: plane, spikes: list)
                    }
                }
                expectedSpikes[g] += list.buffer.map { $0 + Int32(first) }
                expectedActive[g] += Int64(active)
            }
            // Fused.
            var v = population.v0
            let lists = (0..<8).map { _ in SpikeList(elements: neurons + 8) }
            for g in 0..<8 {
                for (index, spike) in population.prefix[g].enumerated() { lists[g].indices[index] = spike }
            }
            let pointers: [UnsafeMutablePointer<Int32>?] = lists.map(\.indices)
            var listed = population.prefix.map { Int64($0.count) }, active = population.activeBefore
            var c = parameters.cValue
            v.withUnsafeMutableBufferPointer { v in
                pointers.withUnsafeBufferPointer { pointers in
                    listed.withUnsafeMutableBufferPointer { listed in
                        active.withUnsafeMutableBufferPointer { active in
                            withUnsafePointer(to: &c) { c in
                                var firing = NCGatherFiring(parameters: c, v: v.baseAddress!, first: Int64(first), steps: Int64(steps),
                                                            spikes: pointers.baseAddress!, listed: listed.baseAddress!,
                                                            activeUpdates: active.baseAddress!)
                                fire(&firing)
                            }
                        }
                    }
                }
            }
            for g in 0..<8 {
                let spikes = Array(UnsafeBufferPointer(start: lists[g].indices, count: Int(max(listed[g], 0))))
                #expect(spikes == expectedSpikes[g], "\(context): step \(g) spikes")
                #expect(active[g] == expectedActive[g], "\(context): step \(g) active updates")
            }
            #expect(v.map(\.bitPattern) == expectedV.map(\.bitPattern), "\(context): potentials")
            return expectedSpikes.map(\.count).reduce(0, +) - population.prefix.map(\.count).reduce(0, +)
        }
    }

    @Test("the firing gather equals the gather then the IF step by step, bit for bit, on every instruction set",
          arguments: IntegrateAndFireKernelTests.variants)
    func gatherFireMatchesTwoPasses(variant: IntegrateAndFireKernelTests.Variant) {
        var random = SplitMix(seed: 0x6A7E_F001)
        var fired = 0
        for (rows, columns, paddedWidth) in Self.shapes {
            let plane = rows * columns, entryCount = 9
            let masks = (0..<((rows + 4) * paddedWidth + 64)).map { _ in
                UInt8(truncatingIfNeeded: random.next()) & UInt8(truncatingIfNeeded: random.next())
            }
            let maximumDelta = 4 * paddedWidth + (paddedWidth - columns)
            let deltas = (0..<entryCount).map { _ in Int32(random.next() % UInt64(maximumDelta + 1)) }
            let weights = Self.weights(entryCount, &random)
            let bias = (0..<plane).map { _ in Float(Int(random.next() % 4) - 1) / 8 }
            let population = Population(neurons: 2 * plane, random: &random)
            Self.forEachCase(steps: [1, 3, 8], bias: bias) { steps, channelBias, set, kernels in
                fired += Self.compare(variant, population, plane: plane, steps: steps, kernels: kernels,
                                      context: "\(set.rawValue), \(rows) × \(columns), \(steps) steps, bias \(channelBias != nil)",
                                      gather: { sums in
                                          kernels.groupGather(sums, masks, deltas, weights, Int64(entryCount), channelBias,
                                                              Int64(rows), Int64(columns), Int64(paddedWidth))
                                      },
                                      fire: { firing in
                                          kernels.groupGatherFire(firing, masks, deltas, weights, Int64(entryCount), channelBias,
                                                                  Int64(rows), Int64(columns), Int64(paddedWidth))
                                      })
            }
        }
        #expect(fired > 0, "the cases must fire for the comparison to check firing")
    }

    @Test("the firing values gather equals the values gather then the IF step by step, bit for bit, on every instruction set",
          arguments: IntegrateAndFireKernelTests.variants)
    func valuesGatherFireMatchesTwoPasses(variant: IntegrateAndFireKernelTests.Variant) {
        var random = SplitMix(seed: 0x6A7E_F002)
        var fired = 0
        for (rows, columns, paddedWidth) in Self.shapes {
            let plane = rows * columns
            let blocks: [Int32] = [3, 2, 4], passes = 2
            let entryCount = Int(blocks.reduce(0, +))
            let maskPlane = (rows + 4) * paddedWidth + 64
            let masks = (0..<(maskPlane * passes)).map { _ in
                UInt8(truncatingIfNeeded: random.next()) & UInt8(truncatingIfNeeded: random.next())
            }
            // Lanes no pass marks hold NaN: neither form may read them.
            let values = (0..<(8 * maskPlane)).map { index -> Float in
                let lane = index / maskPlane, at = index % maskPlane
                let marked = (0..<passes).contains { masks[$0 * maskPlane + at] & (1 << lane) != 0 }
                return marked ? Float(Int(random.next() % 4) + 1) * 0.5 : .nan
            }
            let maximumDelta = 4 * paddedWidth + (paddedWidth - columns)
            let deltas = (0..<entryCount).map { _ in Int32(random.next() % UInt64(maximumDelta + 1)) }
            let weights = Self.weights(entryCount, &random)
            let bias = (0..<plane).map { _ in Float(Int(random.next() % 4) - 1) / 8 }
            let population = Population(neurons: 2 * plane, random: &random)
            Self.forEachCase(steps: [1, 5, 8], bias: bias) { steps, channelBias, set, kernels in
                fired += Self.compare(variant, population, plane: plane, steps: steps, kernels: kernels,
                                      context: "\(set.rawValue), values, \(rows) × \(columns), \(steps) steps, bias \(channelBias != nil)",
                                      gather: { sums in
                                          kernels.groupGatherValues(sums, values, Int64(maskPlane), masks, Int64(maskPlane),
                                                                    Int64(passes), deltas, weights, blocks, Int64(blocks.count),
                                                                    channelBias, Int64(rows), Int64(columns), Int64(paddedWidth))
                                      },
                                      fire: { firing in
                                          kernels.groupGatherValuesFire(firing, values, Int64(maskPlane), masks, Int64(maskPlane),
                                                                        Int64(passes), deltas, weights, blocks,
                                                                        Int64(blocks.count), channelBias, Int64(rows),
                                                                        Int64(columns), Int64(paddedWidth))
                                      })
            }
        }
        #expect(fired > 0, "the cases must fire for the comparison to check firing")
    }
}
