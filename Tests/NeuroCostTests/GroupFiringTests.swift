import Foundation
import NetworkModel
import NeuroCost
@testable import Simulator
import Testing

/// The IF step fused into the group drain (`GroupFiring`, `nc_group_drain_fire_kernel`) against the two passes it
/// replaces, the drain writing each step's sums and the IF kernel stepping the population once per step: bit for bit
/// (potentials, each step's spike list, active updates, the accumulator restarted at the bias) under every
/// instruction set this CPU runs, on ordinary float sums, for every parameter variant and every vector tail; and end
/// to end, a network's counts with the fused drain equal those without it. The variant for whole groups of 8 steps
/// (`groupDrainFireWhole`) is held to the same two passes.
@Suite struct GroupFiringTests {
    @Test("the fused drain equals drain + IF step by step, bit for bit, on every instruction set",
          arguments: IntegrateAndFireKernelTests.variants)
    func matchesDrainThenIntegrateAndFire(variant: IntegrateAndFireKernelTests.Variant) {
        var random = SplitMix(seed: 0x6F1E_0004)
        for count in [1, 7, 8, 9, 15, 16, 17, 24, 31, 33, 100, 257] {
            // Ordinary floats (sums of float weights), some exact zeros (inactive updates), some awkward values.
            func value() -> Float {
                switch random.next() % 16 {
                case 0: return 0
                case 1: return [-0.0, .nan, .infinity, -.infinity][Int(random.next() % 4)]
                default: return Float.random(in: -1.5...1.5, using: &random)
                }
            }
            let gain = (0..<count).map { _ in Float.random(in: 0.25...2, using: &random) }
            let theta = (0..<count).map { _ in Float.random(in: 0.05...1.5, using: &random) }
            let reset = (0..<count).map { _ in Float.random(in: -0.5...0.25, using: &random) }
            let bias = (0..<count).map { _ in Float.random(in: -0.25...0.25, using: &random) }
            let v0 = (0..<count).map { _ in Float.random(in: -1...1, using: &random) }
            for steps in [1, 3, 8] {
                for withBias in [false, true] {
                    let accumulator = (0..<(8 * count)).map { _ in value() }
                    for set in KernelInstructionSet.supported {
                        let kernels = Kernels(set)
                        IntegrateAndFireKernelTests.withParameters(variant, gain: gain, theta: theta, reset: reset) { parameters in
                            bias.withUnsafeBufferPointer { bias in
                                Self.compare(parameters, kernels: kernels, accumulator: accumulator, v0: v0, count: count,
                                             steps: steps, bias: withBias ? bias.baseAddress : nil,
                                             context: "\(set.rawValue), \(count) neurons, \(steps) steps, bias \(withBias)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// One fused drain against the drain then one IF step per step, with the same instruction set's kernels.
    private static func compare(_ parameters: IntegrateAndFireParameters, kernels: Kernels, accumulator: [Float], v0: [Float],
                                count: Int, steps: Int, bias: UnsafePointer<Float>?, context: String) {
        // The two passes.
        var drained = accumulator
        var sums = [Float](repeating: 0, count: steps * count)
        drained.withUnsafeMutableBufferPointer { drained in
            sums.withUnsafeMutableBufferPointer { sums in
                kernels.groupDrain(drained.baseAddress!, sums.baseAddress!, Int64(count), Int64(steps), Int64(count), bias)
            }
        }
        var expectedV = v0
        var expectedSpikes: [[Int32]] = [], expectedActive: [Int64] = []
        for g in 0..<steps {
            let list = SpikeList(elements: count)
            let active = sums.withUnsafeBufferPointer { sums in
                expectedV.withUnsafeMutableBufferPointer { v in
                    kernels.integrateAndFire(parameters, potential: v.baseAddress!, input: sums.baseAddress! + g * count,
                                             count: count, spikes: list)
                }
            }
            expectedSpikes.append(Array(list.buffer))
            expectedActive.append(Int64(active))
        }
        // Fused: the general kernel, and the one specialised for whole groups (the same on instruction sets without one).
        for (name, kernel) in [("general", kernels.groupDrainFire), ("whole groups", kernels.groupDrainFireWhole)] {
            var fused = accumulator
            var v = v0
            let lists = (0..<steps).map { _ in SpikeList(elements: count) }
            var pointers: [UnsafeMutablePointer<Int32>?] = lists.map(\.indices) + Array(repeating: nil, count: 8 - steps)
            var listed = [Int64](repeating: -1, count: 8), active = [Int64](repeating: -1, count: 8)
            var c = parameters.cValue
            fused.withUnsafeMutableBufferPointer { fused in
                v.withUnsafeMutableBufferPointer { v in
                    kernel(fused.baseAddress!, Int64(count), Int64(steps), bias, &c, v.baseAddress!, &pointers, &listed, &active)
                }
            }
            for g in 0..<steps {
                let spikes = Array(UnsafeBufferPointer(start: lists[g].indices, count: Int(max(listed[g], 0))))
                #expect(spikes == expectedSpikes[g], "\(context), \(name): step \(g) spikes")
                #expect(active[g] == expectedActive[g], "\(context), \(name): step \(g) active updates")
            }
            #expect(v.map(\.bitPattern) == expectedV.map(\.bitPattern), "\(context), \(name): potentials")
            #expect(fused.map(\.bitPattern) == drained.map(\.bitPattern), "\(context), \(name): accumulator after the drain")
        }
    }

    /// The exact reference cases must step some population in its producer (in the group drain with the engine's
    /// schedule, after each step's scatter with groups of one step), or their agreement with numpy (under every
    /// instruction set and schedule, `SimulatorReferenceTests`) would not check it.
    @Test("the exact cases step IF populations in their producers")
    func fusedPathCovered() throws {
        var inDrain = 0, stepByStep = 0
        for name in SimulatorReferenceTests.exactCases {
            let (plan, _) = try Self.plan(name)
            guard WorkerSchedule(plan: plan).stepsPerGroup > 1 else { continue }
            for stage in plan.stages where Self.population(fedBy: stage, plan: plan) != nil {
                if GroupScatter.applies(to: stage) { inDrain += 1 } else { stepByStep += 1 }
            }
        }
        #expect(inDrain > 0)
        #expect(inDrain + stepByStep > 0)
    }

    /// Probing a population's input (threshold calibration) turns the fusion off for it: the counts and predictions
    /// must not change, on every instruction set, with the engine's schedule (group drain) and with groups of one step
    /// (every sparse convolution scattered step by step).
    @Test("counts and predictions with and without the population stepped by its producer are equal")
    func fusedEqualsUnfused() throws {
        var checked = 0
        for name in SimulatorReferenceTests.exactCases {
            var (plan, dataset) = try Self.plan(name)
            guard WorkerSchedule(plan: plan).stepsPerGroup > 1 else { continue }
            let populations = Set(plan.stages.compactMap { Self.population(fedBy: $0, plan: plan)?.node })
            guard !populations.isEmpty else { continue }
            for stepsPerGroup in [nil, 1] {
                plan.stepsPerGroup = stepsPerGroup
                for set in KernelInstructionSet.supported {
                    plan.instructionSet = set
                    let context = "\(name), \(set.rawValue), groups of \(stepsPerGroup.map(String.init) ?? "the engine's choice")"
                    let fused = try SimulationRunner.run(plan: plan, dataset: dataset, threads: 1, recordSteps: true)
                    let unfused = try SimulationRunner.run(plan: plan, dataset: dataset, threads: 1, recordSteps: true,
                                                           probedNodes: populations)
                    checked += expectSameCounts(fused, unfused, context: context).cells
                }
            }
        }
        #expect(checked > 0)
    }

    /// The population a sparse convolution `stage` could step (in its group drain or after each step's scatter).
    private static func population(fedBy stage: Stage, plan: SimulationPlan) -> Stage? {
        guard case .weighted(.convolution(let convolution), _, _, _) = stage.kind, case .sparsePositionClasses = convolution.weights,
              !stage.isStaticPerSample
        else { return nil }
        return GroupFiring.population(fedBy: stage, plan: plan, probedNodes: [], recordedPotentials: [])?.0
    }

    private static func plan(_ name: String) throws -> (SimulationPlan, SampleDataset) {
        let plan = try SimulationFixtures.casePlan(name).plan
        let dataset = try SampleDataset(path: SimulationFixtures.file("\(name).data.h5"),
                                        preferSpikes: plan.options.encoding == .spikes)
        return (plan, dataset)
    }
}
