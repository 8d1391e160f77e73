internal import CKernels
import NetworkModel

/// A large sparse stride-1 convolution fed by one identity spike projection, computed over a group of up to 8 steps
/// output by output (`nc_group_gather_kernel`) instead of scattered spike by spike: each step's spikes are marked in
/// a byte per input element (bit g: fired at step g) on a zero-bordered copy of every input plane, and each output
/// element then visits its channel's non-zero weights, adding each weight in the lanes of the steps its source fired
/// in. Neighbouring outputs of a row share registers, one per step, and the IF population the convolution steps
/// (`GroupFiring.fireGathered`) is stepped with each block's sums in those registers: no per-step read-modify-write,
/// bias copy or separate IF pass over the whole layer.
///
/// Exactness: an output's non-zero weights in (input channel, kernel row, kernel column) order are its sources in
/// ascending element order, the order in which the step-by-step scatter of an ascending spike list adds them, so
/// each step's sum gets the same terms in the same order from the same start (the bias). The scatter's lists also
/// hold zero-weight padding entries; adding +0 changes no sum that is not −0, and no sum is −0 here: it starts at a
/// bias that is not −0 (checked) and a sum of non-zero weights is −0 only after a −0. Spike lists that are not
/// strictly ascending are scattered step by step instead.
///
/// Spikes through a 2 × 2 pool of stride 2 (`poolsSpikes`, A's conv3): the step-by-step path merges each step's
/// spikes per pooled element (`MergedInputs`: the value is 0 plus the pool's factor once per spike, in spike order)
/// and scatters the elements in the order they first arrived. With ascending spike lists that order is, per input
/// channel and row, the elements whose window's upper row spiked (columns ascending), then those reached only by
/// the lower row (columns ascending): not ascending within the row. So the producer's spikes are marked on its own
/// planes (`markPooled`), then pooled once per group (`poolMarked`) into per-step values (count · factor, exactly the
/// merge's sum since the factor is a power of two) and two pass masks (upper row spiked; only the lower row did),
/// and `nc_group_gather_values_kernel` adds each output's terms per input channel and kernel row, pass 0 then pass 1,
/// columns ascending: the arrival order. Each term is value · weight, as the scatter forms it.
///
/// Cost: the gather visits every (output, weight) pair once per group whatever the activity, where the scatter costs
/// per synaptic operation; `WeightedStep` gathers a group only when its synaptic operations make that cheaper.
/// Per worker and node, allocated once.
final class GroupGather {
    /// Output channels, and each channel's rows × columns.
    let outputChannels: Int
    let outputRows: Int, outputColumns: Int
    private let inputCount: Int
    /// Whether the inputs are the spikes of one projection through a 2 × 2 pool (see the type's note), not unit
    /// spikes of one identity projection.
    let poolsSpikes: Bool
    /// Output channel k's entries `entryStarts[k] ..< entryStarts[k + 1]`: offset of the source's mask from the
    /// output's window origin, and the weight.
    private let entryStarts: [Int]
    private let deltas: UnsafeMutablePointer<Int32>
    private let weights: UnsafeMutablePointer<Float>
    /// (output, weight) pairs the gather visits per group: Σ entries per channel × rows × columns.
    let visitsPerGroup: Int
    /// Output channel k's blocks (entries of one input channel and kernel row, in order) `blockStarts[k] ..<
    /// blockStarts[k + 1]`, each its entry count (pooled spikes only).
    private let blockStarts: [Int]
    private let blockLengths: UnsafeMutablePointer<Int32>
    /// Per input element, in one line for the marking walk: its mask's index on the bordered planes, its taps, and
    /// the synaptic operations of one of its spikes (identity spikes only).
    private let sources: UnsafeMutablePointer<GatherSource>
    /// Spikes: one plane of masks. Pooled spikes: two, one per pass (see the type's note).
    private let masks: UnsafeMutablePointer<UInt8>
    /// Pooled spikes: [8 steps][maskCount], read only where a pass's mask bit is set (stale elsewhere).
    private let values: UnsafeMutablePointer<Float>?
    /// Pooled spikes: the producer's spikes marked per producer element (bit g: fired at step g) on its (channels,
    /// rows, columns) planes, and the pool's factor per spike.
    private let producerMasks: UnsafeMutablePointer<UInt8>?
    private let producerCount: Int, producerRows: Int, producerColumns: Int
    private let poolFactor: Float
    /// Pooled spikes: byte i of entry b is bit i of b, so that four bytes' entries summed give, byte by byte, how many
    /// of them have each bit. Per instance: as a lazily initialised static, first read by two threads together, it
    /// once hung the CLI's worker (a stale thread id after the fork, since fixed by `WorkerThread` in the CLI).
    private let spreadBits: UnsafeMutablePointer<UInt64>?
    /// Pooled spikes: the value of k spikes, k · factor (exact), for k in 0...4 (0 for none: written, never read, its
    /// lane being unmarked), and whether it is not 1 (NeuroBench's binary test; the values are positive).
    private let valueOfCount: UnsafeMutablePointer<Float>?
    private let notOne: UnsafeMutablePointer<UInt8>?
    private let inputChannels: Int, inputRows: Int, inputColumns: Int
    private let maskCount: Int
    private let paddedWidth: Int
    /// The bias in the output's (C, H, W) layout, or nil (0).
    private let bias: ImmutableBuffer<Float>?
    /// One output channel's [8 steps][element] sums, written by `gather(channel:kernels:)` (the reference the firing
    /// gather is held to; the engine never stores sums), allocated at its first call.
    private var sumsStorage: UnsafeMutablePointer<Float>?
    var sums: UnsafeMutablePointer<Float> {
        if let sumsStorage { return sumsStorage }
        let count = max(outputRows * outputColumns, 1) * GroupScatter.width
        let storage = UnsafeMutablePointer<Float>.allocate(capacity: count)
        storage.initialize(repeating: 0, count: count)
        sumsStorage = storage
        return storage
    }

