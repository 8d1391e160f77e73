import NetworkModel

/// A convolution as a scatter: for input channel `c` and kernel tap `t`, the output channels with a non-zero
/// weight there; and per spatial axis, which output position (if any) a tap from each input position lands on.
struct ConvolutionScatter: Sendable {
    let kernelHeight: Int, kernelWidth: Int
    let inputHeight: Int, inputWidth: Int
    let outputPlane: Int, outputWidth: Int
    /// `landingRow[y·kH + ky]`: output row the tap `ky` of input row `y` reaches, or −1.
    let landingRow: ImmutableBuffer<Int32>
    let landingColumn: ImmutableBuffer<Int32>
    let outputChannels: Int
    let inputChannelsPerGroup: Int
    let outputChannelsPerGroup: Int
    /// Number of input channels.
    let inputChannels: Int
    /// The weights, in the layout chosen for this node.
    let weights: ConvolutionWeights
    /// `denseTapTiles` again in half the bytes, when that is exact and the layer large enough to gain from it.
    private(set) var packedTiles: PackedTapTiles? = nil
    /// More classes than this (large kernels with large dilation) would multiply the lists' memory: use per-tap lists.
    static let maximumPositionClasses = 16
    /// Output channels per weight tile of `denseTapTiles` (eight 8-wide registers).
    static let outputTile = 64

    /// Whether `scatter` writes a channels-last (H·W, C) buffer that the caller transposes afterwards (dense layers).
    var writesChannelsLast: Bool { weights.writesChannelsLast }

