import Foundation
import NetworkModel
import NeuroCost
@testable import Simulator
import Testing

/// The group gather (`GroupGather`, `nc_group_gather_kernel`): the kernel against its scalar specification bit for bit
/// under every instruction set this CPU runs; and end to end, the exact reference cases with every layer the gather
/// can take gathered, and with none, give the same counts and predictions (the cases' agreement with numpy is
/// `SimulatorReferenceTests`'), under every instruction set.
@Suite struct GroupGatherTests {
    @Test("the gather kernel equals its scalar specification, bit for bit, on every instruction set")
    func kernelMatchesSpecification() {
        var random = SplitMix(seed: 0x6A7E_0001)
        for (rows, columns, paddedWidth) in [(1, 1, 3), (3, 5, 7), (4, 8, 10), (7, 9, 13), (2, 16, 18), (3, 23, 25), (2, 33, 35)] {
            for entryCount in [0, 1, 2, 5, 13] {
                let paddedRows = rows + 4
                let masks = (0..<(paddedRows * paddedWidth + 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) & UInt8(truncatingIfNeeded: random.next()) }
                let maximumDelta = (paddedRows - rows) * paddedWidth + (paddedWidth - columns)
                let deltas = (0..<entryCount).map { _ in Int32(random.next() % UInt64(maximumDelta + 1)) }
                let weights = (0..<entryCount).map { _ -> Float in
                    switch random.next() % 12 {
                    case 0: return [Float.infinity, -.infinity, 1e-40, -3.4e38][Int(random.next() % 4)]
                    default: return Float.random(in: -1...1, using: &random)
                    }
                }
                let bias = (0..<(rows * columns)).map { _ in Float.random(in: -0.5...0.5, using: &random) }
                for withBias in [false, true] {
                    let expected = Self.specification(masks: masks, deltas: deltas, weights: weights, bias: withBias ? bias : nil,
                                                      rows: rows, columns: columns, paddedWidth: paddedWidth)
                    for set in KernelInstructionSet.supported {
                        var sums = [Float](repeating: .nan, count: 8 * rows * columns)
                        masks.withUnsafeBufferPointer { masks in
                            deltas.withUnsafeBufferPointer { deltas in
                                weights.withUnsafeBufferPointer { weights in
                                    bias.withUnsafeBufferPointer { bias in
                                        sums.withUnsafeMutableBufferPointer { sums in
                                            Kernels(set).groupGather(sums.baseAddress!, masks.baseAddress!, deltas.baseAddress,
                                                                     weights.baseAddress, Int64(entryCount),
                                                                     withBias ? bias.baseAddress : nil, Int64(rows), Int64(columns),
                                                                     Int64(paddedWidth))
                                        }
                                    }
                                }
                            }
                        }
                        #expect(sums.map(\.bitPattern) == expected.map(\.bitPattern),
                                "\(set.rawValue), \(rows) × \(columns), \(entryCount) entries, bias \(withBias)")
                    }
                }
            }
        }
    }

    /// The kernel's contract in CKernels.h, literally.
    private static func specification(masks: [UInt8], deltas: [Int32], weights: [Float], bias: [Float]?, rows: Int, columns: Int,
                                      paddedWidth: Int) -> [Float] {
        var result = [Float](repeating: 0, count: 8 * rows * columns)
        for y in 0..<rows {
            for x in 0..<columns {
                let output = y * columns + x
                for lane in 0..<8 {
                    var sum = bias?[output] ?? 0
                    for entry in deltas.indices where masks[y * paddedWidth + x + Int(deltas[entry])] & (1 << lane) != 0 {
                        sum += weights[entry]
                    }
                    result[lane * rows * columns + output] = sum
                }
            }
        }
        return result
    }

    /// Some exact case must have a layer the gather takes and a population it steps, or the end-to-end comparison
    /// below would not check it.
    @Test("the exact cases have layers the gather takes")
    func gatherCovered() throws {
        var covered = 0
        for name in SimulatorReferenceTests.exactCases {
            let (plan, _) = try Self.plan(name)
            let schedule = WorkerSchedule(plan: plan)
            guard schedule.stepsPerGroup > 1 else { continue }
            for stage in plan.stages {
                guard case .weighted(.convolution(let convolution), _, _, _) = stage.kind,
                      case .sparsePositionClasses = convolution.weights,
                      case .convolution(let parameters) = plan.network.nodes[stage.node].kind,
                      GroupFiring.population(fedBy: stage, plan: plan, probedNodes: [], recordedPotentials: []) != nil,
                      GroupGather.make(stage: stage, convolution: parameters, inputShape: plan.network.inputShapes[stage.node],
                                       outputShape: plan.network.outputShapes[stage.node], bias: nil,
                                       stepsPerGroup: schedule.stepsPerGroup) != nil
                else { continue }
                covered += 1
            }
        }
        #expect(covered > 0)
    }

    @Test("counts and predictions with every group gathered equal those with none gathered")
    func gatheredEqualsScattered() throws {
        var checked = 0
        for name in SimulatorReferenceTests.exactCases {
            var (plan, dataset) = try Self.plan(name)
            guard WorkerSchedule(plan: plan).stepsPerGroup > 1 else { continue }
            for set in KernelInstructionSet.supported {
                plan.instructionSet = set
                plan.gathersGroups = false
                let scattered = try SimulationRunner.run(plan: plan, dataset: dataset, threads: 1, recordSteps: true)
                for gathers in [true, nil] as [Bool?] {
                    plan.gathersGroups = gathers
                    let gathered = try SimulationRunner.run(plan: plan, dataset: dataset, threads: 1, recordSteps: true)
                    let context = "\(name), \(set.rawValue), gathers \(gathers.map(String.init) ?? "by activity")"
                    #expect(gathered.predictionsByStep == scattered.predictionsByStep, "\(context)")
                    for metric in CountMetric.allCases {
                        for sample in 0..<gathered.counts.sampleCount {
                            for step in 0..<plan.options.timesteps {
                                for layer in 0..<gathered.layerNames.count {
                                    let a = gathered.counts.value(metric, sample: sample, step: step, layer: layer)
                                    let b = scattered.counts.value(metric, sample: sample, step: step, layer: layer)
                                    #expect(a == b, "\(context): \(metric.rawValue) sample \(sample) step \(step) layer \(layer)")
                                    checked += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect(checked > 0)
    }

    private static func plan(_ name: String) throws -> (SimulationPlan, SampleDataset) {
        let plan = try SimulationFixtures.casePlan(name).plan
        let dataset = try SampleDataset(path: SimulationFixtures.file("\(name).data.h5"),
                                        preferSpikes: plan.options.encoding == .spikes)
        return (plan, dataset)
    }
}