    /// A group is gathered when its synaptic operations reach `visitsPerGroup` times this: the cost of a visit over
    /// that of a scattered synaptic operation. Measured with perf (AVX-512, 2 threads, Xeon Sapphire Rapids class) on
    /// the same build run once with every group gathered and once with none, A sparse 256 images and B sparse 64
    /// (conv2 and conv4 of each, 193 M visits per run): the gather kernel's own time per visit, 0.36 ns (A) and
    /// 0.30 ns (B), against the run's extra time when scattering, plus the gather kernel's, per scattered synaptic
    /// operation, 1.71 ns (A) and 1.37 ns (B): ratios 0.21 and 0.22. The marking walk is paid on both paths (the
    /// choice follows it). The scatter's per-step bias copy and IF pass are counted per synaptic operation here
    /// though they do not shrink with activity, so the true crossover is lower and the larger ratio leans towards
    /// scattering, which keeps the cost proportional to activity.
    static let synopsPerVisit = 0.22

    /// Pooled spikes: a group is gathered when the synaptic operations its pooled elements cause in the scatter
    /// (their taps, step by step) reach the visits of its two passes (2 · `visitsPerGroup`) times this: the cost of
    /// a visit over that of a scattered operation. Measured with perf (AVX-512, 2 threads, Xeon Sapphire Rapids class,
    /// 4,000 samples/s, two alternating runs each) on A sparse 256 images, whose conv3 makes 273 k operations and 377
    /// k visits per image: its step-by-step path (merge, census, scatter, `runSteps`) took 680 samples in the base
    /// build, the gathered path (marking, pooling, values kernel, the extra in `fireGathered`) 424 in this one:
    /// 2.49 against 1.12 samples per million, a ratio of 0.45. The step-by-step path's per-step bias copy is counted
    /// per operation here though it does not shrink with activity, so the ratio leans towards scattering.
    static let pooledOperationsPerVisit = 0.45