    /// `packedRowsMinimumBytes`: dense tiles of at least this many bytes are also packed when exact (`PackedTapTiles`).
    init(_ conv: ConvolutionParameters, inputShape: [Int], outputShape: [Int],
         packedRowsMinimumBytes: Int = PackedTapTiles.defaultMinimumFloatBytes, arena: BufferArena) {
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
        let density = Double(conv.weight.nonZeroCount) / Double(max(conv.weight.count, 1))
        if density > WeightedKernel.denseStorageDensity {
            let weightValues = conv.weight.floatValues
            let taps = taps
            if perGroupIn == conv.inputChannels && conv.outputChannels % 8 == 0 {
                // Every value is written by the tiling, so the memory is not zeroed first; the same pass finds
                // whether the weights can be packed, so the packing need not read them all again to ask.
                var lowBits: UInt32 = 0
                let tiles = arena.store(overwritingEvery: conv.inputChannels * taps * perGroupOut) { dense in
                    lowBits = Self.tileByPosition(weightValues, into: dense, inputChannels: conv.inputChannels, outputChannels: perGroupOut, taps: taps)
                }
                weights = .denseTapTiles(tiles)
                packedTiles = PackedTapTiles(tiles: tiles, inputChannels: conv.inputChannels, outputChannels: perGroupOut, taps: taps,
                                              minimumFloatBytes: packedRowsMinimumBytes, knownExact: lowBits == 0, arena: arena)
                return
            }
            weights = .denseTapRows(arena.store(count: conv.inputChannels * taps * perGroupOut) { dense in
                for channel in 0..<conv.inputChannels {
                    let group = channel / perGroupIn, local = channel % perGroupIn
                    for tap in 0..<taps {
                        for k in 0..<perGroupOut {
                            dense[(tap * conv.inputChannels + channel) * perGroupOut + k] =
                                weightValues[((group * perGroupOut + k) * perGroupIn + local) * taps + tap]
                        }
                    }
                }
            })
            return
        }
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
        // The value handed over is the stored one widened to Double, so narrowing it gives the engine's Float
        // without reading the dense array again (a cache miss per non-zero).
        // Written through buffer pointers: an array captured by the per-non-zero closure is checked for uniqueness on
        // every write.
        starts.withUnsafeMutableBufferPointer { starts in
            conv.weight.forEachNonZero { index, value in if Float(value) != 0 { starts[row(ofWeight: index) + 1] += 1 } }
        }
        for index in 0..<(conv.inputChannels * taps) { starts[index + 1] += starts[index] }
        let nonZeros = Int(starts[conv.inputChannels * taps])
        var channels = [Int32](repeating: 0, count: nonZeros), values = [Float](repeating: 0, count: nonZeros)
        var cursor = Array(starts.dropLast())
        cursor.withUnsafeMutableBufferPointer { cursor in
            channels.withUnsafeMutableBufferPointer { channels in
                values.withUnsafeMutableBufferPointer { values in
                    conv.weight.forEachNonZero { index, value in
                        let weight = Float(value)
                        guard weight != 0 else { return }
                        let row = row(ofWeight: index)
                        let entry = Int(cursor[row])
                        cursor[row] += 1
                        channels[entry] = Int32(index / weightsPerOutputChannel)
                        values[entry] = weight
                    }
                }
            }
        }
        let tapLists = SparseTapLists(starts: arena.store(starts), channels: arena.store(channels), weights: arena.store(values))

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
        guard lists else {
            weights = .sparseTaps(tapLists)
            return
        }
        let rowDilation = twoDimensional ? conv.dilation[0] : 0
        let columnDilation = conv.dilation[axis]
        // Each input channel's entries over every tap, in the memory order of the writes, sorted once: a class's
        // list is the subsequence of the taps that land there, so one sort serves every class (sorting each class's
        // list again was a large part of this loop). Within a class the offsets are distinct (one input position reaches
        // an output element through at most one (output channel, tap) that lands), so its order is the same whichever
        // sort makes it; taps whose offsets coincide never land together.
        let kW = kernelWidth, outWidth = outputWidth, outPlane = outputPlane
        let shifts = (0..<taps).map { tap in -((tap / kW) * rowDilation * outWidth + (tap % kW) * columnDilation) }
        // Gathered per input channel by a counting sort over the weight's memory order, which leaves each channel's
        // entries ordered by (output channel, tap). When every tap's shift is smaller than an output plane, the offset
        // order is (output channel, shift): an entry is out of place only among its own output channel's few taps, so
        // insertion finishes the order in about one pass (a general sort per channel was a fifth of this init).
        let shiftsWithinPlane = -(shifts.min() ?? 0) < outputPlane
        let channelStarts = (0...conv.inputChannels).map { Int(starts[$0 * taps]) }
        var ordered = [(offset: Int32, weight: Float, tap: Int32)](repeating: (0, 0, 0), count: nonZeros)
        var channelCursor = channelStarts
        ordered.withUnsafeMutableBufferPointer { ordered in
            channelCursor.withUnsafeMutableBufferPointer { cursor in
                conv.weight.forEachNonZero { index, value in
                    let weight = Float(value)
                    guard weight != 0 else { return }
                    let outChannel = index / weightsPerOutputChannel, withinChannel = index % weightsPerOutputChannel
                    let channel = (outChannel / perGroupOut) * perGroupIn + withinChannel / taps, tap = withinChannel % taps
                    ordered[cursor[channel]] = (Int32(shifts[tap] + outChannel * outPlane), weight, Int32(tap))
                    cursor[channel] += 1
                }
            }
        }
        for channel in 0..<conv.inputChannels {
            let run = channelStarts[channel]..<channelStarts[channel + 1]
            if shiftsWithinPlane || run.count <= Self.insertionSortLimit {
                Self.insertionSort(&ordered, run)
            } else {
                ordered[run].sort { $0.offset < $1.offset }
            }
        }
        let inputChannels = conv.inputChannels  // a computed property of another module: read once, not per list
        // Every list's length is known from the per-tap counts, so the flat arrays are sized once and written in place.
        let listCount = masks.count * inputChannels
        var entryStarts = [Int32](repeating: 0, count: listCount + 1)
        var listLengths = [Int](repeating: 0, count: listCount)
        for (index, mask) in masks.enumerated() {
            for channel in 0..<inputChannels {
                var length = 0
                for tap in 0..<taps where mask[tap] {
                    length += Int(starts[channel * taps + tap + 1] - starts[channel * taps + tap])
                }
                let list = index * inputChannels + channel
                listLengths[list] = length
                entryStarts[list + 1] = entryStarts[list] + Int32(length + length % 2)
            }
        }
        // Each class's landing taps as bits, one word per 64 taps.
        let tapWords = (taps + 63) / 64
        let maskWords = masks.flatMap { mask in
            (0..<tapWords).map { word in
                (0..<64).reduce(UInt64(0)) { bits, bit in
                    let tap = word * 64 + bit
                    return tap < taps && mask[tap] ? bits | (1 << UInt64(bit)) : bits
                }
            }
        }
        let entryCount = Int(entryStarts[listCount])
        var offsets = [Int32](repeating: 0, count: entryCount), flatWeights = [Float](repeating: 0, count: entryCount)
        offsets.withUnsafeMutableBufferPointer { offsets in
            flatWeights.withUnsafeMutableBufferPointer { flatWeights in
                for index in masks.indices {
                    for channel in 0..<inputChannels {
                        let list = index * inputChannels + channel
                        let listStart = Int(entryStarts[list]), listEnd = listStart + listLengths[list]
                        // Every entry is written at the list's next place, which moves on only past one whose tap
                        // lands (no branch to mispredict at a border class); an entry that does not land is
                        // overwritten by the next one that does, and the walk ends once the list is full, so no
                        // write leaves the list.
                        var next = listStart
                        for entry in ordered[channelStarts[channel]..<channelStarts[channel + 1]] {
                            if next == listEnd { break }
                            let tap = Int(entry.tap)
                            offsets[next] = entry.offset
                            flatWeights[next] = entry.weight
                            next += Int(truncatingIfNeeded: (maskWords[index * tapWords + tap / 64] >> UInt64(tap % 64)) & 1)
                        }
                        // Padded to an even length with a zero weight onto the list's first target, so the scatter loop
                        // (two entries a turn) has no remainder: adding a (±)0 product changes no value. Pairs, not
                        // fours: at 99% sparsity a list holds about six entries, and padding to four wasted 1.5 of them.
                        if (next - listStart) % 2 != 0 {
                            offsets[next] = offsets[listStart]
                            flatWeights[next] = 0
                        }
                    }
                }
            }
        }
        let classLists = PositionClassLists(
            starts: arena.store(entryStarts), offsets: arena.store(offsets), weights: arena.store(flatWeights),
            positions: arena.store(zip(classes, origins).map { SIMD2(Int32($0) * Int32(inputChannels), $1) }))
        weights = .sparsePositionClasses(classLists, taps: tapLists)
    }

