import NetworkModel
@testable import Simulator
import Testing

/// The dense convolution scattered by position (`ActiveInputs` + `ConvolutionScatter.scatter(byPosition:...)`) against
/// a scalar convolution written from its documented order, bit for bit, under every instruction set this CPU runs:
/// ordinary (not power-of-two) float weights, so a product skipped, a sum reordered or a fused multiply-add would show.
/// Sizes are chosen so every path is taken: a full and a narrow tile of output channels (72 = 64 + 8), planes large
/// enough that slots go in several blocks, slots whose values are all 1 (the kernels' add-only path) and slots with
/// a pool's fractions, elements reached twice and channels reached out of order, slots sealed straight from a spike
/// list (no values stored), borders, stride 2.
@Suite struct PositionScatterTests {
    struct Shape: Sendable, CustomTestStringConvertible {
        var inputChannels: Int
        var outputChannels: Int
        var size: Int
        var stride: Int
        var padding: Int
        /// Whether each slot's output is large enough that the slots go in several blocks (`slotBlockBytes`).
        var severalSlotBlocks = false
        var testDescription: String {
            "\(inputChannels) → \(outputChannels) channels on \(size) × \(size), stride \(stride), padding \(padding)"
        }
    }

    /// 136 input channels: one tap at a time; 64 and 48 (three-wide kernels): three taps together on AVX-512.
    static let shapes = [Shape(inputChannels: 136, outputChannels: 72, size: 24, stride: 1, padding: 1, severalSlotBlocks: true),
                         Shape(inputChannels: 64, outputChannels: 128, size: 13, stride: 2, padding: 0),
                         Shape(inputChannels: 48, outputChannels: 64, size: 20, stride: 1, padding: 1)]

    @Test("bit-identical to the scalar convolution in its documented order, under every instruction set", arguments: shapes)
    func matchesScalarConvolution(shape: Shape) throws {
        var random = SplitMix(seed: 16)
        let kernel = 3, taps = kernel * kernel
        let inC = shape.inputChannels, outC = shape.outputChannels, size = shape.size
        let outSize = (size + 2 * shape.padding - kernel) / shape.stride + 1
        let positions = size * size, outPositions = outSize * outSize
        let weights = (0..<(outC * inC * taps)).map { _ in Float.random(in: -1...1, using: &random) }
        let conv = ConvolutionParameters(
            weight: try ParameterTensor(shape: [outC, inC, kernel, kernel], float32: weights), bias: nil,
            stride: [shape.stride, shape.stride], padding: .explicit([shape.padding, shape.padding]), dilation: [1, 1],
            groups: 1, declaredInputSpatialShape: [size, size])
        let arena = BufferArena()
        let scatter = ConvolutionScatter(conv, inputShape: [inC, size, size], outputShape: [outC, outSize, outSize], arena: arena)
        guard case .denseTapTiles(let tiles) = scatter.weights else {
            Issue.record("expected the dense tiled layout")
            return
        }

        // Per slot, what is added in order: spikes channel-major (as a spike list arrives), then a second input that
        // reaches some elements again and some new ones (as a second projection would). Even slots carry only 1s.
        let slots = 5
        var additions: [[(element: Int, amount: Float)]] = []
        for slot in 0..<slots {
            let fractions: [Float] = slot % 2 == 0 ? [1] : [0.25, 0.5, 0.75, 1]
            var list: [(Int, Float)] = []
            for element in 0..<(inC * positions) where Double.random(in: 0..<1, using: &random) < 0.1 {
                list.append((element, fractions.randomElement(using: &random)!))
            }
            if slot % 2 == 1 {
                for element in 0..<(inC * positions) where Double.random(in: 0..<1, using: &random) < 0.03 {
                    list.append((element, 0.5))
                }
            }
            additions.append(list)
        }

        let slotStride = outC * outPositions
        let initial = (0..<(slots * slotStride)).map { _ in Float.random(in: -2...2, using: &random) }
        let expected = Self.reference(additions: additions, initial: initial, weights: weights, shape: shape,
                                      outSize: outSize, slotStride: slotStride)
        if shape.severalSlotBlocks {
            #expect(ConvolutionScatter.slotBlockBytes / (slotStride * 4) < slots, "the slots must go in several blocks")
        }

        let sets = KernelInstructionSet.supported
        #expect(sets.contains(.generic))
        for set in sets {
            let active = ActiveInputs(channels: inC, positions: positions, slots: slots)
            for slot in 0..<slots {
                if slot % 4 == 0 {
                    // Unit values in ascending order, as a population's spike list: sealed from the list itself,
                    // which stores no values (the kernels must not read them).
                    let spikes = additions[slot].map { Int32($0.element) }
                    spikes.withUnsafeBufferPointer { #expect(active.sealListed($0, slot: slot), "slot \(slot)") }
                } else {
                    for addition in additions[slot] { active.add(element: addition.element, amount: addition.amount) }
                    active.seal(slot: slot)
                }
                #expect(active.unitValues(slot) == (slot % 2 == 0), "slot \(slot)")
            }
            let output = UnsafeMutablePointer<Float>.allocate(capacity: initial.count)
            defer { output.deallocate() }
            output.initialize(from: initial, count: initial.count)
            scatter.scatter(byPosition: active, tiles: tiles, slots: Array(0..<slots), into: output, slotStride: slotStride,
                            kernels: Kernels(set))
            var differing = 0, first: String?
            for index in 0..<initial.count where output[index].bitPattern != expected[index].bitPattern {
                differing += 1
                if first == nil { first = "element \(index): \(output[index]) vs \(expected[index])" }
            }
            #expect(differing == 0, "\(set.rawValue) kernels: \(differing) of \(initial.count) differ, first \(first ?? "")")
        }
    }

    /// The census a seal takes (`seal(slot:census:)`) is the one an `InputCensus` takes from the same additions:
    /// elements reached several times, sums that cancel to zero (not counted), ±1 (binary) and fractions (not).
    @Test("the seal's census equals InputCensus's over the same additions")
    func sealCensusMatchesInputCensus() {
        var random = SplitMix(seed: 17)
        let channels = 12, positions = 30, elements = channels * positions
        let taps = (0..<elements).map { _ in Int32(random.next() % 10) }
        let active = ActiveInputs(channels: channels, positions: positions, slots: 6)
        let census = InputCensus(elements: elements)
        let amounts: [[Float]] = [[1], [1, -1], [0.25, 0.5, 1], [1, -1, 0.5, -0.5], [], [1]]
        var binaries: [Bool] = []
        for slot in 0..<6 {
            // Slots 0, 1 and 5 reach each element at most once (±1 each: binary); the others repeat elements.
            let distinct = Array((0..<elements).shuffled(using: &random).prefix(150))
            var additions: [(Int, Float)] = (0..<(slot == 4 ? 0 : 150)).map { index in
                ([0, 1, 5].contains(slot) ? distinct[index] : Int(random.next() % UInt64(elements)),
                 amounts[slot].randomElement(using: &random)!)
            }
            if slot == 3 { additions += [(7, 0.5), (7, -0.5), (8, -1)] }  // a sum that cancels to zero, a −1
            for (element, amount) in additions {
                active.add(element: element, amount: amount)
                census.add(element, amount)
            }
            let sealed = taps.withUnsafeBufferPointer { active.seal(slot: slot, census: $0.baseAddress!) }
            let expected = taps.withUnsafeBufferPointer { census.drain(taps: $0.baseAddress!) }
            #expect(sealed.operations == expected.operations && sealed.binary == expected.binary,
                    "slot \(slot): \(sealed) vs \(expected)")
            binaries.append(expected.binary)
        }
        #expect(binaries == [true, true, false, false, true, true], "the cases cover both outcomes")
    }

