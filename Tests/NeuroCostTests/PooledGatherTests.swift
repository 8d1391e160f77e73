import Foundation
import NetworkModel
import NeuroCost
@testable import Simulator
import Testing

/// The group gather of a convolution fed through a 2 × 2 pool (`GroupGather.poolsSpikes`,
/// `nc_group_gather_values_kernel`): the kernel against its scalar specification bit for bit under every instruction
/// set this CPU runs; the pooled gather's sums and census against the step-by-step path's (`MergedInputs` and the
/// scatter) bit for bit, by activity; and end to end, a pool-fed network with every group gathered, by activity and
/// with none, gives the same counts and predictions.
@Suite struct PooledGatherTests {
    @Test("the values gather kernel equals its scalar specification, bit for bit, on every instruction set")
    func kernelMatchesSpecification() {
        var random = SplitMix(seed: 0x6A7E_0002)
        for (rows, columns, paddedWidth) in [(1, 1, 3), (3, 5, 7), (2, 16, 18), (3, 23, 25), (2, 33, 35)] {
            for (blocks, passes) in [([] as [Int32], 2), ([1], 1), ([3, 2, 3], 2), ([5, 1], 3), ([2, 6, 1, 3], 4), ([3], 0)] {
                let entryCount = Int(blocks.reduce(0, +))
                let paddedRows = rows + 4, plane = paddedRows * paddedWidth + 64
                let masks = (0..<(plane * max(passes, 1))).map { _ in
                    UInt8(truncatingIfNeeded: random.next()) & UInt8(truncatingIfNeeded: random.next())
                }
                // Lanes no pass marks hold NaN: the kernel must never add them. Marked ones hold pooled values.
                let values = (0..<(8 * plane)).map { index -> Float in
                    let lane = index / plane, at = index % plane
                    let marked = (0..<passes).contains { masks[$0 * plane + at] & (1 << lane) != 0 }
                    return marked ? Float(Int(random.next() % 4) + 1) * 0.25 : .nan
                }
                let maximumDelta = (paddedRows - rows) * paddedWidth + (paddedWidth - columns)
                let deltas = (0..<entryCount).map { _ in Int32(random.next() % UInt64(maximumDelta + 1)) }
                let weights = GroupGatherTests.weights(entryCount, &random)
                let bias = (0..<(rows * columns)).map { _ in Float.random(in: -0.5...0.5, using: &random) }
                for withBias in [false, true] {
                    let expected = Self.specification(values: values, valueStride: plane, masks: masks, passStride: plane,
                                                      passes: passes, deltas: deltas, weights: weights, blocks: blocks,
                                                      bias: withBias ? bias : nil, rows: rows, columns: columns,
                                                      paddedWidth: paddedWidth)
                    for set in KernelInstructionSet.supported {
                        var sums = [Float](repeating: .nan, count: 8 * rows * columns)
                        bias.withUnsafeBufferPointer { bias in
                            sums.withUnsafeMutableBufferPointer { sums in
                                Kernels(set).groupGatherValues(sums.baseAddress!, values, Int64(plane), masks, Int64(plane),
                                                               Int64(passes), deltas, weights, blocks, Int64(blocks.count),
                                                               withBias ? bias.baseAddress : nil, Int64(rows), Int64(columns),
                                                               Int64(paddedWidth))
                            }
                        }
                        #expect(sums.map(\.bitPattern) == expected.map(\.bitPattern),
                                "\(set.rawValue), \(rows) × \(columns), blocks \(blocks), \(passes) passes, bias \(withBias)")
                    }
                }
            }
        }
    }

    /// The kernel's contract in CKernels.h, literally.
    private static func specification(values: [Float], valueStride: Int, masks: [UInt8], passStride: Int, passes: Int,
                                      deltas: [Int32], weights: [Float], blocks: [Int32], bias: [Float]?, rows: Int,
                                      columns: Int, paddedWidth: Int) -> [Float] {
        var result = [Float](repeating: 0, count: 8 * rows * columns)
        for y in 0..<rows {
            for x in 0..<columns {
                let output = y * columns + x, window = y * paddedWidth + x
                for lane in 0..<8 {
                    var sum = bias?[output] ?? 0
                    var first = 0
                    for length in blocks {
                        for pass in 0..<passes {
                            for entry in first..<(first + Int(length)) {
                                let at = window + Int(deltas[entry])
                                if masks[pass * passStride + at] & (1 << lane) != 0 {
                                    sum += values[lane * valueStride + at] * weights[entry]
                                }
                            }
                        }
                        first += Int(length)
                    }
                    result[lane * rows * columns + output] = sum
                }
            }
        }
        return result
    }

    /// input (2, side, side) → conv1 (8) → if1 → pool 2 × 2 → conv2 (16, 3 × 3, padding 1, two whole kernel rows per
    /// output channel, with a bias) → if2 → output.
    private static func network(side: Int, averagePool: Bool, seed: UInt64, poolKernel: Int = 2,
                                poolStride: Int = 2) throws -> Network {
        var random = SplitMix(seed: seed)
        let first = (0..<(8 * 2 * 9)).map { _ in Float.random(in: -0.3...0.5, using: &random) }
        // Per output channel, two whole kernel rows (so that the order of a row's terms, the passes', matters) and
        // nothing else: sparse enough to be laid out by position class (`ConvolutionScatter`), which the gather serves.
        var second = [Float](repeating: 0, count: 16 * 8 * 9)
        for output in 0..<16 {
            for _ in 0..<2 {
                let row = Int(random.next() % 24)  // (input channel, kernel row)
                for column in 0..<3 { second[output * 72 + row * 3 + column] = Float.random(in: -0.6...0.9, using: &random) }
            }
        }
        let conv2 = ConvolutionParameters(
            weight: try ParameterTensor(shape: [16, 8, 3, 3], float32: second),
            bias: try ParameterTensor(shape: [16], float32: (0..<16).map { Float($0 % 5) * 0.05 - 0.1 }),
            stride: [1, 1], padding: .explicit([1, 1]), dilation: [1, 1], groups: 1, declaredInputSpatialShape: nil)
        let pool = PoolingParameters(kernelSize: [poolKernel, poolKernel], stride: [poolStride, poolStride], padding: [0, 0])
        return try Network(nodes: [
            Node(name: "input", kind: .input(shape: [2, side, side])),
            Node(name: "conv1", kind: CoreMappingAnalyticTests.conv(try ParameterTensor(shape: [8, 2, 3, 3], float32: first))),
            Node(name: "if1", kind: .neuron(try CoreMappingAnalyticTests.population("if1"))),
            Node(name: "pool", kind: averagePool ? .avgPool2d(pool) : .sumPool2d(pool)),
            Node(name: "conv2", kind: .convolution(conv2)),
            Node(name: "if2", kind: .neuron(try CoreMappingAnalyticTests.population("if2"))),
            Node(name: "output", kind: .output(declaredShape: nil)),
        ], edges: [NamedEdge("input", "conv1"), NamedEdge("conv1", "if1"), NamedEdge("if1", "pool"), NamedEdge("pool", "conv2"),
                   NamedEdge("conv2", "if2"), NamedEdge("if2", "output")])
    }

    @Test("pooled gather sums and census equal the merge and scatter, bit for bit, by activity", arguments: [true, false])
    func pooledMatchesScatter(averagePool: Bool) throws {
        for side in [12, 13] {  // 13: the pool drops the producer's last row and column
            let network = try Self.network(side: side, averagePool: averagePool, seed: 0x6A7E_0003 &+ UInt64(side))
            let plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 8))
            let stage = try #require(plan.stages.first { plan.network.nodes[$0.node].name == "conv2" })
            guard case .weighted(.convolution(let scatter), let bias, _, let taps) = stage.kind,
                  case .sparsePositionClasses = scatter.weights, case .convolution(let parameters) = plan.network.nodes[stage.node].kind
            else {
                Issue.record("conv2 is not a sparse convolution laid out by position class")
                return
            }
            let producer = stage.projections[0].producer
            let gather = try #require(GroupGather.make(stage: stage, convolution: parameters,
                                                       inputShape: plan.network.inputShapes[stage.node],
                                                       outputShape: plan.network.outputShapes[stage.node], bias: bias,
                                                       stepsPerGroup: 8, producerShape: plan.network.outputShapes[producer]))
            #expect(gather.poolsSpikes)
            let producerCount = plan.network.outputShapes[producer].reduce(1, *)
            let perSpike = [Int](repeating: 1, count: producerCount)
            let route = stage.projections[0].route
            let plane = gather.outputRows * gather.outputColumns, count = stage.outputCount
            var random = SplitMix(seed: 0x6A7E_0004)
            for density in [0.0, 0.05, 0.3, 0.7, 1.0] {
                let lists: [[Int32]] = (0..<8).map { _ in
                    (0..<Int32(producerCount)).filter { _ in Double(random.next() % 1000) < density * 1000 }
                }
                // The step-by-step path: merged per element, scattered from the bias.
                var expected = [[Float]](), expectedCensus = [(operations: Int, binary: Bool)]()
                let merged = MergedInputs(elements: stage.inputCount)
                for list in lists {
                    var target = (0..<count).map { bias?[$0] ?? 0 }
                    list.withUnsafeBufferPointer { merged.add(spikes: $0, route: route) }
                    expectedCensus.append(merged.census(taps: taps.pointer))
                    target.withUnsafeMutableBufferPointer { scatter.scatter(merged, into: $0.baseAddress!) }
                    expected.append(target)
                }
                for set in KernelInstructionSet.supported {
                    for (g, list) in lists.enumerated() {
                        let synops = list.withUnsafeBufferPointer { gather.markPooled($0, step: g, synopsPerSpike: perSpike) }
                        #expect(synops == list.count)
                    }
                    let census = gather.poolMarked()
                    for g in 0..<8 {
                        #expect(census.operations[g] == expectedCensus[g].operations, "density \(density) step \(g)")
                        #expect((census.notBinary & UInt8(1 << g) == 0) == expectedCensus[g].binary, "density \(density) step \(g)")
                    }
                    for channel in 0..<gather.outputChannels {
                        gather.gather(channel: channel, kernels: Kernels(set))
                        for g in 0..<8 {
                            let got = (0..<plane).map { gather.sums[g * plane + $0].bitPattern }
                            let want = (0..<plane).map { expected[g][channel * plane + $0].bitPattern }
                            #expect(got == want, "\(set.rawValue), side \(side), density \(density), channel \(channel), step \(g)")
                        }
                    }
                    gather.clearPooled()
                }
            }
        }
    }

    @Test("pools other than 2 × 2 of stride 2 are not gathered", arguments: [(2, 1), (3, 3), (3, 2)])
    func otherPoolsNotGathered(pool: (kernel: Int, stride: Int)) throws {
        for averagePool in [true, false] {
            let network = try Self.network(side: 12, averagePool: averagePool, seed: 0x6A7E_0008, poolKernel: pool.kernel,
                                           poolStride: pool.stride)
            let plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 8))
            let stage = try #require(plan.stages.first { plan.network.nodes[$0.node].name == "conv2" })
            guard case .convolution(let parameters) = plan.network.nodes[stage.node].kind else { return }
            let route = stage.projections[0].route
            #expect(GroupGather.poolFactor(of: route, inputShape: plan.network.inputShapes[stage.node],
                                           producerShape: plan.network.outputShapes[stage.projections[0].producer]) == nil)
            #expect(GroupGather.make(stage: stage, convolution: parameters, inputShape: plan.network.inputShapes[stage.node],
                                     outputShape: plan.network.outputShapes[stage.node], bias: nil, stepsPerGroup: 8,
                                     producerShape: plan.network.outputShapes[stage.projections[0].producer]) == nil)
        }
    }

    @Test("a spike list out of order is refused")
    func refusesDescendingList() throws {
        let network = try Self.network(side: 12, averagePool: true, seed: 0x6A7E_0005)
        let plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 8))
        let stage = try #require(plan.stages.first { plan.network.nodes[$0.node].name == "conv2" })
        guard case .convolution(let parameters) = plan.network.nodes[stage.node].kind else { return }
        let gather = try #require(GroupGather.make(stage: stage, convolution: parameters, inputShape: plan.network.inputShapes[stage.node],
                                                   outputShape: plan.network.outputShapes[stage.node], bias: nil, stepsPerGroup: 8,
                                                   producerShape: plan.network.outputShapes[stage.projections[0].producer]))
        let perSpike = [Int](repeating: 1, count: 8 * 12 * 12)
        let refused = [Int32]([5, 3]).withUnsafeBufferPointer { gather.markPooled($0, step: 0, synopsPerSpike: perSpike) }
        #expect(refused == nil)
        gather.clearPooled()
    }

    @Test("a pool-fed network: counts and predictions with every group gathered, or by activity, equal those with none",
          arguments: [true, false])
    func endToEnd(averagePool: Bool) throws {
        var random = SplitMix(seed: 0x6A7E_0006)
        let folder = try Fixtures.scratchDirectory()
        let data = folder.appendingPathComponent("data.h5").path
        do {
            let file = try HDF5File(path: data, mode: .createNew)
            defer { file.close() }
            try file.writeDataset("images", (0..<(5 * 2 * 16 * 16)).map { _ in Float.random(in: 0...1, using: &random) },
                                  shape: [5, 2, 16, 16])
            try file.writeDataset("labels", (0..<5).map { Int64($0 % 3) }, shape: [5])
        }
        let network = try Self.network(side: 16, averagePool: averagePool, seed: 0x6A7E_0007)
        var plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 12))
        plan.stepsPerGroup = 8  // a group of 8, then one of 4
        let dataset = try SampleDataset(path: data)
        // The case must reach the pooled gather: conv2 takes it and steps if2.
        let stage = try #require(plan.stages.first { plan.network.nodes[$0.node].name == "conv2" })
        guard case .weighted(.convolution(let scatter), _, _, _) = stage.kind, case .sparsePositionClasses = scatter.weights,
              case .convolution(let parameters) = plan.network.nodes[stage.node].kind else {
            Issue.record("conv2 is not laid out by position class")
            return
        }
        #expect(GroupFiring.population(fedBy: stage, plan: plan, probedNodes: [], recordedPotentials: []) != nil)
        let gather = GroupGather.make(stage: stage, convolution: parameters, inputShape: plan.network.inputShapes[stage.node],
                                      outputShape: plan.network.outputShapes[stage.node], bias: nil, stepsPerGroup: 8,
                                      producerShape: plan.network.outputShapes[stage.projections[0].producer])
        #expect(gather?.poolsSpikes == true)
        var spikes = 0
        for set in KernelInstructionSet.supported {
            plan.instructionSet = set
            plan.gathersGroups = false
            let scattered = try SimulationRunner.run(plan: plan, dataset: dataset, threads: 1, recordSteps: true)
            for gathers in [true, nil] as [Bool?] {
                plan.gathersGroups = gathers
                let gathered = try SimulationRunner.run(plan: plan, dataset: dataset, threads: 1, recordSteps: true)
                let context = "\(set.rawValue), gathers \(gathers.map(String.init) ?? "by activity")"
                spikes += expectSameCounts(gathered, scattered, context: context).spikes["if2", default: 0]
            }
        }
        #expect(spikes > 0, "if2 never fires: the comparison would check nothing")
    }
}