    /// Lists up to this long are ordered by insertion.
    static let insertionSortLimit = 32

    /// Orders a short run of entries by offset in place.
    private static func insertionSort(_ entries: inout [(offset: Int32, weight: Float, tap: Int32)], _ run: Range<Int>) {
        guard run.count > 1 else { return }
        for next in (run.lowerBound + 1)..<run.upperBound {
            let item = entries[next]
            var slot = next
            while slot > run.lowerBound && entries[slot - 1].offset > item.offset {
                entries[slot] = entries[slot - 1]
                slot -= 1
            }
            entries[slot] = item
        }
    }

    /// Lays out an ungrouped dense weight (out, in, taps) as tap-major tiles of `outputTile` output channels (see
    /// `ConvolutionWeights.denseTapTiles`). Walked tile by tile and input channel by input channel, so that reads stay within a few
    /// cache lines per output channel and writes go to one row per tap: a per-element index walk over a dense VGG-16's
    /// 15 million weights cost a large part of its start-up. Writes every value of `dense`, and returns the low 16 bits
    /// of all the weights' bit patterns or-ed together (zero when every weight is exactly a bfloat16: `PackedTapTiles`).
    private static func tileByPosition(_ weights: [Float], into dense: UnsafeMutableBufferPointer<Float>, inputChannels: Int,
                                       outputChannels: Int, taps: Int) -> UInt32 {
        precondition(weights.count == inputChannels * outputChannels * taps && dense.count == weights.count)
        return weights.withUnsafeBufferPointer { source in
            do {
                var lowBits: UInt32 = 0
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
                            for tap in 0..<taps {
                                let value = from[tap]
                                lowBits |= value.bitPattern
                                row[tap &* tapStride &+ k] = value
                            }
                        }
                    }
                    tileStart &+= width
                }
                return lowBits & 0xFFFF
            }
        }
    }

    /// Calls `body(channel, tap, output position, sparse tap row)` for every kernel tap (`ky·kW + kx`) of input
    /// element `input` that lands inside the output; the sparse tap row indexes `SparseTapLists.starts`.
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

    /// `denseTapRows`: the weights from input channel `channel` at kernel tap `tap` to its group's output channels,
    /// as `body(weights, first output channel, count)`.
    @inline(__always)
    private func forEachDenseRun(rows: ImmutableBuffer<Float>, tap: Int, channel: Int,
                                 _ body: (UnsafeMutablePointer<Float>, Int, Int) -> Void) {
        let groupBase = (channel / inputChannelsPerGroup) * outputChannelsPerGroup
        body(rows.pointer + (tap * inputChannels + channel) * outputChannelsPerGroup, groupBase, outputChannelsPerGroup)
    }

    /// `denseTapTiles`: the same weights, one run per tile of output channels.
    @inline(__always)
    private func forEachDenseRun(tiles: ImmutableBuffer<Float>, tap: Int, channel: Int,
                                 _ body: (UnsafeMutablePointer<Float>, Int, Int) -> Void) {
        let tapBlock = tiles.pointer + tap * inputChannels * outputChannels
        var tileStart = 0
        while tileStart < outputChannels {
            let width = min(Self.outputTile, outputChannels - tileStart)
            body(tapBlock + tileStart * inputChannels + channel * width, tileStart, width)
            tileStart += width
        }
    }

    func forEachTarget(input: Int, _ body: (Int) -> Void) {
        switch weights {
        case .denseTapRows(let rows):
            forEachLandingTap(of: input) { channel, tap, position, _ in
                forEachDenseRun(rows: rows, tap: tap, channel: channel) { weights, first, count in
                    for k in 0..<count where weights[k] != 0 { body((first + k) * outputPlane + position) }
                }
            }
        case .denseTapTiles(let tiles):
            forEachLandingTap(of: input) { channel, tap, position, _ in
                forEachDenseRun(tiles: tiles, tap: tap, channel: channel) { weights, first, count in
                    for k in 0..<count where weights[k] != 0 { body((first + k) * outputPlane + position) }
                }
            }
        case .sparseTaps(let lists), .sparsePositionClasses(_, let lists):
            forEachLandingTap(of: input) { _, _, position, sparseRow in
                for entry in Int(lists.starts[sparseRow])..<Int(lists.starts[sparseRow + 1]) {
                    body(Int(lists.channels[entry]) * outputPlane + position)
                }
            }
        }
    }

    /// One input through its position class's flat list.
    @inline(__always)
    static func scatterListed(_ lists: PositionClassLists, channel: Int, position: Int, scale: Float,
                              into output: UnsafeMutablePointer<Float>) {
        let (first, end, originOffset) = lists.list(channel: channel, position: position)
        let origin = output + originOffset
        let offsets = lists.offsets.pointer, weights = lists.weights.pointer
        var entry = first
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
    private func scatterListed(_ lists: PositionClassLists, _ inputs: ((Int, Float) -> Void) -> Void,
                               into output: UnsafeMutablePointer<Float>) {
        let plane = inputHeight &* inputWidth
        var channel = 0, channelStart = 0
        inputs { input, value in
            if input &- channelStart >= plane || input < channelStart {
                channel = input / plane
                channelStart = channel &* plane
            }
            Self.scatterListed(lists, channel: channel, position: input &- channelStart, scale: value, into: output)
        }
    }

    /// A step's inputs summed per element (`sparsePositionClasses` only: the worker merges only for that layout).
    @inline(__always)
    func scatter(_ merged: MergedInputs, into output: UnsafeMutablePointer<Float>) {
        guard case .sparsePositionClasses(let lists, _) = weights else {
            merged.drain { input, value in scatter(input: input, scale: value, into: output) }
            return
        }
        scatterListed(lists, { merged.drain($0) }, into: output)
    }

    /// A step's spikes through `route`.
    @inline(__always)
    func scatter(spikes: UnsafeBufferPointer<Int32>, route: SignalRoute, into output: UnsafeMutablePointer<Float>) {
        guard case .sparsePositionClasses(let lists, _) = weights else {
            route.forEachTarget(ofEach: spikes) { input, factor in scatter(input: input, scale: factor, into: output) }
            return
        }
        scatterListed(lists, { route.forEachTarget(ofEach: spikes, $0) }, into: output)
    }

    @inline(__always)
    func scatter(input: Int, scale: Float, into output: UnsafeMutablePointer<Float>) {
        switch weights {
        case .sparsePositionClasses(let lists, _):
            let plane = inputHeight &* inputWidth
            let channel = input / plane
            Self.scatterListed(lists, channel: channel, position: input &- channel &* plane, scale: scale, into: output)
        case .sparseTaps(let lists):
            forEachLandingTap(of: input) { _, _, position, sparseRow in
                for entry in Int(lists.starts[sparseRow])..<Int(lists.starts[sparseRow + 1]) {
                    output[Int(lists.channels[entry]) * outputPlane + position] += scale * lists.weights[entry]
                }
            }
        case .denseTapRows(let rows):
            // Channels-last: the group's output channels at this position are contiguous.
            forEachLandingTap(of: input) { channel, tap, position, _ in
                forEachDenseRun(rows: rows, tap: tap, channel: channel) { weights, first, count in
                    let target = output + position * outputChannels + first
                    for k in 0..<count { target[k] += scale * weights[k] }
                }
            }
        case .denseTapTiles(let tiles):
            forEachLandingTap(of: input) { channel, tap, position, _ in
                forEachDenseRun(tiles: tiles, tap: tap, channel: channel) { weights, first, count in
                    let target = output + position * outputChannels + first
                    for k in 0..<count { target[k] += scale * weights[k] }
                }
            }
        }
    }
}