    /// The gather for `convolution` (node `stage`, a weighted stage), or nil when it does not apply: 2-D, stride 1,
    /// one group, non-negative padding, at most `GroupScatter.width` steps per group, a bias with no −0 or NaN (see
    /// the type's note on exactness), and one spike projection, either through the identity or through a 2 × 2
    /// pool of stride 2 from a producer of shape `producerShape` (`poolFactor(of:...)`).
    static func make(stage: Stage, convolution conv: ConvolutionParameters, inputShape: [Int], outputShape: [Int],
                     bias: ImmutableBuffer<Float>?, stepsPerGroup: Int, producerShape: [Int]? = nil) -> GroupGather? {
        guard stage.projections.count == 1, stage.projections[0].carriesSpikes, inputShape.count == 3 else { return nil }
        let route = stage.projections[0].route
        var pool: (factor: Float, rows: Int, columns: Int)?
        if !route.isIdentity {
            guard let producerShape, let factor = poolFactor(of: route, inputShape: inputShape, producerShape: producerShape)
            else { return nil }
            pool = (factor, producerShape[1], producerShape[2])
        }
        guard (2...GroupScatter.width).contains(stepsPerGroup), !stage.isStaticPerSample,
              case .weighted(_, _, _, let taps) = stage.kind, taps.count == stage.inputCount,
              conv.spatialRank == 2, conv.groups == 1, conv.stride.allSatisfy({ $0 == 1 }),
              inputShape.count == 3, outputShape.count == 3 else { return nil }
        if let bias, (0..<bias.count).contains(where: { bias[$0].isNaN || (bias[$0] == 0 && bias[$0].sign == .minus) }) {
            return nil
        }
        let pads = conv.paddingPerAxis(inputSpatialShape: Array(inputShape.dropFirst()))
        let kernel = conv.kernelShape
        let inputRows = inputShape[1], inputColumns = inputShape[2]
        let rows = outputShape[1], columns = outputShape[2]
        let paddedRows = rows + (kernel[0] - 1) * conv.dilation[0], paddedWidth = columns + (kernel[1] - 1) * conv.dilation[1]
        guard pads.allSatisfy({ $0.before >= 0 && $0.after >= 0 }), inputRows + pads[0].before <= paddedRows,
              inputColumns + pads[1].before <= paddedWidth, outputShape[0] == conv.outputChannels,
              inputShape[0] == conv.inputChannels else { return nil }
        let synops = pool == nil ? stage.projections[0].synopsPerSpike : nil
        if let synops, synops.count != stage.inputCount { return nil }
        // Each input's taps and synaptic operations fit a `GatherSource` (a fan-out of at most 65,535).
        // (Unsigned compares over raw pointers: this runs per worker at planning over every input element.)
        if UnsafeBufferPointer(start: taps.pointer, count: taps.count).contains(where: {
            UInt32(bitPattern: $0) > UInt32(UInt16.max)
        }) { return nil }
        if let synops, UnsafeBufferPointer(start: synops.pointer, count: synops.count).contains(where: {
            UInt(bitPattern: $0) > UInt(UInt16.max)
        }) { return nil }
        return GroupGather(conv: conv, inputShape: inputShape, outputShape: outputShape, paddedRows: paddedRows,
                           paddedWidth: paddedWidth, pads: (pads[0].before, pads[1].before), bias: bias, taps: taps,
                           synopsPerSpike: synops, pool: pool)
    }

    /// The factor per spike of `route` when it is exactly a 2 × 2 average or sum pool of stride 2 without padding
    /// from a producer of shape `producerShape` (C, rows, columns) to `inputShape` (C, rows / 2, columns / 2,
    /// rounded down): each producer element inside the pooled area reaches exactly its window's element with the
    /// same factor, the others nothing; and the factor is a positive power of two, so that an element's merged value,
    /// 0 plus the factor once per spike (`MergedInputs`), is exactly count · factor. Nil otherwise.
    static func poolFactor(of route: SignalRoute, inputShape: [Int], producerShape: [Int]) -> Float? {
        guard producerShape.count == 3, inputShape.count == 3, producerShape[0] == inputShape[0],
              producerShape[1] / 2 == inputShape[1], producerShape[2] / 2 == inputShape[2],
              let offsets = route.offsets, let targets = route.targets, let factors = route.factors else { return nil }
        let channels = inputShape[0], rows = inputShape[1], columns = inputShape[2]
        let producerRows = producerShape[1], producerColumns = producerShape[2]
        guard offsets.count == channels * producerRows * producerColumns + 1, targets.count > 0 else { return nil }
        // Raw pointers and the first factor as the reference: planning runs this once per worker over every producer
        // element (65,536 for A's conv3), and checked subscripts tripled its cost.
        let offset = offsets.pointer, target = targets.pointer
        let factorBits = UnsafeRawPointer(factors.pointer).assumingMemoryBound(to: UInt32.self)
        let reference = factorBits[0]
        var agree = true
        var element = 0
        for channel in 0..<channels {
            for y in 0..<producerRows {
                let inside = y < 2 &* rows, pooledRow = (channel &* rows &+ y &>> 1) &* columns
                let pooledWidth = inside ? 2 &* columns : 0
                // Inside the pooled area: one target each, its window's element, with the reference factor.
                for x in 0..<pooledWidth {
                    let first = Int(offset[element &+ x])
                    agree = agree && Int(offset[element &+ x &+ 1]) &- first == 1
                        && Int(target[first]) == pooledRow &+ x &>> 1 && factorBits[first] == reference
                }
                // Outside it (a row or column the pool drops): none.
                agree = agree && offset[element &+ pooledWidth] == offset[element &+ producerColumns]
                element &+= producerColumns
            }
            guard agree else { return nil }
        }
        let factor = Float(bitPattern: reference)  // every entry's, each channel's walk having checked it
        guard factor > 0, factor.isNormal, factor.significandBitPattern == 0, (4 * factor).isFinite else { return nil }
        return factor
    }