    /// The channels-last output goes to (C, H, W) through the instruction set's transpose: every value moved, none
    /// changed, for sizes with and without whole 16 × 16 tiles.
    @Test("the transpose to (C, H, W) moves every value exactly, under every instruction set",
          arguments: [(1, 1), (16, 16), (37, 72), (1_024, 64), (4, 512), (25, 8)])
    func transposeIsExact(positions: Int, channels: Int) {
        var random = SplitMix(seed: UInt64(positions * 1_000 + channels))
        let source = (0..<(positions * channels)).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: random.next())) }
        for set in KernelInstructionSet.supported {
            var destination = [Float](repeating: 0, count: source.count)
            source.withUnsafeBufferPointer { from in
                destination.withUnsafeMutableBufferPointer { to in
                    Kernels(set).transpose(from.baseAddress!, positions: positions, channels: channels, into: to.baseAddress!)
                }
            }
            var differing = 0
            for channel in 0..<channels {
                for position in 0..<positions
                where destination[channel * positions + position].bitPattern != source[position * channels + channel].bitPattern {
                    differing += 1
                }
            }
            #expect(differing == 0, "\(set.rawValue): \(differing) of \(source.count) values misplaced")
        }
    }

    /// The documented order, output element by element: its initial value, then tap by tap (row-major), the one
    /// input position the tap reaches it from, that position's channels in the order they were first reached; each
    /// product (value · weight, rounded) added in turn. Output channels-last: (position, channel).
    static func reference(additions: [[(element: Int, amount: Float)]], initial: [Float], weights: [Float], shape: Shape,
                          outSize: Int, slotStride: Int) -> [Float] {
        let inC = shape.inputChannels, outC = shape.outputChannels, size = shape.size, kernel = 3
        let positions = size * size
        var result = initial
        for (slot, list) in additions.enumerated() {
            // Per input position: (channel, summed value) in order of first touch.
            var perPosition = [[(channel: Int, value: Float)]](repeating: [], count: positions)
            var index = [Int: Int]()
            for (element, amount) in list {
                let channel = element / positions, position = element % positions
                if let at = index[element] {
                    perPosition[position][at].value += amount
                } else {
                    index[element] = perPosition[position].count
                    perPosition[position].append((channel, amount))
                }
            }
            let ordered = perPosition
            for outY in 0..<outSize {
                for outX in 0..<outSize {
                    for output in 0..<outC {
                        var sum = result[slot * slotStride + (outY * outSize + outX) * outC + output]
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                let y = outY * shape.stride - shape.padding + ky, x = outX * shape.stride - shape.padding + kx
                                guard (0..<size).contains(y), (0..<size).contains(x) else { continue }
                                for (channel, value) in ordered[y * size + x] {
                                    let product = value * weights[((output * inC + channel) * kernel + ky) * kernel + kx]
                                    sum = sum + product
                                }
                            }
                        }
                        result[slot * slotStride + (outY * outSize + outX) * outC + output] = sum
                    }
                }
            }
        }
        return result
    }
}
