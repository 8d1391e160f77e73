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
    /// `count` weights in [-1, 1], one in twelve an awkward value (an infinity, a subnormal, near the float range's end).
    static func weights(_ count: Int, _ random: inout SplitMix) -> [Float] {
        (0..<count).map { _ -> Float in
            switch random.next() % 12 {
            case 0: return [Float.infinity, -.infinity, Float(bitPattern: 0x0001_1000), -3.4e38][Int(random.next() % 4)]
            default: return Float.random(in: -1...1, using: &random)
            }
        }
    }

    @Test("the gather kernel equals its scalar specification, bit for bit, on every instruction set")
    func kernelMatchesSpecification() {
        var random = SplitMix(seed: 0x6A7E_0001)
        for (rows, columns, paddedWidth) in [(1, 1, 3), (3, 5, 7), (4, 8, 10), (7, 9, 13), (2, 16, 18), (3, 23, 25), (2, 33, 35)] {
            for entryCount in [0, 1, 2, 5, 13] {
                let paddedRows = rows + 4
                let masks = (0..<(paddedRows * paddedWidth + 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) & UInt8(truncatingIfNeeded: random.next()) }
                let maximumDelta = (paddedRows - rows) * paddedWidth + (paddedWidth - columns)
                let deltas = (0..<entryCount).map { _ in Int32(random.next() % UInt64(maximumDelta + 1)) }
                let weights = Self.weights(entryCount, &random)
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

    @Test("after either clear (list by list, or the whole array) the masks hold no marks")
    func clearsLeaveNoMarks() throws {
        var checked = 0
        for name in SimulatorReferenceTests.exactCases {
            let (plan, _) = try Self.plan(name)
            for stage in plan.stages {
                guard case .convolution(let parameters) = plan.network.nodes[stage.node].kind,
                      let gather = GroupGather.make(stage: stage, convolution: parameters, inputShape: plan.network.inputShapes[stage.node],
                                                    outputShape: plan.network.outputShapes[stage.node], bias: nil, stepsPerGroup: 8)
                else { continue }
                guard !gather.poolsSpikes else { continue }
                let kernels = Kernels(nil)
                let plane = gather.outputRows * gather.outputColumns
                for wholeArray in [false, true] {
                    // Every input marked at every step, then cleared: a gather with no bias must then give +0 sums.
                    let spikes = (0..<Int32(stage.inputCount)).map { $0 }
                    try spikes.withUnsafeBufferPointer { list in
                        for g in 0..<8 {
                            _ = try #require(gather.markListed(list, step: g))
                        }
                        #expect(gather.clearsAll(spikes: 8 * list.count))
                        if wholeArray { gather.clearAll() } else { for _ in 0..<8 { gather.clear(list) } }
                    }
                    for channel in 0..<gather.outputChannels {
                        gather.gather(channel: channel, kernels: kernels)
                        #expect((0..<(8 * plane)).allSatisfy { gather.sums[$0].bitPattern == 0 }, "\(name) channel \(channel)")
                    }
                }
                checked += 1
            }
        }
        #expect(checked > 0)
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
                    checked += expectSameCounts(gathered, scattered, context: context).cells
                }
            }
        }
        #expect(checked > 0)
    }

    /// A gathered layer of several output channels feeding IF neurons with a threshold, gain and reset per neuron
    /// (each output channel's IF step must read its own neurons' parameters), with a bias.
    @Test("a layer with per-neuron IF parameters and a bias: every group gathered equals none gathered")
    func perNeuronParameters() throws {
        var state: UInt64 = 0x5EED_6A7E
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) * 0x1p-24
        }
        let folder = try Fixtures.scratchDirectory()
        let data = folder.appendingPathComponent("data.h5").path
        do {
            let file = try HDF5File(path: data, mode: .createNew)
            defer { file.close() }
            try file.writeDataset("images", (0..<(6 * 2 * 12 * 12)).map { _ in next() }, shape: [6, 2, 12, 12])
            try file.writeDataset("labels", (0..<6).map { Int64($0 % 3) }, shape: [6])
        }
        // conv2: about one weight in twelve kept (laid out by position class), signed multiples of 1/64.
        let first = (0..<(4 * 2 * 9)).map { _ in (next() - 0.35) * 0.8 }
        let second = (0..<(6 * 4 * 9)).map { _ -> Float in next() < 0.08 ? Float(Int((next() - 0.4) * 64)) / 64 : 0 }
        let shape = [6, 12, 12], neurons = 6 * 12 * 12
        func perNeuron(_ range: ClosedRange<Float>) throws -> ParameterTensor {
            try ParameterTensor(shape: shape, float32: (0..<neurons).map { _ in range.lowerBound + next() * (range.upperBound - range.lowerBound) })
        }
        let if2 = try NeuronParameters(model: .integrateAndFire, fields: [
            "r": perNeuron(0.5...1.5), "v_threshold": perNeuron(0.1...0.6), "v_reset": perNeuron(-0.2...0.1),
        ], node: "if2")
        let conv2 = ConvolutionParameters(
            weight: try ParameterTensor(shape: [6, 4, 3, 3], float32: second),
            bias: try ParameterTensor(shape: [6], float32: [0.125, -0.0625, 0, 0.25, -0.125, 0.03125]),
            stride: [1, 1], padding: .explicit([1, 1]), dilation: [1, 1], groups: 1, declaredInputSpatialShape: nil)
        let network = try Network(nodes: [
            Node(name: "input", kind: .input(shape: [2, 12, 12])),
            Node(name: "conv1", kind: CoreMappingAnalyticTests.conv(try ParameterTensor(shape: [4, 2, 3, 3], float32: first))),
            Node(name: "if1", kind: .neuron(try CoreMappingAnalyticTests.population("if1"))),
            Node(name: "conv2", kind: .convolution(conv2)),
            Node(name: "if2", kind: .neuron(if2)),
            Node(name: "output", kind: .output(declaredShape: nil)),
        ], edges: [NamedEdge("input", "conv1"), NamedEdge("conv1", "if1"), NamedEdge("if1", "conv2"), NamedEdge("conv2", "if2"),
                   NamedEdge("if2", "output")])
        var plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 12))
        let dataset = try SampleDataset(path: data)
        plan.stepsPerGroup = 8  // 12 steps: a group of 8, then one of 4
        // The case must reach the gather: conv2 takes it and steps if2.
        let conv2Stage = try #require(plan.stages.first { plan.network.nodes[$0.node].name == "conv2" })
        guard case .weighted(.convolution(let scatter), _, _, _) = conv2Stage.kind, case .sparsePositionClasses = scatter.weights else {
            Issue.record("conv2 is not laid out by position class")
            return
        }
        #expect(GroupFiring.population(fedBy: conv2Stage, plan: plan, probedNodes: [], recordedPotentials: []) != nil)
        #expect(GroupGather.make(stage: conv2Stage, convolution: conv2, inputShape: plan.network.inputShapes[conv2Stage.node],
                                 outputShape: plan.network.outputShapes[conv2Stage.node], bias: nil, stepsPerGroup: 8) != nil)
        var spikes = 0
        for set in KernelInstructionSet.supported {
            plan.instructionSet = set
            plan.gathersGroups = false
            let scattered = try SimulationRunner.run(plan: plan, dataset: dataset, threads: 1, recordSteps: true)
            plan.gathersGroups = true
            let gathered = try SimulationRunner.run(plan: plan, dataset: dataset, threads: 1, recordSteps: true)
            spikes += expectSameCounts(gathered, scattered, context: set.rawValue).spikes["if2", default: 0]
        }
        #expect(spikes > 0, "if2 never fires: the comparison would check nothing")
    }

    private static func plan(_ name: String) throws -> (SimulationPlan, SampleDataset) {
        let plan = try SimulationFixtures.casePlan(name).plan
        let dataset = try SampleDataset(path: SimulationFixtures.file("\(name).data.h5"),
                                        preferSpikes: plan.options.encoding == .spikes)
        return (plan, dataset)
    }
}
