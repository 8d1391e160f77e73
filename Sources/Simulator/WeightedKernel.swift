import CostAnalysis
import NetworkModel

/// The synaptic work of a weighted node, laid out for scattering one input element at a time:
/// a spike (or a non-zero analog value) at input `j` adds `scale × w` to every output its non-zero weights reach.
enum WeightedKernel: Sendable {
    /// Affine/Linear stored transposed and dense: row `j` holds the weights from input `j` to every output.
    case denseMatrix(transposed: ImmutableBuffer<Float>, outputs: Int)
    /// Affine/Linear stored as compressed columns: only the non-zero weights from input `j`.
    case sparseMatrix(columnStarts: ImmutableBuffer<Int32>, rows: ImmutableBuffer<Int32>, values: ImmutableBuffer<Float>)
    case convolution(ConvolutionScatter)
    /// Elementwise: output `j` gets `scale × s[j]`.
    case elementwise(ImmutableBuffer<Float>)

    /// Dense storage wins above this fraction of non-zeros (adding a zero changes nothing, and is cheaper than an index).
    static let denseStorageDensity = 0.25

    init(node: Node, inputShape: [Int], outputShape: [Int], arena: BufferArena) {
        switch node.kind {
        case .affine(let weight, _), .linear(let weight):
            let outputs = weight.shape[0], inputs = weight.shape[1]
            let values = weight.floatValues
            let density = Double(weight.nonZeroCount) / Double(max(weight.count, 1))
            if density > Self.denseStorageDensity {
                let transposed = arena.store(count: inputs * outputs) { transposed in
                    values.withUnsafeBufferPointer { values in
                        // In blocks of 32 × 32 so that both the reads and the writes stay in cache.
                        let block = 32
                        for rowStart in stride(from: 0, to: outputs, by: block) {
                            for columnStart in stride(from: 0, to: inputs, by: block) {
                                for row in rowStart..<min(rowStart + block, outputs) {
                                    for column in columnStart..<min(columnStart + block, inputs) {
                                        transposed[column &* outputs &+ row] = values[row &* inputs &+ column]
                                    }
                                }
                            }
                        }
                    }
                }
                self = .denseMatrix(transposed: transposed, outputs: outputs)
            } else {
                // Columns of rows in ascending order, by a counting sort over the non-zeros in memory (row-major)
                // order: a column-by-column walk strides through the whole matrix for every column.
                var starts = [Int32](repeating: 0, count: inputs + 1)
                weight.forEachNonZero { index, _ in if values[index] != 0 { starts[index % inputs + 1] += 1 } }
                for column in 0..<inputs { starts[column + 1] += starts[column] }
                var cursor = Array(starts.dropLast())
                var rows = [Int32](repeating: 0, count: Int(starts[inputs])), nonZeros = [Float](repeating: 0, count: Int(starts[inputs]))
                weight.forEachNonZero { index, _ in
                    guard values[index] != 0 else { return }
                    let column = index % inputs
                    let entry = Int(cursor[column])
                    cursor[column] += 1
                    rows[entry] = Int32(index / inputs)
                    nonZeros[entry] = values[index]
                }
                self = .sparseMatrix(columnStarts: arena.store(starts), rows: arena.store(rows), values: arena.store(nonZeros))
            }
        case .convolution(let conv):
            self = .convolution(ConvolutionScatter(conv, inputShape: inputShape, outputShape: outputShape, arena: arena))
        case .scale(let scale):
            let broadcast = (try? scale.broadcast(to: inputShape)) ?? scale.doubleValues
            self = .elementwise(arena.store(broadcast.map { Float($0) }))
        default:
            self = .elementwise(arena.store([Float]()))
        }
    }

    /// Calls `body` with every output element a non-zero weight from input element `input` reaches.
    func forEachTarget(input: Int, _ body: (Int) -> Void) {
        switch self {
        case .denseMatrix(let transposed, let outputs):
            let row = transposed.pointer + input * outputs
            for index in 0..<outputs where row[index] != 0 { body(index) }
        case .sparseMatrix(let starts, let rows, _):
            for entry in Int(starts[input])..<Int(starts[input + 1]) { body(Int(rows[entry])) }
        case .convolution(let scatter):
            scatter.forEachTarget(input: input, body)
        case .elementwise(let values):
            if values[input] != 0 { body(input) }
        }
    }

