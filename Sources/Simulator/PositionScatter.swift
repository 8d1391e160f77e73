internal import CKernels

/// The active inputs of a dense convolution, grouped by input position, for each slot (a lane's step of the group):
/// the channels that received something there and how much (a spike's route factor, summed when several spikes
/// reach the same element through a pool). Inputs are added for one slot at a time and sealed into that slot's
/// lists; the slots are then scattered together. Within a position the entries stay in the order they were first
/// reached, which is the convolution's summation order. Per worker and node, allocated once.
final class ActiveInputs {
    let positions: Int
    let channels: Int
    /// Summed value per (position, channel), channels-last, and whether it was touched; cleared by every `seal`.
    /// (A flag rather than `value != 0`: analog inputs and spikes into one node could sum to zero and come back.)
    private let values: UnsafeMutablePointer<Float>
    private let touched: UnsafeMutablePointer<Bool>
    /// Per touched element in order of first touch: its position, its channel and its index in `values`.
    private let touchedPositions: UnsafeMutablePointer<Int32>
    private let touchedChannels: UnsafeMutablePointer<Int32>
    private let touchedElements: UnsafeMutablePointer<Int32>
    /// ⌈2⁶⁴ / positions⌉: the channel of element e is the high half of e times this, exactly, for any e and
    /// positions below 2³² (Lemire, Kaser & Kurz 2019), several times cheaper than a division, once per input spike.
    private let positionsReciprocal: UInt64
    private var touchedCount = 0
    /// Per slot, after its `seal`: entries `starts[q]..<starts[q + 1]` of `starts(slot)` are position q's active
    /// channels and their values, in `channels(slot)` and `values(slot)`.
    private let allStarts: UnsafeMutablePointer<Int32>
    private let cursor: UnsafeMutablePointer<Int32>
    private let allChannels: UnsafeMutablePointer<Int32>
    private let allValues: UnsafeMutablePointer<Float>
    /// Per slot, after its `seal`: whether every value is exactly 1 (single spikes without a pool's factor).
    private let allUnit: UnsafeMutablePointer<Bool>

    init(channels: Int, positions: Int, slots: Int) {
        self.channels = channels
        self.positions = positions
        let count = max(channels * positions, 1)
        precondition(count <= Int(Int32.max), "a convolution input of \(count) elements: its lists hold 32-bit indices")
        values = .allocate(capacity: count)
        values.initialize(repeating: 0, count: count)
        touched = .allocate(capacity: count)
        touched.initialize(repeating: false, count: count)
        touchedPositions = .allocate(capacity: count + 1)  // + the slot a repeated element is written to
        touchedChannels = .allocate(capacity: count + 1)
        touchedElements = .allocate(capacity: count + 1)
        positionsReciprocal = positions > 1 ? UInt64.max / UInt64(positions) &+ 1 : 0
        allStarts = .allocate(capacity: slots * (positions + 1))
        allStarts.initialize(repeating: 0, count: slots * (positions + 1))
        cursor = .allocate(capacity: max(positions, 1))
        allChannels = .allocate(capacity: slots * count)
        allValues = .allocate(capacity: slots * count)
        allUnit = .allocate(capacity: slots)
        allUnit.initialize(repeating: true, count: slots)
    }

    deinit {
        values.deallocate()
        touched.deallocate()
        touchedPositions.deallocate()
        touchedChannels.deallocate()
        touchedElements.deallocate()
        allStarts.deallocate()
        cursor.deallocate()
        allChannels.deallocate()
        allValues.deallocate()
        allUnit.deallocate()
    }

    @inline(__always) func starts(_ slot: Int) -> UnsafeMutablePointer<Int32> { allStarts + slot &* (positions &+ 1) }
    @inline(__always) func channels(_ slot: Int) -> UnsafeMutablePointer<Int32> { allChannels + slot &* channels &* positions }
    @inline(__always) func values(_ slot: Int) -> UnsafeMutablePointer<Float> { allValues + slot &* channels &* positions }
    /// Whether every value of `slot`'s entries is exactly 1; then `values(slot)` may not hold them (`sealListed`).
    @inline(__always) func unitValues(_ slot: Int) -> Bool { allUnit[slot] }

