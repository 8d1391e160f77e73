import NetworkModel
@testable import Simulator
import Testing

/// The group scatter against the step-by-step scatter, bit for bit, under every instruction set this CPU runs, on
/// ordinary float weights and values (where a reordered or fused sum shows), over shapes the reference networks do
/// not have: borders (position classes), a taller kernel with uneven padding, dilation; inputs as values (`set`, a
/// pool's merged sums) and as unit spikes (`markListed`, an identity route: the kernel adds the weight without the
/// multiplication; a list out of order is refused and leaves no mark; its synops and census against sums taken
/// here), spike lists with repeats in one step, and two groups in a row (the drain restarts at the bias). Inputs summed
/// through a route (`add`, a pool's spikes) against the merge they replace: the sums, the synops, and the census the
/// scan takes of them.
@Suite struct GroupScatterShapeTests {
    struct Shape: Sendable, CustomTestStringConvertible {
        var inputChannels: Int, outputChannels: Int
        var height: Int, width: Int
        var kernel: (height: Int, width: Int)
        var padding: (rows: Int, columns: Int)
        var dilation = 1
        var testDescription: String {
            "\(inputChannels) → \(outputChannels) channels on \(height) × \(width), kernel \(kernel.height) × \(kernel.width), "
                + "padding \(padding.rows), \(padding.columns), dilation \(dilation)"
        }
    }

    static let shapes = [Shape(inputChannels: 12, outputChannels: 20, height: 11, width: 7, kernel: (3, 3), padding: (1, 1)),
                         Shape(inputChannels: 8, outputChannels: 18, height: 10, width: 5, kernel: (5, 3), padding: (2, 1)),
                         Shape(inputChannels: 8, outputChannels: 12, height: 12, width: 6, kernel: (3, 3), padding: (2, 2),
                               dilation: 2)]

    @Test("a group scatter gives every step the step-by-step sums, bit for bit, for values and unit spikes, on every instruction set",
          arguments: shapes)
    func matchesStepByStep(shape: Shape) throws {
        var random = SplitMix(seed: 0x5EED_0003)
        guard let layer = try Layer(shape, random: &random) else { return }
        let (convolution, lists, bias) = (layer.convolution, layer.lists, layer.bias)
        let (inputs, outputs) = (layer.inputs, layer.outputs)
        let steps = 7
        let synopsPerSpike = (0..<inputs).map { _ in Int(random.next() % 50) }
        let taps = (0..<inputs).map { _ in Int32(random.next() % 30) }
        for set in KernelInstructionSet.supported {
            let kernels = Kernels(set)
            for unitValues in [false, true] {
                let group = GroupScatter(lists: lists, inputCount: inputs, inputPlane: shape.height * shape.width,
                                         outputCount: outputs, bias: bias, unitValues: unitValues)
                for round in 0..<2 {
                    var expected = [Float](repeating: 0, count: steps * outputs)
                    for g in 0..<steps {
                        var target = (0..<outputs).map { bias[$0] }
                        target.withUnsafeMutableBufferPointer { target in
                            if g == 3 && round == 0 {  // a spike list with repeats: one unit per listing, straight into lane g
                                var spikes: [Int32] = []
                                for element in 0..<inputs where random.next() % 6 == 0 {
                                    spikes += Array(repeating: Int32(element), count: 1 + Int(random.next() % 3))
                                }
                                for spike in spikes { convolution.scatter(input: Int(spike), scale: 1, into: target.baseAddress!) }
                                spikes.withUnsafeBufferPointer { group.scatterStep(spikes: $0, step: g) }
                            } else if unitValues {  // spikes listed once each, ascending: value 1
                                let spikes = (0..<inputs).filter { _ in random.next() % 4 == 0 }.map { Int32($0) }
                                let unlisted = (0..<Int32(inputs)).filter { !spikes.contains($0) }
                                if g == 5 && unlisted.count >= 3 {
                                    // Out of order: refused, and the marks made before the step back undone (elements
                                    // that are not listed after, so a mark left behind would show in the sums).
                                    let descending = [unlisted[0], unlisted[2], unlisted[1]]
                                    let refused = descending.withUnsafeBufferPointer {
                                        group.markListed($0, step: g, synopsPerSpike: synopsPerSpike, taps: taps)
                                    }
                                    #expect(refused == nil, "\(set), group \(round): a list out of order was marked")
                                }
                                for spike in spikes { convolution.scatter(input: Int(spike), scale: 1, into: target.baseAddress!) }
                                let counted = spikes.withUnsafeBufferPointer {
                                    group.markListed($0, step: g, synopsPerSpike: synopsPerSpike, taps: taps)
                                }
                                #expect(counted?.synops == spikes.reduce(0) { $0 + synopsPerSpike[Int($1)] })
                                #expect(counted?.operations == spikes.reduce(0) { $0 + Int(taps[Int($1)]) })
                            } else {  // values on ordinary floats, ascending elements, about a quarter active
                                for element in 0..<inputs where random.next() % 4 == 0 {
                                    let value = Float(Int(random.next() % 2001) - 1000) / 333
                                    if value == 0 { continue }
                                    convolution.scatter(input: element, scale: value, into: target.baseAddress!)
                                    group.set(element: element, step: g, value: value)
                                }
                            }
                        }
                        expected.replaceSubrange(g * outputs..<(g + 1) * outputs, with: target)
                    }
                    group.scatter(kernel: kernels.groupScatter)
                    var actual = [Float](repeating: .nan, count: steps * outputs)
                    actual.withUnsafeMutableBufferPointer { group.drain(into: $0.baseAddress!, steps: steps, kernel: kernels.groupDrain) }
                    let differing = zip(actual, expected).filter { $0.bitPattern != $1.bitPattern }.count
                    let context = "\(set), unit values \(unitValues), group \(round)"
                    #expect(differing == 0, "\(context): \(differing) of \(actual.count) differ")
                }
            }
        }
    }