    /// Whether `scatter` writes channels-last (dense convolutions); the caller transposes to (C, H, W) afterwards.
    var writesChannelsLast: Bool {
        if case .convolution(let scatter) = self { return scatter.writesChannelsLast }
        return false
    }

    /// Adds one step's spikes of a producer, routed by `route`, to `output`. The kernel's kind is decided once
    /// for the whole list rather than once per spike.
    func scatter(spikes: UnsafeBufferPointer<Int32>, route: SignalRoute, into output: UnsafeMutablePointer<Float>) {
        switch self {
        case .convolution(let convolution):
            convolution.scatter(spikes: spikes, route: route, into: output)
        case .denseMatrix(let transposed, let outputs):
            route.forEachTarget(ofEach: spikes) { input, factor in
                let row = transposed.pointer + input &* outputs
                for index in 0..<outputs { output[index] += factor * row[index] }
            }
        case .sparseMatrix(let starts, let rows, let values):
            route.forEachTarget(ofEach: spikes) { input, factor in
                for entry in Int(starts[input])..<Int(starts[input &+ 1]) { output[Int(rows[entry])] += factor * values[entry] }
            }
        case .elementwise(let values):
            route.forEachTarget(ofEach: spikes) { input, factor in output[input] += factor * values[input] }
        }
    }

    /// Adds the contribution of input element `input` with value `scale` to `output`.
    @inline(__always)
    func scatter(input: Int, scale: Float, into output: UnsafeMutablePointer<Float>) {
        switch self {
        case .denseMatrix(let transposed, let outputs):
            let row = transposed.pointer + input * outputs
            for index in 0..<outputs { output[index] += scale * row[index] }
        case .sparseMatrix(let starts, let rows, let values):
            for entry in Int(starts[input])..<Int(starts[input + 1]) {
                output[Int(rows[entry])] += scale * values[entry]
            }
        case .convolution(let scatter):
            scatter.scatter(input: input, scale: scale, into: output)
        case .elementwise(let values):
            output[input] += scale * values[input]
        }
    }
}

/// A convolution as a scatter: for input channel `c` and kernel tap `t`, the output channels with a non-zero
/// weight there; and per spatial axis, which output position (if any) a tap from each input position lands on.
struct ConvolutionScatter: Sendable {
    let kernelHeight: Int, kernelWidth: Int
    let inputHeight: Int, inputWidth: Int
    let outputPlane: Int, outputWidth: Int
    /// `landingRow[y·kH + ky]`: output row the tap `ky` of input row `y` reaches, or −1.
    let landingRow: ImmutableBuffer<Int32>
    let landingColumn: ImmutableBuffer<Int32>
    /// CSR over `(c·kH + ky)·kW + kx`: output channels and their weights (sparse layers).
    let tapStarts: ImmutableBuffer<Int32>
    let tapChannels: ImmutableBuffer<Int32>
    let tapWeights: ImmutableBuffer<Float>
    let outputChannels: Int
    let inputChannelsPerGroup: Int
    let outputChannelsPerGroup: Int
    /// Sparse layers with stride 1: input positions fall into a few classes by which kernel taps land inside the
    /// output (all of them away from the borders; 9 classes for a 3×3 kernel). Per class and input channel, one flat
    /// list of the non-zero weights of the taps that land, as offsets into the (C, H, W) output relative to where
    /// tap (0, 0) would land: a spike walks one loop, with no branch per tap (they mispredict) and no wasted taps.
    let classEntryStarts: ImmutableBuffer<Int32>
    let entryOffsets: ImmutableBuffer<Int32>
    let entryWeights: ImmutableBuffer<Float>
    /// Per input position: its class's first list (class × input channels), and where tap (0, 0) would land (possibly
    /// outside the output), side by side so that a spike needs one load for both.
    let positionLists: ImmutableBuffer<SIMD2<Int32>>
    /// Whether the lists above exist (sparse, stride 1, few classes, lists at most twice the dense layer's bytes).
    let usesEntryLists: Bool
    /// Number of input channels (the lists' row count per class).
    let inputChannels: Int
    /// More classes than this (large kernels with large dilation) would multiply the lists' memory: use per-tap lists.
    static let maximumPositionClasses = 16
    /// Dense layers, tap-major (one tap's weights for every channel are one block in memory), output channels
    /// contiguous so that scatters write a channels-last (H, W, C) output with a vectorisable inner loop:
    /// - with `scattersByPosition`, each tap's block is cut into tiles of up to `outputTile` output channels, and a
    ///   tile holds a row of its channels per input channel: a tile (input channels × 64 × 4 bytes, 128 kB for 512
    ///   input channels) stays in the L2 cache while every position and step of a group is added through it;
    /// - otherwise row `(ky·kW + kx)·C_in + c` holds the weights from input channel c to its group's output channels.
    let denseTaps: ImmutableBuffer<Float>?
    /// Whether spikes into this convolution are grouped by input position first (dense, ungrouped, output channels
    /// a multiple of eight): see `scatter(byPosition:slots:into:slotStride:)`.
    let scattersByPosition: Bool
    /// Output channels per weight tile of layers scattered by position (eight 8-wide registers).
    static let outputTile = 64

