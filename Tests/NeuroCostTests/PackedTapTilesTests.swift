import NetworkModel
@testable import Simulator
import Testing

/// The dense scatter over packed rows (`PackedTapTiles`): taken only when every weight is exact in its high 16 bits
/// and the layer is large enough, and then bit-identical, under every instruction set this CPU runs, to the scalar
/// convolution in its documented order (`PositionScatterTests.reference`), which the float rows also match.
@Suite struct PackedTapTilesTests {
    /// The threshold these tests build with, whatever this machine's L2 (`PackedTapTiles.defaultMinimumFloatBytes`).
    static let minimumBytes = 2 * 1024 * 1024

    /// 264 = four full tiles of 64 and a narrow one of 8 (which keeps the float path); 256 × 264 × 9 floats are
    /// 2.4 MB, above `minimumBytes`. 48 input channels × 1,344 outputs (2.3 MB): three taps per
    /// call on AVX-512's float path.
    static let shapes = [PositionScatterTests.Shape(inputChannels: 256, outputChannels: 264, size: 5, stride: 1, padding: 1),
                         PositionScatterTests.Shape(inputChannels: 48, outputChannels: 1_344, size: 4, stride: 1, padding: 1)]

    /// Weights with 8 significant bits or fewer: ordinary values (k · 2⁻⁷, |k| < 256, like 0.15625 = 20 · 2⁻⁷),
    /// tiny and subnormal ones, signed zeros.
    static func exactWeights(count: Int, random: inout SplitMix) -> [Float] {
        (0..<count).map { index in
            switch index % 16 {
            case 0: return -0.0
            case 1: return 0.0
            case 2: return Float(bitPattern: 0x0001_0000 | (random.next() % 2 == 0 ? 0 : 0x8000_0000))  // subnormal
            case 3: return Float(bitPattern: UInt32(truncatingIfNeeded: random.next() % 0x80) << 16)  // subnormals
            case 4: return Float(sign: random.next() % 2 == 0 ? .plus : .minus, exponent: -16, significand: 1.5)  // ≈ 3.4e-5
            case 5: return 0.15625
            default: return Float(Int(random.next() % 511) - 255) / 128
            }
        }
    }