    /// Adds `amount` to input element `element` (flat (C, H, W) index) of the slot being collected.
    @inline(__always)
    func add(element: Int, amount: Float) {
        let channel = positions > 1
            ? Int(truncatingIfNeeded: positionsReciprocal.multipliedFullWidth(by: UInt64(truncatingIfNeeded: element)).high)
            : element
        let position = element &- channel &* positions
        let slot = position &* channels &+ channel
        // Branch-free: always written at the end of the list, which only grows when the slot is new.
        touchedPositions[touchedCount] = Int32(truncatingIfNeeded: position)
        touchedChannels[touchedCount] = Int32(truncatingIfNeeded: channel)
        touchedElements[touchedCount] = Int32(truncatingIfNeeded: slot)
        touchedCount &+= touched[slot] ? 0 : 1
        touched[slot] = true
        values[slot] += amount
    }

    /// `slot`'s lists straight from a spike list through an identity route, when nothing else was added to the slot:
    /// the lists `add` (value 1 per spike) and then `seal` would build, without the per-element sums, flags and
    /// division by the plane that a list with repeats or a pool's factors needs. A strictly ascending list (what the
    /// populations emit) reaches each element once, in channel-major order, so the channel is followed along the
    /// list, twice: once to count the positions, once to place the channels (recomputing them is cheaper than
    /// writing them out and reading them back). Its values are all 1 (`unitValues`), so none is stored: the kernels
    /// read `values(slot)` only for slots that are not unit. Returns false, leaving the slot to `add` and `seal`
    /// (which rebuild its `starts`), when the list is not strictly ascending, reaches past the input, or something
    /// was already added to the slot.
    func sealListed(_ spikes: UnsafeBufferPointer<Int32>, slot: Int) -> Bool {
        guard touchedCount == 0 else { return false }
        let total = channels &* positions, plane = positions
        let starts = starts(slot)
        starts.update(repeating: 0, count: positions &+ 1)
        var previous = -1, channelStart = 0
        for index in 0..<spikes.count {
            let element = Int(spikes[index])
            guard element > previous, element < total else { return false }
            previous = element
            while element &- channelStart >= plane { channelStart &+= plane }
            starts[element &- channelStart &+ 1] &+= 1
        }
        for position in 0..<positions { starts[position &+ 1] &+= starts[position] }
        cursor.update(from: starts, count: positions)
        let entryChannels = channels(slot)
        var channel: Int32 = 0
        channelStart = 0
        for index in 0..<spikes.count {
            let element = Int(spikes[index])
            while element &- channelStart >= plane {
                channel &+= 1
                channelStart &+= plane
            }
            let position = element &- channelStart
            let entry = Int(cursor[position])
            cursor[position] &+= 1
            entryChannels[entry] = channel
        }
        allUnit[slot] = true
        return true
    }

    /// The counting sort's first half for `slot`: its `starts` from the positions of the first `count` touched
    /// entries, and `cursor` at each position's first entry.
    private func countPositions(_ count: Int, slot: Int) {
        let starts = starts(slot)
        starts.update(repeating: 0, count: positions + 1)
        for index in 0..<count { starts[Int(touchedPositions[index]) &+ 1] &+= 1 }
        for position in 0..<positions { starts[position &+ 1] &+= starts[position] }
        cursor.update(from: starts, count: positions)
    }

    /// Groups what was added by position (counting sort, stable) into `slot`'s lists and clears it for the next.
    /// With `taps` (non-zero weights per input element, (C, H, W) order), also returns NeuroBench's census of the
    /// summed inputs, which `InputCensus` would take from the same additions in the same order (so the same sums):
    /// the taps of every non-zero element, and whether each was −1 or 1. Summing every routed input a second time
    /// for the census alone had cost about as much as adding it here.
    @discardableResult
    func seal(slot: Int, census taps: UnsafePointer<Int32>? = nil) -> (operations: Int, binary: Bool) {
        countPositions(touchedCount, slot: slot)
        let entryChannels = channels(slot), entryValues = values(slot)
        var unit = true
        var operations = 0, binary = true
        for index in 0..<touchedCount {
            let position = Int(touchedPositions[index]), element = Int(touchedElements[index])
            let entry = Int(cursor[position])
            cursor[position] &+= 1
            let value = values[element]
            unit = unit && value == 1
            let channel = touchedChannels[index]
            entryChannels[entry] = channel
            entryValues[entry] = value
            values[element] = 0
            touched[element] = false
            if let taps, value != 0 {
                operations &+= Int(taps[Int(channel) &* positions &+ position])
                if value != 1 && value != -1 { binary = false }
            }
        }
        allUnit[slot] = unit
        touchedCount = 0
        return (operations, binary)
    }
}