    /// Whether `scatter` writes a channels-last (H·W, C) buffer that the caller transposes afterwards (dense layers).
    var writesChannelsLast: Bool { denseTaps != nil }

    init(_ conv: ConvolutionParameters, inputShape: [Int], outputShape: [Int], arena: BufferArena) {
        let twoDimensional = conv.spatialRank == 2
        let kernel = conv.kernelShape
        kernelHeight = twoDimensional ? kernel[0] : 1
        kernelWidth = kernel[conv.spatialRank - 1]
        inputHeight = twoDimensional ? inputShape[1] : 1
        inputWidth = inputShape[inputShape.count - 1]
        let outputHeight = twoDimensional ? outputShape[1] : 1
        outputWidth = outputShape[outputShape.count - 1]
        outputPlane = outputHeight * outputWidth
        let spatial = Array(inputShape.dropFirst())
        let pads = conv.paddingPerAxis(inputSpatialShape: spatial)

        func landings(size: Int, kernel: Int, pad: Int, stride: Int, dilation: Int, outputs: Int) -> [Int32] {
            var result = [Int32](repeating: -1, count: size * kernel)
            for position in 0..<size {
                for tap in 0..<kernel {
                    let numerator = position + pad - tap * dilation
                    if numerator >= 0, numerator % stride == 0, numerator / stride < outputs {
                        result[position * kernel + tap] = Int32(numerator / stride)
                    }
                }
            }
            return result
        }
        let axis = conv.spatialRank - 1
        landingColumn = arena.store(landings(size: inputWidth, kernel: kernelWidth, pad: pads[axis].before,
                                                 stride: conv.stride[axis], dilation: conv.dilation[axis], outputs: outputWidth))
        landingRow = twoDimensional
            ? arena.store(landings(size: inputHeight, kernel: kernelHeight, pad: pads[0].before,
                                       stride: conv.stride[0], dilation: conv.dilation[0], outputs: outputHeight))
            : arena.store([Int32(0)])

        let taps = kernelHeight * kernelWidth
        let perGroupIn = conv.inputChannelsPerGroup, perGroupOut = conv.outputChannelsPerGroup
        outputChannels = conv.outputChannels
        inputChannels = conv.inputChannels
        inputChannelsPerGroup = perGroupIn
        outputChannelsPerGroup = perGroupOut
        let weights = conv.weight.floatValues
        let density = Double(conv.weight.nonZeroCount) / Double(max(conv.weight.count, 1))
        if density > WeightedKernel.denseStorageDensity {
            let byPosition = perGroupIn == conv.inputChannels && conv.outputChannels % 8 == 0
            scattersByPosition = byPosition
            denseTaps = arena.store(count: conv.inputChannels * taps * perGroupOut) { dense in
                if byPosition {
                    Self.tileByPosition(weights, into: dense, inputChannels: conv.inputChannels, outputChannels: perGroupOut, taps: taps)
                    return
                }
                for channel in 0..<conv.inputChannels {
                    let group = channel / perGroupIn, local = channel % perGroupIn
                    for tap in 0..<taps {
                        for k in 0..<perGroupOut {
                            dense[(tap * conv.inputChannels + channel) * perGroupOut + k] =
                                weights[((group * perGroupOut + k) * perGroupIn + local) * taps + tap]
                        }
                    }
                }
            }
            tapStarts = arena.store([Int32]())
            tapChannels = arena.store([Int32]())
            tapWeights = arena.store([Float]())
            classEntryStarts = arena.store([Int32]())
            entryOffsets = arena.store([Int32]())
            entryWeights = arena.store([Float]())
            positionLists = arena.store([SIMD2<Int32>]())
            usesEntryLists = false
            return
        }
        denseTaps = nil
        scattersByPosition = false
        // Rows (input channel · taps + tap) of output channels in ascending order, filled by a counting sort over
        // the non-zeros visited in the weight's memory order (output channel outermost): walking the weight by row
        // instead strides through it a page at a time, and was most of a sparse VGG-16's planning time.
        let weightsPerOutputChannel = perGroupIn * taps
        func row(ofWeight index: Int) -> Int {
            let outChannel = index / weightsPerOutputChannel
            return (outChannel / perGroupOut) * weightsPerOutputChannel + index % weightsPerOutputChannel
        }
        var starts = [Int32](repeating: 0, count: conv.inputChannels * taps + 1)
        // The Float values decide (a float64 weight too small for Float is a zero here, as everywhere in the engine).
        conv.weight.forEachNonZero { index, _ in if weights[index] != 0 { starts[row(ofWeight: index) + 1] += 1 } }
        for index in 0..<(conv.inputChannels * taps) { starts[index + 1] += starts[index] }
        let nonZeros = Int(starts[conv.inputChannels * taps])
        var channels = [Int32](repeating: 0, count: nonZeros), values = [Float](repeating: 0, count: nonZeros)
        var cursor = Array(starts.dropLast())
        weights.withUnsafeBufferPointer { weights in
            conv.weight.forEachNonZero { index, _ in
                guard weights[index] != 0 else { return }
                let row = row(ofWeight: index)
                let entry = Int(cursor[row])
                cursor[row] += 1
                channels[entry] = Int32(index / weightsPerOutputChannel)
                values[entry] = weights[index]
            }
        }
        tapStarts = arena.store(starts)
        tapChannels = arena.store(channels)
        tapWeights = arena.store(values)

        // With stride 1, tap (ky, kx) lands dilation·(ky, kx) before tap (0, 0), whatever the input position.
        let plane = inputHeight * inputWidth
        var classOfMask: [[Bool]: Int] = [:], masks: [[Bool]] = []
        var classes = [Int32](repeating: 0, count: plane), origins = [Int32](repeating: 0, count: plane)
        var lists = conv.stride.allSatisfy { $0 == 1 }
        if lists {
            let padTop = twoDimensional ? pads[0].before : 0, padLeft = pads[axis].before
            let rowLandings = landingRow, columnLandings = landingColumn, kH = kernelHeight, kW = kernelWidth
            for y in 0..<inputHeight {
                for x in 0..<inputWidth {
                    let mask = (0..<taps).map { tap in
                        rowLandings[y * kH + tap / kW] >= 0 && columnLandings[x * kW + tap % kW] >= 0
                    }
                    if classOfMask[mask] == nil {
                        classOfMask[mask] = masks.count
                        masks.append(mask)
                    }
                    classes[y * inputWidth + x] = Int32(classOfMask[mask]!)
                    origins[y * inputWidth + x] = Int32((y + padTop) * outputWidth + x + padLeft)
                }
            }
            // Each class repeats the weights of the taps that land; past twice the dense layer's bytes (moderately
            // sparse layers with many border classes) the per-tap lists are kept instead.
            var weightsAtTap = [Int](repeating: 0, count: taps)
            for channel in 0..<conv.inputChannels {
                for tap in 0..<taps { weightsAtTap[tap] += Int(starts[channel * taps + tap + 1] - starts[channel * taps + tap]) }
            }
            let entries = masks.reduce(0) { total, mask in
                total + (0..<taps).reduce(0) { $0 + (mask[$1] ? weightsAtTap[$1] : 0) } + 3 * conv.inputChannels
            }
            lists = masks.count <= Self.maximumPositionClasses && entries * 8 <= 2 * 4 * max(conv.weight.count, 1)
        }
        let rowDilation = twoDimensional ? conv.dilation[0] : 0
        let columnDilation = conv.dilation[axis]
        var entryStarts: [Int32] = [0], offsets: [Int32] = [], flatWeights: [Float] = []
        if lists {
            for mask in masks {
                for channel in 0..<conv.inputChannels {
                    var entries: [(offset: Int32, weight: Float)] = []
                    for tap in 0..<taps where mask[tap] {
                        let shift = -((tap / kernelWidth) * rowDilation * outputWidth + (tap % kernelWidth) * columnDilation)
                        let row = channel * taps + tap
                        for entry in Int(starts[row])..<Int(starts[row + 1]) {
                            entries.append((Int32(shift + Int(channels[entry]) * outputPlane), values[entry]))
                        }
                    }
                    entries.sort { $0.offset < $1.offset }  // memory order of the writes
                    // Padded to an even length with a zero weight onto the list's first target, so the scatter loop
                    // (two entries a turn) has no remainder: adding a (±)0 product changes no value. Pairs, not
                    // fours: at 99% sparsity a list holds about six entries, and padding to four wasted 1.5 of them.
                    while entries.count % 2 != 0 { entries.append((entries[0].offset, 0)) }
                    offsets += entries.map(\.offset)
                    flatWeights += entries.map(\.weight)
                    entryStarts.append(Int32(offsets.count))
                }
            }
        }
        usesEntryLists = lists
        classEntryStarts = arena.store(entryStarts)
        entryOffsets = arena.store(offsets)
        entryWeights = arena.store(flatWeights)
        positionLists = arena.store(lists ? zip(classes, origins).map { SIMD2(Int32($0) * Int32(conv.inputChannels), $1) } : [])
    }