    @Test("exact weights: packed rows, bit-identical to the scalar convolution, under every instruction set",
          arguments: shapes)
    func packedMatchesScalarConvolution(shape: PositionScatterTests.Shape) throws {
        var random = SplitMix(seed: 5)
        let layer = Layer(shape: shape, random: &random)
        let (inC, outSize, positions, weights) = (shape.inputChannels, layer.outputSize, layer.positions, layer.weights)
        let arena = BufferArena()
        defer { withExtendedLifetime(arena) {} }
        let scatter = try Self.scatter(weights: weights, shape: shape, arena: arena)
        guard case .denseTapTiles(let tiles) = scatter.weights else {
            Issue.record("expected the dense tiled layout")
            return
        }
        #expect(scatter.packedTiles != nil, "every weight is exact in 16 bits and the rows take over 2 MB")

        let slots = 3
        var additions: [[(element: Int, amount: Float)]] = []
        for slot in 0..<slots {
            let fractions: [Float] = slot % 2 == 0 ? [1] : [0.25, 0.5, 0.75, 1]
            var list: [(Int, Float)] = []
            for element in 0..<(inC * positions) where Double.random(in: 0..<1, using: &random) < 0.15 {
                list.append((element, fractions.randomElement(using: &random)!))
            }
            additions.append(list)
        }
        let slotStride = layer.slotStride
        let initial = (0..<(slots * slotStride)).map { _ in Float.random(in: -2...2, using: &random) }
        let expected = PositionScatterTests.reference(additions: additions, initial: initial, weights: weights, shape: shape,
                                                      outSize: outSize, slotStride: slotStride)
        for set in KernelInstructionSet.supported {
            let kernels = Kernels(set)
            if set != .neon { #expect(kernels.packedPositionPlaneTile64 != nil, "\(set.rawValue) has a packed kernel") }
            let active = ActiveInputs(channels: inC, positions: positions, slots: slots)
            for slot in 0..<slots {
                for addition in additions[slot] { active.add(element: addition.element, amount: addition.amount) }
                active.seal(slot: slot)
            }
            let output = UnsafeMutablePointer<Float>.allocate(capacity: initial.count)
            defer { output.deallocate() }
            output.initialize(from: initial, count: initial.count)
            scatter.scatter(byPosition: active, tiles: tiles, slots: Array(0..<slots), into: output, slotStride: slotStride,
                            kernels: kernels)
            var differing = 0, first: String?
            for index in 0..<initial.count where output[index].bitPattern != expected[index].bitPattern {
                differing += 1
                if first == nil { first = "element \(index): \(output[index]) vs \(expected[index])" }
            }
            #expect(differing == 0, "\(set.rawValue) kernels: \(differing) of \(initial.count) differ, first \(first ?? "")")
        }
    }

    @Test("one weight with a low bit set keeps the float rows")
    func oneInexactWeightKeepsFloatRows() throws {
        var random = SplitMix(seed: 6)
        let shape = Self.shapes[0]
        var weights = Self.exactWeights(count: shape.outputChannels * shape.inputChannels * 9, random: &random)
        let index = weights.count / 3
        for bit: UInt32 in [1, 0x8000] {  // the lowest and the highest of the 16 bits the packing drops
            weights[index] = Float(bitPattern: weights[index].bitPattern | bit)
            #expect(try Self.scatter(weights: weights, shape: shape).packedTiles == nil, "bit \(bit)")
            weights[index] = Float(bitPattern: weights[index].bitPattern & ~bit)
            #expect(try Self.scatter(weights: weights, shape: shape).packedTiles != nil)
        }
    }

    /// Every packed word, read back from the layout's definition (word j of a 64-channel row's half: channel j's
    /// high 16 bits low, channel j + 16's high), and the unused words of the narrow last tile zero: the layouts
    /// are written into memory the arena does not zero first.
    @Test("the packed words are the weights' high halves, the narrow tile's words zero")
    func packedWordsFollowTheLayout() throws {
        var random = SplitMix(seed: 8)
        let shape = Self.shapes[0]  // four full tiles and a narrow one of 8 channels
        let (inC, outC, taps) = (shape.inputChannels, shape.outputChannels, 9)
        let weights = Self.exactWeights(count: outC * inC * taps, random: &random).shuffled(using: &random)
        let arena = BufferArena()
        defer { withExtendedLifetime(arena) {} }
        let scatter = try Self.scatter(weights: weights, shape: shape, arena: arena)
        let words = try #require(scatter.packedTiles).words
        #expect(words.count == outC * inC * taps / 2)
        let tile = ConvolutionScatter.outputTile, fullTiles = outC / tile
        var wrong = 0
        for tap in 0..<taps {
            let tapBase = tap * inC * outC
            for tileIndex in 0..<fullTiles {
                for channel in 0..<inC {
                    let rowWords = (tapBase + tileIndex * tile * inC + channel * tile) / 2
                    for half in 0..<2 {
                        for j in 0..<16 {
                            func bits(_ k: Int) -> UInt32 { weights[((tileIndex * tile + k) * inC + channel) * taps + tap].bitPattern }
                            let expected = (bits(half * 32 + j) >> 16) | (bits(half * 32 + j + 16) & 0xFFFF_0000)
                            if words[rowWords + half * 16 + j] != expected { wrong += 1 }
                        }
                    }
                }
            }
            let narrowStart = (tapBase + fullTiles * tile * inC) / 2
            for index in narrowStart..<(narrowStart + (outC - fullTiles * tile) * inC / 2) where words[index] != 0 { wrong += 1 }
        }
        #expect(wrong == 0)
    }

    @Test("a layer whose float rows are under the threshold keeps them")
    func smallLayerKeepsFloatRows() throws {
        var random = SplitMix(seed: 7)
        let shape = PositionScatterTests.Shape(inputChannels: 128, outputChannels: 128, size: 4, stride: 1, padding: 1)
        #expect(128 * 128 * 9 * 4 < Self.minimumBytes)
        let weights = Self.exactWeights(count: 128 * 128 * 9, random: &random)
        #expect(try Self.scatter(weights: weights, shape: shape).packedTiles == nil)
        #expect(try Self.scatter(weights: weights, shape: shape, minimumBytes: 128 * 128 * 9 * 4).packedTiles != nil,
                "a CPU with a smaller L2 packs it")
    }

