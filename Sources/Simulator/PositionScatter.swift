/// The active inputs of a dense convolution, grouped by input position, for each slot (a lane's step of the group):
/// the channels that received something there and how much (a spike's route factor, summed when several spikes
/// reach the same element through a pool). Inputs are added for one slot at a time and sealed into that slot's
/// lists; the slots are then scattered together. Per worker and node, allocated once.
final class ActiveInputs {
    let positions: Int
    let channels: Int
    /// Summed value per (position, channel), channels-last, and whether it was touched; cleared by every `seal`.
    /// (A flag rather than `value != 0`: analog inputs and spikes into one node could sum to zero and come back.)
    private let values: UnsafeMutablePointer<Float>
    private let touched: UnsafeMutablePointer<Bool>
    private let touchedPositions: UnsafeMutablePointer<Int32>
    private let touchedChannels: UnsafeMutablePointer<Int32>
    private var touchedCount = 0
    /// Per slot, after its `seal`: entries `starts[q]..<starts[q + 1]` of `starts(slot)` are position q's active
    /// channels and their values, in `channels(slot)` and `values(slot)`.
    private let allStarts: UnsafeMutablePointer<Int32>
    private let cursor: UnsafeMutablePointer<Int32>
    private let allChannels: UnsafeMutablePointer<Int32>
    private let allValues: UnsafeMutablePointer<Float>

    init(channels: Int, positions: Int, slots: Int) {
        self.channels = channels
        self.positions = positions
        let count = max(channels * positions, 1)
        values = .allocate(capacity: count)
        values.initialize(repeating: 0, count: count)
        touched = .allocate(capacity: count)
        touched.initialize(repeating: false, count: count)
        touchedPositions = .allocate(capacity: count + 1)  // + the slot a repeated element is written to
        touchedChannels = .allocate(capacity: count + 1)
        allStarts = .allocate(capacity: slots * (positions + 1))
        allStarts.initialize(repeating: 0, count: slots * (positions + 1))
        cursor = .allocate(capacity: max(positions, 1))
        allChannels = .allocate(capacity: slots * count)
        allValues = .allocate(capacity: slots * count)
    }

    deinit {
        values.deallocate()
        touched.deallocate()
        touchedPositions.deallocate()
        touchedChannels.deallocate()
        allStarts.deallocate()
        cursor.deallocate()
        allChannels.deallocate()
        allValues.deallocate()
    }

    @inline(__always) func starts(_ slot: Int) -> UnsafeMutablePointer<Int32> { allStarts + slot &* (positions &+ 1) }
    @inline(__always) func channels(_ slot: Int) -> UnsafeMutablePointer<Int32> { allChannels + slot &* channels &* positions }
    @inline(__always) func values(_ slot: Int) -> UnsafeMutablePointer<Float> { allValues + slot &* channels &* positions }

    /// Adds `amount` to input element `element` (flat (C, H, W) index) of the slot being collected.
    @inline(__always)
    func add(element: Int, amount: Float) {
        let channel = element / positions
        let position = element &- channel &* positions
        let slot = position &* channels &+ channel
        // Branch-free: always written at the end of the list, which only grows when the slot is new.
        touchedPositions[touchedCount] = Int32(truncatingIfNeeded: position)
        touchedChannels[touchedCount] = Int32(truncatingIfNeeded: channel)
        touchedCount &+= touched[slot] ? 0 : 1
        touched[slot] = true
        values[slot] += amount
    }

    /// Groups what was added by position (counting sort, stable) into `slot`'s lists and clears it for the next.
    func seal(slot: Int) {
        let starts = starts(slot), entryChannels = channels(slot), entryValues = values(slot)
        starts.update(repeating: 0, count: positions + 1)
        for index in 0..<touchedCount { starts[Int(touchedPositions[index]) &+ 1] &+= 1 }
        for position in 0..<positions { starts[position &+ 1] &+= starts[position] }
        cursor.update(from: starts, count: positions)
        for index in 0..<touchedCount {
            let position = Int(touchedPositions[index]), channel = Int(touchedChannels[index])
            let entry = Int(cursor[position])
            cursor[position] &+= 1
            let element = position &* channels &+ channel
            entryChannels[entry] = Int32(truncatingIfNeeded: channel)
            entryValues[entry] = values[element]
            values[element] = 0
            touched[element] = false
        }
        touchedCount = 0
    }
}

extension ConvolutionScatter {
    /// Adds the active inputs of `slots` to the channels-last `output` (slot s's `s · slotStride` elements in).
    /// Tap by tap and tile by tile of output channels (see `ConvolutionWeights.denseTapTiles`), every slot's and position's active channels
    /// are added through the tile: the output row a tap lands on is loaded once, every active channel's weights are
    /// added to it in registers, and it is stored once. A tile is read from memory once per call (every step of a
    /// group, in every lane) rather than once per step and position.
    /// Full tiles go through `kernels.positionRowTile64`, the C kernel of the worker's instruction set.
    /// `tiles` are this convolution's `denseTapTiles`.
    func scatter(byPosition active: ActiveInputs, tiles: ImmutableBuffer<Float>, slots: [Int], into output: UnsafeMutablePointer<Float>,
                 slotStride: Int, kernels: Kernels) {
        let rowKernel = kernels.positionRowTile64
        let outChannels = outputChannels, inChannels = inputChannels
        let weights = tiles.pointer
        let tapStride = inChannels &* outChannels
        for ky in 0..<kernelHeight {
            for kx in 0..<kernelWidth {
                let tapWeights = weights + (ky &* kernelWidth &+ kx) &* tapStride
                var tileStart = 0
                while tileStart < outChannels {
                    let width = min(Self.outputTile, outChannels &- tileStart)
                    let tile = tapWeights + tileStart &* inChannels
                    for slot in slots {
                        let slotOutput = output + (slot &* slotStride &+ tileStart)
                        let starts = active.starts(slot), channels = active.channels(slot), values = active.values(slot)
                        for y in 0..<inputHeight {
                            let row = Int(landingRow[y &* kernelHeight &+ ky])
                            if row < 0 { continue }  // the tap lands outside the output from this whole input row
                            let rowStarts = starts + y &* inputWidth
                            let rowOutput = slotOutput + row &* outputWidth &* outChannels
                            if width == Self.outputTile {
                                rowKernel(rowOutput, rowStarts, landingColumn.pointer + kx, Int64(kernelWidth),
                                                       Int64(inputWidth), Int64(outChannels), tile, channels, values)
                                continue
                            }
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
                    tileStart &+= width
                }
            }
        }
    }

    /// Eight output channels of a narrower tile whose rows are `rowLength` long.
    @inline(__always)
    private static func accumulateEight(into target: UnsafeMutablePointer<Float>, from tile: UnsafeMutablePointer<Float>,
                                        rowLength: Int, entries: Range<Int>, channels: UnsafeMutablePointer<Int32>,
                                        values: UnsafeMutablePointer<Float>) {
        let destination = UnsafeMutableRawPointer(target)
        var sum = destination.loadUnaligned(as: SIMD8<Float>.self)
        for entry in entries {
            let source = UnsafeRawPointer(tile + Int(channels[entry]) &* rowLength)
            sum += SIMD8<Float>(repeating: values[entry]) * source.loadUnaligned(as: SIMD8<Float>.self)
        }
        destination.storeBytes(of: sum, as: SIMD8<Float>.self)
    }
}
