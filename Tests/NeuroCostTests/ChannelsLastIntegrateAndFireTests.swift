import Foundation
@testable import Simulator
import Testing

/// The IF step that reads a dense convolution's channels-last output (`nc_integrate_and_fire_channels_last_kernel`)
/// against the scalar spec run on that output transposed to (C, H, W): bit for bit (potentials, the ascending spike
/// list, active updates) under every instruction set this CPU runs, for every parameter variant, planes that leave
/// every position tail, channel counts that leave partial tiles, and firing from none to nearly every neuron (the
/// per-channel spike regions and their compaction).
@Suite struct ChannelsLastIntegrateAndFireTests {
    @Test("every instruction set equals transpose + the scalar spec, bit for bit",
          arguments: IntegrateAndFireKernelTests.variants)
    func matchesTransposeThenSpec(variant: IntegrateAndFireKernelTests.Variant) {
        var random = SplitMix(seed: 0xC1A5_7001)
        let shapes = [(1, 1), (1, 20), (4, 3), (4, 16), (15, 17), (16, 1), (16, 16), (17, 33), (33, 8), (64, 40), (100, 19), (4_100, 3)]
        for (positions, channels) in shapes {
            let count = positions * channels
            for firing: Float in [0, 0.3, 0.95] {
                func value() -> Float {
                    switch random.next() % 16 {
                    case 0: return 0
                    case 1: return [-0.0, .nan, .infinity, -.infinity][Int(random.next() % 4)]
                    default: return Float.random(in: 0...1, using: &random) < firing ? 2 : Float.random(in: -1...0.5, using: &random)
                    }
                }
                let channelsLast = (0..<count).map { _ in value() }
                var transposed = [Float](repeating: 0, count: count)
                for position in 0..<positions {
                    for channel in 0..<channels { transposed[channel * positions + position] = channelsLast[position * channels + channel] }
                }
                let gain = (0..<count).map { _ in Float.random(in: 0.25...2, using: &random) }
                let theta = (0..<count).map { _ in Float(Int(random.next() % 8) + 1) / 4 }
                let reset = (0..<count).map { _ in Float.random(in: -0.5...0.25, using: &random) }
                let v0 = (0..<count).map { _ in Float.random(in: -1...1, using: &random) }
                var expectedV = v0
                let expected = IntegrateAndFireKernelTests.reference(variant, v: &expectedV, x: transposed, gain: gain,
                                                                     theta: theta, reset: reset)
                for set in KernelInstructionSet.supported {
                    let kernels = Kernels(set)
                    var v = v0
                    let spikes = SpikeList(elements: count)
                    // Exactly the scratch the kernel may use, holding stale masks: nothing may depend on its contents.
                    var scratch = [UInt16](repeating: 0xFFFF, count: Kernels.channelsLastMaskCount(positions: positions))
                    let active = IntegrateAndFireKernelTests.withParameters(variant, gain: gain, theta: theta,
                                                                           reset: reset) { parameters in
                        channelsLast.withUnsafeBufferPointer { x in
                            v.withUnsafeMutableBufferPointer { v in
                                scratch.withUnsafeMutableBufferPointer { masks in
                                    kernels.integrateAndFire(parameters, potential: v.baseAddress!, channelsLastInput: x.baseAddress!,
                                                             positions: positions, channels: channels, spikes: spikes, masks: masks)
                                }
                            }
                        }
                    }
                    let context = "\(set.rawValue), \(positions) positions × \(channels) channels, firing \(firing)"
                    #expect(Array(spikes.buffer) == expected.spikes, "\(context)")
                    #expect(active == expected.active, "\(context)")
                    #expect(v.map(\.bitPattern) == expectedV.map(\.bitPattern), "\(context)")
                }
            }
        }
    }
}