    /// `synopsPerSpike`: nil for pooled spikes; `pool`: the pool's factor and its producer's rows and columns.
    private init(conv: ConvolutionParameters, inputShape: [Int], outputShape: [Int], paddedRows: Int, paddedWidth: Int,
                 pads: (top: Int, left: Int), bias: ImmutableBuffer<Float>?, taps: ImmutableBuffer<Int32>,
                 synopsPerSpike: ImmutableBuffer<Int>?, pool: (factor: Float, rows: Int, columns: Int)?) {
        poolsSpikes = pool != nil
        outputChannels = outputShape[0]
        outputRows = outputShape[1]
        outputColumns = outputShape[2]
        self.paddedWidth = paddedWidth
        self.bias = bias
        let inputChannels = inputShape[0], inputRows = inputShape[1], inputColumns = inputShape[2]
        self.inputChannels = inputChannels
        self.inputRows = inputRows
        self.inputColumns = inputColumns
        producerRows = pool?.rows ?? 0
        producerColumns = pool?.columns ?? 0
        producerCount = inputChannels * producerRows * producerColumns
        poolFactor = pool?.factor ?? 1
        if pool != nil {
            let marks = UnsafeMutablePointer<UInt8>.allocate(capacity: max(producerCount, 1))
            marks.initialize(repeating: 0, count: max(producerCount, 1))
            producerMasks = marks
            let spread = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
            for byte in 0..<256 {
                var bits: UInt64 = 0
                for bit in 0..<8 where byte & (1 << bit) != 0 { bits |= UInt64(1) << UInt64(8 * bit) }
                (spread + byte).initialize(to: bits)
            }
            spreadBits = spread
            let values = UnsafeMutablePointer<Float>.allocate(capacity: 5), notOne = UnsafeMutablePointer<UInt8>.allocate(capacity: 5)
            for count in 0...4 {
                let value = Float(count) * poolFactor
                (values + count).initialize(to: value)
                (notOne + count).initialize(to: count != 0 && value != 1 ? 1 : 0)
            }
            valueOfCount = values
            self.notOne = notOne
        } else {
            producerMasks = nil
            spreadBits = nil
            valueOfCount = nil
            notOne = nil
        }
        inputCount = inputChannels * inputRows * inputColumns
        let paddedPlane = paddedRows * paddedWidth
        maskCount = inputChannels * paddedPlane
        let planes = poolsSpikes ? 2 : 1
        masks = .allocate(capacity: max(planes * maskCount, 1))
        masks.initialize(repeating: 0, count: max(planes * maskCount, 1))
        if poolsSpikes {
            let values = UnsafeMutablePointer<Float>.allocate(capacity: max(GroupScatter.width * maskCount, 1))
            values.initialize(repeating: 0, count: max(GroupScatter.width * maskCount, 1))
            self.values = values
        } else {
            values = nil
        }
        sources = .allocate(capacity: max(inputCount, 1))
        for channel in 0..<inputChannels {
            for row in 0..<inputRows {
                for column in 0..<inputColumns {
                    let element = (channel * inputRows + row) * inputColumns + column
                    (sources + element).initialize(to: GatherSource(
                        mask: Int32((channel * paddedRows + row + pads.top) * paddedWidth + column + pads.left),
                        taps: UInt16(taps[element]), synops: UInt16(synopsPerSpike?[element] ?? 0)))
                }
            }
        }
        // Row-major non-zeros: per output channel, (input channel, kernel row, kernel column) ascending.
        let kernel = conv.kernelShape
        let taps = kernel[0] * kernel[1], perOutput = inputChannels * taps
        let rowStep = conv.dilation[0] * paddedWidth, columnStep = conv.dilation[1]
        var starts = [Int](repeating: 0, count: outputChannels + 1)
        var blocks = [Int](repeating: 0, count: outputChannels + 1)
        var lengths: [Int32] = []
        var lastBlock = -1  // (output channel · input channels + channel) · kernel rows + kernel row of the last entry
        var entryDeltas: [Int32] = [], entryWeights: [Float] = []
        entryDeltas.reserveCapacity(conv.weight.nonZeroCount)
        entryWeights.reserveCapacity(conv.weight.nonZeroCount)
        conv.weight.forEachNonZero { index, value in
            let weight = Float(value)  // the engine's Float decides, as in `ConvolutionScatter`
            guard weight != 0 else { return }
            let outChannel = index / perOutput, within = index % perOutput
            let channel = within / taps, tap = within % taps
            entryDeltas.append(Int32(channel * paddedPlane + (tap / kernel[1]) * rowStep + (tap % kernel[1]) * columnStep))
            entryWeights.append(weight)
            starts[outChannel + 1] += 1
            let block = (outChannel * inputChannels + channel) * kernel[0] + tap / kernel[1]
            if block == lastBlock {
                lengths[lengths.count - 1] += 1
            } else {
                lengths.append(1)
                blocks[outChannel + 1] += 1
                lastBlock = block
            }
        }
        for k in 0..<outputChannels {
            starts[k + 1] += starts[k]
            blocks[k + 1] += blocks[k]
        }
        entryStarts = starts
        blockStarts = blocks
        blockLengths = .allocate(capacity: max(lengths.count, 1))
        blockLengths.initialize(from: lengths, count: lengths.count)
        deltas = .allocate(capacity: max(entryDeltas.count, 1))
        deltas.initialize(from: entryDeltas, count: entryDeltas.count)
        weights = .allocate(capacity: max(entryWeights.count, 1))
        weights.initialize(from: entryWeights, count: entryWeights.count)
        visitsPerGroup = entryDeltas.count * outputRows * outputColumns
    }

