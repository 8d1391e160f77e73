internal import CKernels
import NetworkModel

/// A large sparse stride-1 convolution fed by one identity spike projection, computed over a group of up to 8 steps
/// output by output (`nc_group_gather_kernel`) instead of scattered spike by spike: each step's spikes are marked in
/// a byte per input element (bit g: fired at step g) on a zero-bordered copy of every input plane, and each output
/// element then visits its channel's non-zero weights, adding each weight in the lanes of the steps its source fired
/// in. Neighbouring outputs of a row share registers, one per step, and each output channel's step-major sums go
/// through the IF population the convolution steps (`GroupFiring.fireGathered`) while they are in the per-core
/// cache: no per-step read-modify-write, bias copy or separate IF pass over the whole layer.
///
/// Exactness: an output's non-zero weights in (input channel, kernel row, kernel column) order are its sources in
/// ascending element order, the order in which the step-by-step scatter of an ascending spike list adds them, so
/// each step's sum gets the same terms in the same order from the same start (the bias). The scatter's lists also
/// hold zero-weight padding entries; adding +0 changes no sum that is not −0, and no sum is −0 here: it starts at a
/// bias that is not −0 (checked) and a sum of non-zero weights is −0 only after a −0. Spike lists that are not
/// strictly ascending are scattered step by step instead.
///
/// Cost: the gather visits every (output, weight) pair once per group whatever the activity, where the scatter costs
/// per synaptic operation; `WeightedStep` gathers a group only when its synaptic operations make that cheaper.
/// Per worker and node, allocated once.
final class GroupGather {
    /// Output channels, and each channel's rows × columns.
    let outputChannels: Int
    let outputRows: Int, outputColumns: Int
    private let inputCount: Int
    /// Output channel k's entries `entryStarts[k] ..< entryStarts[k + 1]`: offset of the source's mask from the
    /// output's window origin, and the weight.
    private let entryStarts: [Int]
    private let deltas: UnsafeMutablePointer<Int32>
    private let weights: UnsafeMutablePointer<Float>
    /// (output, weight) pairs the gather visits per group: Σ entries per channel × rows × columns.
    let visitsPerGroup: Int
    /// Per input element, its mask's index on the bordered planes.
    private let maskIndex: UnsafeMutablePointer<Int32>
    private let masks: UnsafeMutablePointer<UInt8>
    private let maskCount: Int
    private let paddedWidth: Int
    /// The bias in the output's (C, H, W) layout, or nil (0).
    private let bias: ImmutableBuffer<Float>?
    /// One output channel's [8 steps][element] sums.
    let sums: UnsafeMutablePointer<Float>

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

    /// The gather for `convolution` (node `stage`), or nil when it does not apply: 2-D, stride 1, one group,
    /// non-negative padding, at most `GroupScatter.width` steps per group, one identity spike projection, a bias with
    /// no −0 or NaN (see the type's note on exactness).
    static func make(stage: Stage, convolution conv: ConvolutionParameters, inputShape: [Int], outputShape: [Int],
                     bias: ImmutableBuffer<Float>?, stepsPerGroup: Int) -> GroupGather? {
        guard (2...GroupScatter.width).contains(stepsPerGroup), !stage.isStaticPerSample, stage.projections.count == 1,
              stage.projections[0].carriesSpikes, stage.projections[0].route.isIdentity,
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
        return GroupGather(conv: conv, inputShape: inputShape, outputShape: outputShape, paddedRows: paddedRows,
                           paddedWidth: paddedWidth, pads: (pads[0].before, pads[1].before), bias: bias)
    }

