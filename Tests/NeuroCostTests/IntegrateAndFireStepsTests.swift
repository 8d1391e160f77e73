import Foundation
@testable import Simulator
import Testing

/// The IF step over a group of steps (`nc_integrate_and_fire_steps_kernel`, `PopulationStep.step(_:lane:steps:groupStart:)`)
/// against the IF kernel called once per step: bit for bit (potentials, each step's spike list and active updates)
/// for every parameter variant, every vector tail, groups of 1 to 8 steps, inputs that differ per step and one input
/// shared by every step (a producer constant over a sample), on every instruction set this CPU runs. End to end, the
/// exact reference cases (`SimulatorReferenceTests`, under every instruction set) step their populations this way.
@Suite struct IntegrateAndFireStepsTests {
    @Test("the IF step over a group of steps equals the IF kernel step by step, bit for bit, on every instruction set",
          arguments: IntegrateAndFireKernelTests.variants)
    func matchesStepByStep(variant: IntegrateAndFireKernelTests.Variant) {
        var random = SplitMix(seed: 0x1F57_0001)
        let awkward: [Float] = [0, -0.0, .nan, .infinity, -.infinity, 1, 0.5, 0.25, -1]
        var fired = 0
        for count in [1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 257] {
            // Quarter steps: many exact ties with θ, which only the comparison decides.
            func values() -> [Float] {
                (0..<count).map { _ in
                    random.next() % 7 == 0 ? awkward[Int(random.next() % UInt64(awkward.count))]
                                           : Float(Int(random.next() % 32) - 10) / 16
                }
            }
            let gain = (0..<count).map { _ in Float(Int(random.next() % 8) + 1) / 4 }
            let theta = (0..<count).map { _ in Float(Int(random.next() % 8) + 1) / 4 }
            let reset = (0..<count).map { _ in Float(Int(random.next() % 4) - 2) / 4 }
            let v0 = values()
            for steps in [1, 3, 8] {
                for shared in [false, true] {
                    let first = values()
                    let inputs = (0..<steps).map { _ in shared ? first : values() }
                    for set in KernelInstructionSet.supported {
                        let kernels = Kernels(set)
                        fired += IntegrateAndFireKernelTests.withParameters(variant, gain: gain, theta: theta, reset: reset) {
                            Self.compare($0, kernels: kernels, inputs: inputs, shared: shared, v0: v0,
                                         context: "\(set.rawValue), \(count) neurons, \(steps) steps, shared input \(shared)")
                        }
                    }
                }
            }
        }
        #expect(fired > 0, "the cases must fire for the comparison to check firing")
    }

    /// The kernel over `inputs.count` steps against the IF kernel once per step (`shared`: the steps' inputs are
    /// equal, and the kernel is given one array for all); returns how many spikes were listed.
    private static func compare(_ parameters: IntegrateAndFireParameters, kernels: Kernels, inputs: [[Float]], shared: Bool,
                                v0: [Float], context: String) -> Int {
        let count = v0.count, steps = inputs.count
        var expectedV = v0
        var expectedSpikes: [[Int32]] = [], expectedActive: [Int64] = []
        for input in inputs {
            let list = SpikeList(elements: count)
            let active = expectedV.withUnsafeMutableBufferPointer { v in
                kernels.integrateAndFire(parameters, potential: v.baseAddress!, input: input, count: count, spikes: list)
            }
            expectedSpikes.append(Array(list.buffer))
            expectedActive.append(Int64(active))
        }
        let arrays = inputs.map { input in
            let array = UnsafeMutablePointer<Float>.allocate(capacity: count)
            array.initialize(from: input, count: count)
            return array
        }
        defer { arrays.forEach { $0.deallocate() } }
        let pointers: [UnsafePointer<Float>?] = (0..<steps).map { UnsafePointer(arrays[shared ? 0 : $0]) }
        var v = v0
        let lists = (0..<steps).map { _ in SpikeList(elements: count) }
        let listPointers: [UnsafeMutablePointer<Int32>?] = lists.map(\.indices)
        var listed = [Int64](repeating: -1, count: 8), active = [Int64](repeating: -1, count: 8)
        var c = parameters.cValue
        v.withUnsafeMutableBufferPointer { v in
            kernels.integrateAndFireSteps(&c, v.baseAddress!, pointers, Int64(count), Int64(steps), listPointers, &listed, &active)
        }
        for g in 0..<steps {
            let spikes = Array(UnsafeBufferPointer(start: lists[g].indices, count: Int(max(listed[g], 0))))
            #expect(spikes == expectedSpikes[g], "\(context): step \(g) spikes")
            #expect(active[g] == expectedActive[g], "\(context): step \(g) active updates")
        }
        #expect(v.map(\.bitPattern) == expectedV.map(\.bitPattern), "\(context): potentials")
        return expectedSpikes.map(\.count).reduce(0, +)
    }

    /// The exact reference cases (their agreement with numpy under every instruction set, `SimulatorReferenceTests`)
    /// must step some population a group of steps at a time, or they would not check that path: a plain IF
    /// population whose input is, as it is, the output of a layer that never steps its population itself (a matrix
    /// layer, or one computed once per sample such as a first convolution under direct encoding), in groups of
    /// several steps.
    @Test("the exact cases step populations a group of steps at a time")
    func groupSteppingCovered() throws {
        var covered = 0
        for name in SimulatorReferenceTests.exactCases {
            let plan = try SimulationFixtures.casePlan(name).plan
            guard WorkerSchedule(plan: plan).stepsPerGroup > 1 else { continue }
            for stage in plan.stages {
                guard case .population(let dynamics) = stage.kind, dynamics.model == .integrateAndFire,
                      dynamics.rule.isPlainIntegrateAndFire, stage.projections.count == 1,
                      !stage.projections[0].carriesSpikes, stage.projections[0].route.isIdentity,
                      let producer = plan.stages.first(where: { $0.node == stage.projections[0].producer }),
                      case .weighted(let kernel, _, _, _) = producer.kind
                else { continue }
                switch kernel {
                case .denseMatrix, .sparseMatrix: covered += 1
                case .convolution, .elementwise: covered += producer.isStaticPerSample ? 1 : 0
                }
            }
        }
        #expect(covered > 0)
    }
}