    @Test("the threshold changes speed only: packed and float rows give the same bits under every instruction set",
          arguments: [PositionScatterTests.Shape(inputChannels: 128, outputChannels: 136, size: 4, stride: 1, padding: 1),
                      PositionScatterTests.Shape(inputChannels: 32, outputChannels: 192, size: 6, stride: 2, padding: 1)])
    func thresholdNeverChangesResults(shape: PositionScatterTests.Shape) throws {
        var random = SplitMix(seed: 8)
        let layer = Layer(shape: shape, random: &random)
        let (inC, positions, weights) = (shape.inputChannels, layer.positions, layer.weights)
        let arena = BufferArena()
        defer { withExtendedLifetime(arena) {} }
        let packed = try Self.scatter(weights: weights, shape: shape, minimumBytes: 0, arena: arena)
        let float = try Self.scatter(weights: weights, shape: shape, minimumBytes: .max, arena: arena)
        #expect(packed.packedTiles != nil && float.packedTiles == nil)
        guard case .denseTapTiles(let packedTiles) = packed.weights, case .denseTapTiles(let floatTiles) = float.weights else {
            Issue.record("expected the dense tiled layout")
            return
        }
        let slots = 4
        var additions: [[(element: Int, amount: Float)]] = []
        for slot in 0..<slots {
            let fractions: [Float] = slot % 2 == 0 ? [1] : [0.25, 0.5, 1]
            additions.append((0..<(inC * positions)).compactMap { element in
                Double.random(in: 0..<1, using: &random) < 0.2 ? (element, fractions.randomElement(using: &random)!) : nil
            })
        }
        let slotStride = layer.slotStride
        let initial = (0..<(slots * slotStride)).map { _ in Float.random(in: -2...2, using: &random) }
        for set in KernelInstructionSet.supported {
            let kernels = Kernels(set)
            var results: [[UInt32]] = []
            for (scatter, tiles) in [(packed, packedTiles), (float, floatTiles)] {
                let active = ActiveInputs(channels: inC, positions: positions, slots: slots)
                for slot in 0..<slots {
                    for addition in additions[slot] { active.add(element: addition.element, amount: addition.amount) }
                    active.seal(slot: slot)
                }
                var output = initial
                output.withUnsafeMutableBufferPointer { output in
                    scatter.scatter(byPosition: active, tiles: tiles, slots: Array(0..<slots), into: output.baseAddress!,
                                    slotStride: slotStride, kernels: kernels)
                }
                results.append(output.map(\.bitPattern))
            }
            let differing = zip(results[0], results[1]).filter { $0 != $1 }.count
            #expect(differing == 0, "\(set.rawValue) kernels: \(differing) of \(initial.count) differ")
            #expect(results[0] != initial.map(\.bitPattern), "the scatter added something")
        }
    }

    /// A 3 × 3 convolution of `shape` with shuffled exact weights (`exactWeights`), and its sizes.
    struct Layer {
        let shape: PositionScatterTests.Shape
        let weights: [Float]
        var positions: Int { shape.size * shape.size }
        var outputSize: Int { Layer.outputSize(shape) }
        /// One slot's outputs.
        var slotStride: Int { shape.outputChannels * outputSize * outputSize }

        init(shape: PositionScatterTests.Shape, random: inout SplitMix) {
            self.shape = shape
            var weights = PackedTapTilesTests.exactWeights(count: shape.outputChannels * shape.inputChannels * 9, random: &random)
            weights.shuffle(using: &random)
            self.weights = weights
        }

        static func outputSize(_ shape: PositionScatterTests.Shape) -> Int { (shape.size + 2 * shape.padding - 3) / shape.stride + 1 }
    }

    /// The plan's buffers live in `arena`: keep it alive while the scatter is used.
    static func scatter(weights: [Float], shape: PositionScatterTests.Shape, minimumBytes: Int = minimumBytes,
                        arena: BufferArena = BufferArena()) throws -> ConvolutionScatter {
        let kernel = 3, size = shape.size
        let outSize = Layer.outputSize(shape)
        let conv = ConvolutionParameters(
            weight: try ParameterTensor(shape: [shape.outputChannels, shape.inputChannels, kernel, kernel], float32: weights),
            bias: nil, stride: [shape.stride, shape.stride], padding: .explicit([shape.padding, shape.padding]),
            dilation: [1, 1], groups: 1, declaredInputSpatialShape: [size, size])
        return ConvolutionScatter(conv, inputShape: [shape.inputChannels, size, size],
                                  outputShape: [shape.outputChannels, outSize, outSize],
                                  packedRowsMinimumBytes: minimumBytes, arena: arena)
    }
}