extension ConvolutionScatter {
    /// Output bytes of the slots scattered together: their rows stay in the second-level cache across every tap
    /// and tile (2 MB or less per core on current CPUs; half leaves room for the weights). Large
    /// planes (a VGG's first layers: 256 KB per slot) take a few slots at a time and read their small weights again;
    /// small planes take every slot and read the large weights once.
    static let slotBlockBytes = 512 * 1024

    /// Layers with at most this many input channels pass a kernel row's taps to one call (AVX-512 adds three of
    /// them together: a position's few entries then pay its fixed costs once for three taps, and three tiles still
    /// fit the L1); layers with more pass one tap per call, so each tap's tile serves every slot of the block
    /// before the next tap's (measured in isolation: about 8% faster than a row per call on 256- and 512-channel
    /// layers after a pool).
    static let rowOfTapsChannels = 64

    /// Adds the active inputs of `slots` to the channels-last `output` (slot s's `s · slotStride` elements in).
    /// Slots go in blocks (see `slotBlockBytes`); within a block, tap by tap (or row of taps by row, see
    /// `rowOfTapsChannels`) and tile by tile of output channels (see `ConvolutionWeights.denseTapTiles`), every slot's
    /// and position's active channels are added through the tiles of the taps:
    /// the output row a tap lands on is loaded once, every active channel's weights are added to it in registers,
    /// and it is stored once. A tile is read from memory once per slot block (every step of a group, in every lane)
    /// rather than once per step and position. (Splitting the tile by blocks of input channels, to keep each block
    /// in the first-level cache, measured slower: at 12.5% activity a block holds a few entries per position, and
    /// the per-position cost — loading and storing the row, the mispredicted loop exit — then dominates.)
    /// Full tiles go through `kernels.positionPlaneTile64`, the C kernel of the worker's instruction set, or through
    /// `kernels.packedPositionPlaneTile64` over `packedTiles` when the layer has them (the same bits from half the
    /// bytes; see `PackedTapTiles`). `tiles` are this convolution's `denseTapTiles`. `blockDone`, when given, is
    /// called with each block's slots as soon as they are complete, while their outputs are still in the per-core cache.
    func scatter(byPosition active: ActiveInputs, tiles: ImmutableBuffer<Float>, slots: [Int], into output: UnsafeMutablePointer<Float>,
                 slotStride: Int, kernels: Kernels, blockDone: ((ArraySlice<Int>) -> Void)? = nil) {
        let planeKernel = kernels.positionPlaneTile64
        let packedKernel = packedTiles == nil ? nil : kernels.packedPositionPlaneTile64
        let packedWords = packedTiles?.words.pointer
        let outChannels = outputChannels, inChannels = inputChannels
        let weights = tiles.pointer
        let tapStride = inChannels &* outChannels
        let slotsPerBlock = max(1, Self.slotBlockBytes / max(1, slotStride &* MemoryLayout<Float>.size))
        let tapsPerCall = inChannels <= Self.rowOfTapsChannels ? kernelWidth : 1
        var blockStart = 0
        while blockStart < slots.count {
            let slotBlock = slots[blockStart..<min(blockStart &+ slotsPerBlock, slots.count)]
            blockStart &+= slotsPerBlock
            for ky in 0..<kernelHeight {
                var firstTap = 0
                while firstTap < kernelWidth {
                    let taps = min(tapsPerCall, kernelWidth &- firstTap)
                    // Tap (ky, kx)'s tiles are `tapStride` floats after tap (ky, kx − 1)'s.
                    let tapWeights = weights + (ky &* kernelWidth &+ firstTap) &* tapStride
                    var tileStart = 0
                    while tileStart < outChannels {
                        let width = min(Self.outputTile, outChannels &- tileStart)
                        for slot in slotBlock {
                            let slotOutput = output + (slot &* slotStride &+ tileStart)
                            if width == Self.outputTile {
                                var arguments = NCPositionPlaneArguments(
                                    output: slotOutput, starts: active.starts(slot),
                                    landingRows: landingRow.pointer + ky, landingColumns: landingColumn.pointer + firstTap,
                                    kernelHeight: Int64(kernelHeight), kernelWidth: Int64(kernelWidth),
                                    inputHeight: Int64(inputHeight), inputWidth: Int64(inputWidth),
                                    outputWidth: Int64(outputWidth), outputChannels: Int64(outChannels),
                                    tiles: tapWeights + tileStart &* inChannels, tapStride: Int64(tapStride), taps: Int64(taps),
                                    channels: active.channels(slot), values: active.values(slot),
                                    unitValues: active.unitValues(slot) ? 1 : 0)
                                if let packedKernel, let packedWords {
                                    // Packed words sit at half the float index of the rows they hold.
                                    packedKernel(&arguments, packedWords + ((ky &* kernelWidth &+ firstTap) &* tapStride &+ tileStart &* inChannels) / 2)
                                } else {
                                    planeKernel(&arguments)
                                }
                            } else {
                                for tap in 0..<taps {
                                    scatterNarrowTile(width: width, tile: tapWeights + tap &* tapStride + tileStart &* inChannels,
                                                      ky: ky, kx: firstTap &+ tap, starts: active.starts(slot),
                                                      channels: active.channels(slot),
                                                      values: active.unitValues(slot) ? nil : active.values(slot), into: slotOutput)
                                }
                            }
                        }
                        tileStart &+= width
                    }
                    firstTap &+= taps
                }
            }
            blockDone?(slotBlock)
        }
    }