    private init(conv: ConvolutionParameters, inputShape: [Int], outputShape: [Int], paddedRows: Int, paddedWidth: Int,
                 pads: (top: Int, left: Int), bias: ImmutableBuffer<Float>?) {
        outputChannels = outputShape[0]
        outputRows = outputShape[1]
        outputColumns = outputShape[2]
        self.paddedWidth = paddedWidth
        self.bias = bias
        let inputChannels = inputShape[0], inputRows = inputShape[1], inputColumns = inputShape[2]
        inputCount = inputChannels * inputRows * inputColumns
        let paddedPlane = paddedRows * paddedWidth
        maskCount = inputChannels * paddedPlane
        masks = .allocate(capacity: max(maskCount, 1))
        masks.initialize(repeating: 0, count: max(maskCount, 1))
        maskIndex = .allocate(capacity: max(inputCount, 1))
        for channel in 0..<inputChannels {
            for row in 0..<inputRows {
                for column in 0..<inputColumns {
                    maskIndex[(channel * inputRows + row) * inputColumns + column] =
                        Int32(channel * paddedPlane + (row + pads.top) * paddedWidth + column + pads.left)
                }
            }
        }
        // Row-major non-zeros: per output channel, (input channel, kernel row, kernel column) ascending.
        let kernel = conv.kernelShape
        let taps = kernel[0] * kernel[1], perOutput = inputChannels * taps
        let rowStep = conv.dilation[0] * paddedWidth, columnStep = conv.dilation[1]
        var starts = [Int](repeating: 0, count: outputChannels + 1)
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
        }
        for k in 0..<outputChannels { starts[k + 1] += starts[k] }
        entryStarts = starts
        deltas = .allocate(capacity: max(entryDeltas.count, 1))
        deltas.initialize(from: entryDeltas, count: entryDeltas.count)
        weights = .allocate(capacity: max(entryWeights.count, 1))
        weights.initialize(from: entryWeights, count: entryWeights.count)
        visitsPerGroup = entryDeltas.count * outputRows * outputColumns
        sums = .allocate(capacity: max(outputRows * outputColumns, 1) * GroupScatter.width)
        sums.initialize(repeating: 0, count: max(outputRows * outputColumns, 1) * GroupScatter.width)
    }

    deinit {
        masks.deallocate()
        maskIndex.deallocate()
        deltas.deallocate()
        weights.deallocate()
        sums.deallocate()
    }

    /// Whether a group with `synops` synaptic operations is cheaper gathered than scattered step by step.
    func gathers(synops: Int) -> Bool { Double(synops) >= Double(visitsPerGroup) * Self.synopsPerVisit }

    /// Marks step `g`'s spikes in the same walk that sums their synaptic operations and NeuroBench's census (as
    /// `GroupScatter.markListed`). Nil, with this list's marks undone, unless the list is strictly ascending.
    @inline(__always)
    func markListed(_ spikes: UnsafeBufferPointer<Int32>, step g: Int, synopsPerSpike: UnsafePointer<Int>,
                    taps: UnsafePointer<Int32>) -> (synops: Int, operations: Int)? {
        assert(g >= 0 && g < GroupScatter.width, "step \(g)")
        let bit = UInt8(truncatingIfNeeded: 1 << g)
        var synops = 0, operations = 0
        var previous: Int32 = -1
        for (index, spike) in spikes.enumerated() {
            guard spike > previous else {
                for marked in spikes[..<index] { masks[Int(maskIndex[Int(marked)])] &= ~bit }
                return nil
            }
            let element = Int(spike)
            precondition(element < inputCount, "spike \(element) of \(inputCount) inputs")
            masks[Int(maskIndex[element])] |= bit
            synops &+= synopsPerSpike[element]
            operations &+= Int(taps[element])
            previous = spike
        }
        return (synops, operations)
    }

    /// Clears the marks of a list `markListed` accepted.
    @inline(__always)
    func clear(_ spikes: UnsafeBufferPointer<Int32>) {
        for spike in spikes { masks[Int(maskIndex[Int(spike)])] = 0 }
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

    /// Gathers output channel `channel`'s sums for the marked steps into `sums` (step g's at `sums + g · plane`).
    @inline(__always)
    func gather(channel: Int, kernel: NCGroupGatherKernel) {
        let first = entryStarts[channel], plane = outputRows * outputColumns
        kernel(sums, masks, deltas + first, weights + first, Int64(entryStarts[channel + 1] - first),
               bias.map { UnsafePointer($0.pointer + channel * plane) }, Int64(outputRows), Int64(outputColumns), Int64(paddedWidth))
    }
}