    deinit {
        masks.deallocate()
        values?.deallocate()
        sources.deallocate()
        producerMasks?.deallocate()
        spreadBits?.deallocate()
        valueOfCount?.deallocate()
        notOne?.deallocate()
        blockLengths.deallocate()
        deltas.deallocate()
        weights.deallocate()
        sumsStorage?.deallocate()
    }

    /// Whether a group with `synops` synaptic operations is cheaper gathered than scattered step by step.
    func gathers(synops: Int) -> Bool { Double(synops) >= Double(visitsPerGroup) * Self.synopsPerVisit }

    /// Marks step `g`'s spikes in the same walk that sums their synaptic operations and NeuroBench's census (as
    /// `GroupScatter.markListed`), each spike's mask index, taps and synaptic operations read from one line
    /// (`sources`). Nil, with this list's marks undone, unless the list is strictly ascending.
    @inline(__always)
    func markListed(_ spikes: UnsafeBufferPointer<Int32>, step g: Int) -> (synops: Int, operations: Int)? {
        assert(g >= 0 && g < GroupScatter.width, "step \(g)")
        assert(!poolsSpikes, "pooled spikes are marked by markPooled")
        let bit = UInt8(truncatingIfNeeded: 1 << g)
        let masks = masks, sources = sources
        var synops = 0, operations = 0
        var previous: Int32 = -1
        for (index, spike) in spikes.enumerated() {
            guard spike > previous else {
                for marked in spikes[..<index] { masks[Int(sources[Int(marked)].mask)] &= ~bit }
                return nil
            }
            let element = Int(spike)
            precondition(element < inputCount, "spike \(element) of \(inputCount) inputs")
            let source = sources[element]
            masks[Int(source.mask)] |= bit
            synops &+= Int(source.synops)
            operations &+= Int(source.taps)
            previous = spike
        }
        return (synops, operations)
    }

    /// Pooled spikes: marks step `g`'s spikes on the producer's planes while summing their synaptic operations
    /// (`synopsPerSpike` per producer element). Nil unless the list is strictly ascending (the marks stay until
    /// `clearPooled`).
    @inline(__always)
    func markPooled(_ spikes: UnsafeBufferPointer<Int32>, step g: Int, synopsPerSpike: UnsafePointer<Int>) -> Int? {
        assert(g >= 0 && g < GroupScatter.width, "step \(g)")
        let bit = UInt8(truncatingIfNeeded: 1 << g)
        let marks = producerMasks!, producerCount = producerCount
        var synops = 0
        var previous: Int32 = -1
        for spike in spikes {
            guard spike > previous else { return nil }
            let element = Int(spike)
            precondition(element < producerCount, "spike \(element) of \(producerCount) producer elements")
            marks[element] |= bit
            synops &+= synopsPerSpike[element]
            previous = spike
        }
        return synops
    }

