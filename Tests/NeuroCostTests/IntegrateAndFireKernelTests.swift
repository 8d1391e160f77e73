import Foundation
@testable import Simulator
import Testing

/// The integrate-and-fire kernel of every instruction set this CPU runs gives, bit for bit, what the spec's scalar
/// form gives (v ← v + r·x, rounded once per operation; fire on crossing; reset), over every parameter variant,
/// population sizes that leave every possible tail, and awkward values (±0, NaN, infinities, exact ties).
@Suite struct IntegrateAndFireKernelTests {
    struct Variant: Sendable, CustomTestStringConvertible {
        var perNeuronGain: Bool
        var perNeuronThreshold: Bool
        var subtract: Bool
        var perNeuronReset: Bool
        var strict: Bool
        var testDescription: String {
            "gain \(perNeuronGain ? "per neuron" : "1"), θ \(perNeuronThreshold ? "per neuron" : "shared"), "
                + (subtract ? "subtract" : "reset to \(perNeuronReset ? "per-neuron" : "shared") value") + (strict ? ", v > θ" : ", v ≥ θ")
        }
    }

    static let variants: [Variant] = [false, true].flatMap { gain in
        [false, true].flatMap { threshold in
            [(true, false), (false, false), (false, true)].flatMap { subtract, perNeuronReset in
                [false, true].map { strict in
                    Variant(perNeuronGain: gain, perNeuronThreshold: threshold, subtract: subtract,
                            perNeuronReset: perNeuronReset, strict: strict)
                }
            }
        }
    }

    /// `body` given `variant`'s kernel parameters over `gain`, `theta` and `reset` (per neuron where the variant
    /// says so, else their first values, shared).
    static func withParameters<Result>(_ variant: Variant, gain: [Float], theta: [Float], reset: [Float],
                                       _ body: (IntegrateAndFireParameters) -> Result) -> Result {
        gain.withUnsafeBufferPointer { gain in
            theta.withUnsafeBufferPointer { theta in
                reset.withUnsafeBufferPointer { reset in
                    body(IntegrateAndFireParameters(
                        gain: variant.perNeuronGain ? gain.baseAddress : nil,
                        threshold: variant.perNeuronThreshold ? theta.baseAddress : nil,
                        resetValue: variant.perNeuronReset ? reset.baseAddress : nil,
                        sharedThreshold: theta[0], sharedReset: reset[0], subtract: variant.subtract, strict: variant.strict))
                }
            }
        }
    }

    /// The spec, neuron by neuron.
    static func reference(_ variant: Variant, v: inout [Float], x: [Float], gain: [Float], theta: [Float],
                          reset: [Float]) -> (spikes: [Int32], active: Int) {
        var spikes: [Int32] = [], active = 0
        for index in v.indices {
            let drive = x[index]
            var potential = variant.perNeuronGain ? v[index] + gain[index] * drive : v[index] + drive
            let threshold = variant.perNeuronThreshold ? theta[index] : theta[0]
            if variant.strict ? potential > threshold : potential >= threshold {
                spikes.append(Int32(index))
                potential = variant.subtract ? potential - threshold : (variant.perNeuronReset ? reset[index] : reset[0])
            }
            v[index] = potential
            active += drive != 0 ? 1 : 0
        }
        return (spikes, active)
    }

    @Test("every instruction set matches the scalar spec bit for bit", arguments: variants)
    func matchesSpec(variant: Variant) {
        var generator = SplitMix(seed: 0x1F)
        let awkward: [Float] = [0, -0.0, .nan, .infinity, -.infinity, 1, 0.5, 0.25, -1]
        for count in [1, 7, 8, 15, 16, 17, 31, 33, 100, 257] {
            func values(_ scale: Float) -> [Float] {
                (0..<count).map { _ in
                    generator.next() % 7 == 0 ? awkward[Int(generator.next() % UInt64(awkward.count))]
                                              : Float(Int(generator.next() % 64) - 16) / 32 * scale
                }
            }
            // Quarter steps: many exact ties with θ, which only the comparison decides.
            let v0 = values(1), x = values(1), gain = values(2)
            let theta = (0..<max(count, 1)).map { _ in Float(Int(generator.next() % 8) + 1) / 4 }
            let reset = (0..<max(count, 1)).map { _ in Float(Int(generator.next() % 5)) / 8 }
            var expectedV = v0
            let expected = Self.reference(variant, v: &expectedV, x: x, gain: gain, theta: theta, reset: reset)
            for set in KernelInstructionSet.supported {
                let kernels = Kernels(set)
                var v = v0
                let spikes = SpikeList(elements: count)
                let active = Self.withParameters(variant, gain: gain, theta: theta, reset: reset) { parameters in
                    x.withUnsafeBufferPointer { x in
                        v.withUnsafeMutableBufferPointer { v in
                            kernels.integrateAndFire(parameters, potential: v.baseAddress!, input: x.baseAddress!,
                                                     count: count, spikes: spikes)
                        }
                    }
                }
                #expect(Array(spikes.buffer) == expected.spikes, "\(set.rawValue), \(count) neurons")
                #expect(active == expected.active, "\(set.rawValue), \(count) neurons")
                #expect(v.map(\.bitPattern) == expectedV.map(\.bitPattern), "\(set.rawValue), \(count) neurons")
            }
        }
    }
}