    /// Lays out an ungrouped dense weight (out, in, taps) as tap-major tiles of `outputTile` output channels (see
    /// `denseTaps`). Walked tile by tile and input channel by input channel, so that reads stay within a few
    /// cache lines per output channel and writes go to one row per tap: a per-element index walk over a dense VGG-16's
    /// 15 million weights cost a large part of its start-up.
    private static func tileByPosition(_ weights: [Float], into dense: UnsafeMutableBufferPointer<Float>, inputChannels: Int,
                                       outputChannels: Int, taps: Int) {
        precondition(weights.count == inputChannels * outputChannels * taps && dense.count == weights.count)
        weights.withUnsafeBufferPointer { source in
            do {
                let source = source.baseAddress!, destination = dense.baseAddress!
                let tapStride = inputChannels &* outputChannels
                var tileStart = 0
                while tileStart < outputChannels {
                    let width = min(outputTile, outputChannels &- tileStart)
                    let tile = destination + tileStart &* inputChannels
                    for channel in 0..<inputChannels {
                        let row = tile + channel &* width
                        for k in 0..<width {
                            let from = source + ((tileStart &+ k) &* inputChannels &+ channel) &* taps
                            for tap in 0..<taps { row[tap &* tapStride &+ k] = from[tap] }
                        }
                    }
                    tileStart &+= width
                }
            }
        }
    }