    /// Pooled spikes: the marked steps pooled, as the step-by-step path merges them (`MergedInputs`): per pooled
    /// element and step, k spikes of its window give the value k · factor (exactly the merge's sum, the factor being
    /// a power of two), stored at the step's plane of `values`; pass 0's mask holds the steps at which the window's
    /// upper row spiked (the element then first arrives from that row), pass 1's those at which only the lower
    /// row did. Returns NeuroBench's census per step as the merge's (the taps of the non-zero elements; whether
    /// every value is −1 or 1, as a bit per step that is not).
    func poolMarked() -> (operations: SIMD8<Int>, notBinary: UInt8) {
        let spread = UnsafePointer(spreadBits!), valueOfCount = UnsafePointer(valueOfCount!), notOne = UnsafePointer(notOne!)
        let marks = producerMasks!, masks = masks, values = values!, sources = sources
        let maskCount = maskCount, producerColumns = producerColumns, producerPlane = producerRows * producerColumns
        // Per step, in locals: a SIMD8 indexed by the step went through the stack with a store-forwarding stall.
        var o0 = 0, o1 = 0, o2 = 0, o3 = 0, o4 = 0, o5 = 0, o6 = 0, o7 = 0
        var notBinary: UInt8 = 0
        var element = 0
        for channel in 0..<inputChannels {
            for row in 0..<inputRows {
                let upper = marks + (channel &* producerPlane &+ 2 &* row &* producerColumns)
                let lower = upper + producerColumns
                for column in 0..<inputColumns {
                    let a = upper[2 &* column], b = upper[2 &* column &+ 1]
                    let c = lower[2 &* column], d = lower[2 &* column &+ 1]
                    let top = a | b, any = top | c | d
                    let source = sources[element]
                    let mask = Int(source.mask)
                    masks[mask] = top
                    masks[maskCount &+ mask] = any & ~top
                    element &+= 1
                    if any == 0 { continue }
                    // Byte g: the window's spikes at step g (at most 4: no carries between bytes).
                    let counts = spread[Int(a)] &+ spread[Int(b)] &+ spread[Int(c)] &+ spread[Int(d)]
                    let taps = Int(source.taps)
                    @inline(__always) func step(_ g: Int, _ operations: inout Int) {
                        let count = Int(truncatingIfNeeded: (counts &>> UInt64(8 &* g)) & 0xFF)
                        values[g &* maskCount &+ mask] = valueOfCount[count]
                        operations &+= count != 0 ? taps : 0
                        notBinary |= notOne[count] &<< UInt8(g)
                    }
                    step(0, &o0)
                    step(1, &o1)
                    step(2, &o2)
                    step(3, &o3)
                    step(4, &o4)
                    step(5, &o5)
                    step(6, &o6)
                    step(7, &o7)
                }
            }
        }
        return (SIMD8(o0, o1, o2, o3, o4, o5, o6, o7), notBinary)
    }

    /// Pooled spikes: whether a group whose pooled elements have `operations` taps over its steps is cheaper
    /// gathered (two passes) than scattered step by step.
    func gathersPooled(operations: Int) -> Bool {
        Double(operations) >= Double(2 &* visitsPerGroup) * Self.pooledOperationsPerVisit
    }

    /// Pooled spikes: clears the producer's marks of `spikes` marked spikes (the pass masks are rewritten by every
    /// `poolMarked`; the values need no clearing: only marked lanes are read): the whole array at once, or list by
    /// list (`clearPooled(_:)`, then this is not called) when the group marked fewer than one spike per 32 bytes, as
    /// `clearsAll` decides for the identity gather.
    func clearPooled() { producerMasks!.update(repeating: 0, count: producerCount) }

    /// Pooled spikes: whether `spikes` marked spikes are cleared at once (`clearPooled()`) rather than list by list.
    func clearsAllPooled(spikes: Int) -> Bool { spikes &* 32 >= producerCount }