    @Test("spikes summed into the group through a route give the step-by-step sums of the merged inputs, their synops and their census, on every instruction set",
          arguments: shapes)
    func summedThroughRouteMatchesMerged(shape: Shape) throws {
        var random = SplitMix(seed: 0x5EED_0005)
        guard let layer = try Layer(shape, random: &random) else { return }
        let (arena, convolution, lists, bias) = (layer.arena, layer.convolution, layer.lists, layer.bias)
        let (inputs, outputs) = (layer.inputs, layer.outputs)
        // A producer of twice the inputs, each element reaching one to three inputs: pool-like factors, ordinary floats,
        // and a negative one, so that some sums cancel to zero (touched, not counted) and some steps stay binary.
        let producers = 2 * inputs
        var offsets: [Int32] = [0], targets: [Int32] = [], factors: [Float] = []
        var unitOffsets: [Int32] = [0], unitTargets: [Int32] = [], unitFactors: [Float] = []
        var oneEachTargets: [Int32] = [], oneEachFactors: [Float] = []  // a tiling pool's shape, offsets 0, 1, 2, …
        for _ in 0..<producers {
            for _ in 0..<(1 + Int(random.next() % 3)) {
                targets.append(Int32(random.next() % UInt64(inputs)))
                factors.append([0.25, 0.5, 1, -1, 1.7, Float.random(in: -2...2, using: &random)][Int(random.next() % 6)])
            }
            offsets.append(Int32(targets.count))
            unitTargets.append(Int32(random.next() % UInt64(inputs)))
            unitFactors.append(1)
            unitOffsets.append(Int32(unitTargets.count))
            oneEachTargets.append(Int32(random.next() % UInt64(inputs)))
            oneEachFactors.append([0.25, 1.0 / 9, -1, 1.7][Int(random.next() % 4)])
        }
        let route = SignalRoute(isIdentity: false, offsets: arena.store(offsets), targets: arena.store(targets),
                                factors: arena.store(factors))
        let unitRoute = SignalRoute(isIdentity: false, offsets: arena.store(unitOffsets), targets: arena.store(unitTargets),
                                    factors: arena.store(unitFactors))
        let oneEachRoute = SignalRoute(isIdentity: false, offsets: arena.store((0...producers).map { Int32($0) }),
                                       targets: arena.store(oneEachTargets), factors: arena.store(oneEachFactors))
        // Both of `add`'s walks are taken: element by element where each producer reaches one element, else the lists.
        #expect(unitRoute.oneTargetEach && oneEachRoute.oneTargetEach && !route.oneTargetEach)
        let identity = SignalRoute.identity(count: inputs)
        let synopsPerSpike = (0..<producers).map { _ in Int(random.next() % 50) }
        let taps = (0..<inputs).map { _ in Int32(random.next() % 30) }
        let steps = 7
        for set in KernelInstructionSet.supported {
            let kernels = Kernels(set)
            let group = GroupScatter(lists: lists, inputCount: inputs, inputPlane: shape.height * shape.width,
                                     outputCount: outputs, bias: bias, unitValues: false)
            for round in 0..<2 {
                var expected = [Float](repeating: 0, count: steps * outputs)
                var expectedCensus: [(operations: Int, binary: Bool)] = []
                for g in 0..<steps {
                    // Step 1 through the identity (one projection of two in a real node), step 4 through unit factors
                    // (binary unless two spikes meet), step 5 one element per producer with pool-like factors, step 6
                    // with no spikes, the others through the mixed route.
                    let stepRoute = g == 1 ? identity : g == 4 ? unitRoute : g == 5 ? oneEachRoute : route
                    let range = g == 1 ? inputs : producers
                    let spikes = g == 6 ? [] : (0..<range).filter { _ in random.next() % 5 == 0 }.map { Int32($0) }
                    // The merge the group replaces: sums per element in arrival order, from zero.
                    var sums = [Float](repeating: 0, count: inputs), touched = [Bool](repeating: false, count: inputs)
                    spikes.withUnsafeBufferPointer { spikes in
                        stepRoute.forEachTarget(ofEach: spikes) { element, amount in
                            sums[element] += amount
                            touched[element] = true
                        }
                    }
                    let synops = spikes.withUnsafeBufferPointer {
                        group.add(spikes: $0, route: stepRoute, step: g, synopsPerSpike: synopsPerSpike)
                    }
                    #expect(synops == spikes.reduce(0) { $0 + synopsPerSpike[Int($1)] }, "\(set), step \(g): synops")
                    var operations = 0, binary = true
                    var target = (0..<outputs).map { bias[$0] }
                    target.withUnsafeMutableBufferPointer { target in
                        for element in 0..<inputs where touched[element] {
                            convolution.scatter(input: element, scale: sums[element], into: target.baseAddress!)
                            if sums[element] != 0 {
                                operations += Int(taps[element])
                                if sums[element] != 1 && sums[element] != -1 { binary = false }
                            }
                        }
                    }
                    expectedCensus.append((operations, binary))
                    expected.replaceSubrange(g * outputs..<(g + 1) * outputs, with: target)
                }
                let census = taps.withUnsafeBufferPointer { group.scatter(kernel: kernels.groupScatter, censusTaps: $0.baseAddress!) }
                for g in 0..<steps {
                    #expect(census.operations[g] == expectedCensus[g].operations, "\(set), group \(round), step \(g): operations")
                    #expect(census.nonBinary[g] == !expectedCensus[g].binary, "\(set), group \(round), step \(g): binary")
                }
                #expect(census.operations[7] == 0 && !census.nonBinary[7], "\(set): a step not in the group counted")
                var actual = [Float](repeating: .nan, count: steps * outputs)
                actual.withUnsafeMutableBufferPointer { group.drain(into: $0.baseAddress!, steps: steps, kernel: kernels.groupDrain) }
                let differing = zip(actual, expected).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "\(set), group \(round): \(differing) of \(actual.count) differ")
            }
        }
    }

    /// A sparse convolution of a `Shape` (about 5% of its weights non-zero, ordinary floats) laid out as
    /// position-class lists, and a random bias.
    private struct Layer {
        let arena = BufferArena()
        let convolution: ConvolutionScatter
        let lists: PositionClassLists
        let bias: ImmutableBuffer<Float>
        let inputs: Int, outputs: Int

        /// Nil, with an issue recorded, when the convolution is not laid out as position-class lists.
        init?(_ shape: Shape, random: inout SplitMix) throws {
            let inC = shape.inputChannels, outC = shape.outputChannels
            let (kH, kW) = shape.kernel
            let weights = (0..<(outC * inC * kH * kW)).map { _ -> Float in
                Float.random(in: 0..<1, using: &random) < 0.05 ? Float.random(in: -1...1, using: &random) : 0
            }
            let conv = ConvolutionParameters(
                weight: try ParameterTensor(shape: [outC, inC, kH, kW], float32: weights), bias: nil, stride: [1, 1],
                padding: .explicit([shape.padding.rows, shape.padding.columns]), dilation: [shape.dilation, shape.dilation],
                groups: 1, declaredInputSpatialShape: nil)
            let outputSpatial = conv.outputSpatialShape(inputSpatialShape: [shape.height, shape.width])
            convolution = ConvolutionScatter(conv, inputShape: [inC, shape.height, shape.width],
                                             outputShape: [outC] + outputSpatial, arena: arena)
            guard case .sparsePositionClasses(let lists, _) = convolution.weights else {
                Issue.record("\(shape): not stored as position-class lists")
                return nil
            }
            self.lists = lists
            inputs = inC * shape.height * shape.width
            outputs = outC * outputSpatial[0] * outputSpatial[1]
            bias = arena.store((0..<outputs).map { _ in Float.random(in: -1...1, using: &random) })
        }
    }
}