    /// A tile narrower than 64 output channels (the last of a layer whose channels are not a multiple of 64), eight
    /// channels at a time, in the kernels' order.
    private func scatterNarrowTile(width: Int, tile: UnsafeMutablePointer<Float>, ky: Int, kx: Int,
                                   starts: UnsafeMutablePointer<Int32>,
                                   channels: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<Float>?,
                                   into slotOutput: UnsafeMutablePointer<Float>) {
        let outChannels = outputChannels
        for y in 0..<inputHeight {
            let row = Int(landingRow[y &* kernelHeight &+ ky])
            if row < 0 { continue }  // the tap lands outside the output from this whole input row
            let rowStarts = starts + y &* inputWidth
            let rowOutput = slotOutput + row &* outputWidth &* outChannels
            for x in 0..<inputWidth {
                let first = Int(rowStarts[x]), end = Int(rowStarts[x &+ 1])
                let column = Int(landingColumn[x &* kernelWidth &+ kx])
                if first == end || column < 0 { continue }
                let target = rowOutput + column &* outChannels
                var offset = 0
                while offset < width {
                    Self.accumulateEight(into: target + offset, from: tile + offset, rowLength: width,
                                         entries: first..<end, channels: channels, values: values)
                    offset &+= 8
                }
            }
        }
    }

    /// Eight output channels of a narrower tile whose rows are `rowLength` long; `values` nil: every value is 1, and
    /// the rows are added as they are (1 · w = w, as the C kernels' unit path).
    @inline(__always)
    private static func accumulateEight(into target: UnsafeMutablePointer<Float>, from tile: UnsafeMutablePointer<Float>,
                                        rowLength: Int, entries: Range<Int>, channels: UnsafeMutablePointer<Int32>,
                                        values: UnsafeMutablePointer<Float>?) {
        let destination = UnsafeMutableRawPointer(target)
        var sum = destination.loadUnaligned(as: SIMD8<Float>.self)
        for entry in entries {
            let source = UnsafeRawPointer(tile + Int(channels[entry]) &* rowLength)
            let row = source.loadUnaligned(as: SIMD8<Float>.self)
            if let values {
                sum += SIMD8<Float>(repeating: values[entry]) * row
            } else {
                sum += row
            }
        }
        destination.storeBytes(of: sum, as: SIMD8<Float>.self)
    }
}