    /// Calls `body(channel, tap, output position, sparse tap row)` for every kernel tap (`ky·kW + kx`) of input
    /// element `input` that lands inside the output; the sparse tap row indexes `tapStarts`.
    @inline(__always)
    private func forEachLandingTap(of input: Int, _ body: (Int, Int, Int, Int) -> Void) {
        let plane = inputHeight * inputWidth
        let channel = input / plane, y = (input % plane) / inputWidth, x = input % inputWidth
        for ky in 0..<kernelHeight {
            let row = Int(landingRow[y * kernelHeight + ky])
            if row < 0 { continue }
            for kx in 0..<kernelWidth {
                let column = Int(landingColumn[x * kernelWidth + kx])
                if column < 0 { continue }
                let tap = ky * kernelWidth + kx
                body(channel, tap, row * outputWidth + column, channel * kernelHeight * kernelWidth + tap)
            }
        }
    }

    /// Dense layers: the weights from input channel `channel` at kernel tap `tap` to its group's output channels, as
    /// `body(weights, first output channel, count)` for each contiguous run (one run, or one per tile).
    @inline(__always)
    private func forEachDenseRun(_ denseTaps: ImmutableBuffer<Float>, tap: Int, channel: Int,
                                 _ body: (UnsafeMutablePointer<Float>, Int, Int) -> Void) {
        let groupBase = (channel / inputChannelsPerGroup) * outputChannelsPerGroup
        guard scattersByPosition else {
            body(denseTaps.pointer + (tap * inputChannels + channel) * outputChannelsPerGroup, groupBase, outputChannelsPerGroup)
            return
        }
        let tapBlock = denseTaps.pointer + tap * inputChannels * outputChannels
        var tileStart = 0
        while tileStart < outputChannels {
            let width = min(Self.outputTile, outputChannels - tileStart)
            body(tapBlock + tileStart * inputChannels + channel * width, tileStart, width)
            tileStart += width
        }
    }