    /// Pooled spikes: clears the marks of a list `markPooled` marked (a refused list's prefix included).
    @inline(__always)
    func clearPooled(_ spikes: UnsafeBufferPointer<Int32>) {
        let marks = producerMasks!, producerCount = producerCount
        for spike in spikes where spike >= 0 && Int(spike) < producerCount { marks[Int(spike)] = 0 }
    }

    /// Clears the marks of a list `markListed` accepted.
    @inline(__always)
    func clear(_ spikes: UnsafeBufferPointer<Int32>) {
        for spike in spikes { masks[Int(sources[Int(spike)].mask)] = 0 }
    }

    /// Whether clearing every mask at once (`clearAll`) is cheaper than clearing `spikes` marks list by list: a
    /// list's clear is an index load and a scattered byte store per spike, where setting the whole zero-bordered
    /// array takes a fraction of a cycle per byte. The bound, one spike per 32 mask bytes, is an estimate from
    /// those per-item costs, not a tuned value: the benchmark's large layers mark 0.7-0.9 spikes per mask byte
    /// per group (A's conv2 about 67,000 spikes on 74,000 bytes), far above it, and a nearly silent group keeps
    /// the list clear, whose cost follows activity.
    func clearsAll(spikes: Int) -> Bool { spikes &* 32 >= maskCount }

    /// Clears every mask (the borders are zero already and stay so).
    func clearAll() { masks.update(repeating: 0, count: maskCount) }

    /// Gathers output channel `channel`'s sums for the marked steps into `sums` (step g's at `sums + g · plane`): the
    /// reference `gather(channel:firing:kernels:)` is held to (tests).
    @inline(__always)
    func gather(channel: Int, kernels: Kernels) {
        let first = entryStarts[channel], plane = outputRows * outputColumns
        let channelBias = bias.map { UnsafePointer($0.pointer + channel * plane) }
        if let values {
            let firstBlock = blockStarts[channel]
            kernels.groupGatherValues(sums, values, Int64(maskCount), masks, Int64(maskCount), 2,
                                      deltas + first, weights + first, blockLengths + firstBlock,
                                      Int64(blockStarts[channel + 1] - firstBlock), channelBias, Int64(outputRows),
                                      Int64(outputColumns), Int64(paddedWidth))
        } else {
            kernels.groupGather(sums, masks, deltas + first, weights + first, Int64(entryStarts[channel + 1] - first),
                                channelBias, Int64(outputRows), Int64(outputColumns), Int64(paddedWidth))
        }
    }

    /// Gathers output channel `channel`'s sums for the marked steps and steps `firing`'s population with them in the
    /// kernel's registers (`nc_group_gather_fire_kernel`, `nc_group_gather_values_fire_kernel`): the same potentials,
    /// spike lists and counts as `gather(channel:kernels:)` followed by the IF kernel once per step, with no sums
    /// stored and read back. `firing.first` must be the channel's first neuron.
    @inline(__always)
    func gather(channel: Int, firing: UnsafePointer<NCGatherFiring>, kernels: Kernels) {
        let first = entryStarts[channel], plane = outputRows * outputColumns
        let channelBias = bias.map { UnsafePointer($0.pointer + channel * plane) }
        if let values {
            let firstBlock = blockStarts[channel]
            kernels.groupGatherValuesFire(firing, values, Int64(maskCount), masks, Int64(maskCount), 2,
                                          deltas + first, weights + first, blockLengths + firstBlock,
                                          Int64(blockStarts[channel + 1] - firstBlock), channelBias, Int64(outputRows),
                                          Int64(outputColumns), Int64(paddedWidth))
        } else {
            kernels.groupGatherFire(firing, masks, deltas + first, weights + first, Int64(entryStarts[channel + 1] - first),
                                    channelBias, Int64(outputRows), Int64(outputColumns), Int64(paddedWidth))
        }
    }
}

/// One input element of a `GroupGather`, 8 bytes: everything the marking walk reads for it in one load. Eight bytes,
/// not sixteen: the walk reads the table in spike order, about 1 MB of it for A's conv2 at sixteen, more than a Zen 4
/// core's second-level cache.
struct GatherSource {
    /// Its mask's index on the bordered planes.
    let mask: Int32
    /// Its non-zero weights (NeuroBench's census).
    let taps: UInt16
    /// The synaptic operations of one of its spikes (identity spikes only).
    let synops: UInt16
}