    func forEachTarget(input: Int, _ body: (Int) -> Void) {
        forEachLandingTap(of: input) { channel, tap, position, sparseRow in
            if let denseTaps {
                forEachDenseRun(denseTaps, tap: tap, channel: channel) { weights, first, count in
                    for k in 0..<count where weights[k] != 0 { body((first + k) * outputPlane + position) }
                }
                return
            }
            for entry in Int(tapStarts[sparseRow])..<Int(tapStarts[sparseRow + 1]) {
                body(Int(tapChannels[entry]) * outputPlane + position)
            }
        }
    }

    /// One input through its position class's flat list (`usesEntryLists`).
    @inline(__always)
    func scatterListed(channel: Int, position: Int, scale: Float, into output: UnsafeMutablePointer<Float>) {
        let info = positionLists[position]
        let list = Int(info[0]) &+ channel
        let origin = output + Int(info[1])
        let offsets = entryOffsets.pointer, weights = entryWeights.pointer
        var entry = Int(classEntryStarts[list])
        let end = Int(classEntryStarts[list &+ 1])
        while entry < end {  // lists are padded to even lengths
            origin[Int(offsets[entry])] += scale * weights[entry]
            origin[Int(offsets[entry &+ 1])] += scale * weights[entry &+ 1]
            entry &+= 2
        }
    }

    /// Scatters every (input element, value) that `inputs` yields through the flat lists. Routes and merging keep
    /// channels in order (Flatten and pools never move an element to an earlier channel), so the channel is followed
    /// along the sequence instead of divided out for every input; a jump back is handled by dividing.
    @inline(__always)
    private func scatterListed(_ inputs: ((Int, Float) -> Void) -> Void, into output: UnsafeMutablePointer<Float>) {
        let plane = inputHeight &* inputWidth
        var channel = 0, channelStart = 0
        inputs { input, value in
            if input &- channelStart >= plane || input < channelStart {
                channel = input / plane
                channelStart = channel &* plane
            }
            scatterListed(channel: channel, position: input &- channelStart, scale: value, into: output)
        }
    }

    /// A step's inputs summed per element (`usesEntryLists` only).
    @inline(__always)
    func scatter(_ merged: MergedInputs, into output: UnsafeMutablePointer<Float>) {
        scatterListed({ merged.drain($0) }, into: output)
    }

    /// A step's spikes through `route`.
    @inline(__always)
    func scatter(spikes: UnsafeBufferPointer<Int32>, route: SignalRoute, into output: UnsafeMutablePointer<Float>) {
        guard usesEntryLists else {
            route.forEachTarget(ofEach: spikes) { input, factor in scatter(input: input, scale: factor, into: output) }
            return
        }
        scatterListed({ route.forEachTarget(ofEach: spikes, $0) }, into: output)
    }

    @inline(__always)
    func scatter(input: Int, scale: Float, into output: UnsafeMutablePointer<Float>) {
        if usesEntryLists {
            let plane = inputHeight &* inputWidth
            let channel = input / plane
            scatterListed(channel: channel, position: input &- channel &* plane, scale: scale, into: output)
            return
        }
        forEachLandingTap(of: input) { channel, tap, position, sparseRow in
            if let denseTaps {
                // Channels-last: the group's output channels at this position are contiguous.
                forEachDenseRun(denseTaps, tap: tap, channel: channel) { weights, first, count in
                    let target = output + position * outputChannels + first
                    for k in 0..<count { target[k] += scale * weights[k] }
                }
                return
            }
            for entry in Int(tapStarts[sparseRow])..<Int(tapStarts[sparseRow + 1]) {
                output[Int(tapChannels[entry]) * outputPlane + position] += scale * tapWeights[entry]
            }
        }
    }
}
