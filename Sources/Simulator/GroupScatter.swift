internal import CKernels

/// A sparse stride-1 convolution's spike inputs over a group of up to `width` steps, scattered source by source
/// (`nc_group_scatter_kernel`): each active input element walks its synapse list once per group, adding its value at
/// every step it was active to an accumulator laid out [output element][step]. In the 99%-sparse VGG-16 of the
/// benchmarks a neuron that fires fires about 2.7 times in 8 steps, and the scattered read-modify-write per synapse
/// is most of the simulation, so one visit per group instead of one per spike is the gain. Every step's sums receive
/// their terms in the step-by-step scatter's order: input elements ascending (the order of a spike list), then list
/// order. Inputs merged through a pool are summed per element in arrival order as before, then scattered in
/// ascending element order rather than the merge's first-arrival order: the same terms, possibly rounded
/// differently on arbitrary floats, exactly the same on the power-of-two weights of the reference tests and the
/// benchmarks. Spikes through an identity route are marked, not stored: their value is 1 and the kernel adds the
/// weight itself (1 · w = w exactly). Per worker and node, allocated once; the accumulator starts (and is left after
/// `drain`) at the bias, and the values start (and are left after `scatter`) at zero.
final class GroupScatter {
    /// Steps per group at most: the lanes of one 256-bit register.
    static let width = 8
    /// Layers with more outputs scatter step by step: each group also drains the whole accumulator (32 bytes per
    /// output, read, rewritten with the bias, and written out per step), which the large layers' few active sources
    /// do not pay back. Measured with unit spikes marked rather than stored (CPU time of the whole process, median
    /// of paired runs on a loaded machine, A 256 and B 64 images, 2 threads): up to 16384 outputs against up to
    /// 4096, A 0.90× (0.89-0.99), B 1.03× (0.94-1.25); up to 32768 against 16384, A 1.00×, B 1.05×; every layer,
    /// B 1.17-1.24× against up to 4096. Cutting the large layers' accumulator into bands of output rows that stay
    /// in the per-core cache (so that each output's terms keep their order) did not help either: A 0.95× (1 MB
    /// bands) to 1.86× (64 kB) against the unbanded accumulator, the cost of visiting sources once per band.
    static let maximumOutputs = 16384

    /// Whether a node scatters its groups source by source: a sparse stride-1 convolution whose inputs vary per step,
    /// all spike projections, either merged per element (`MergedInputs`, when a route is not the identity) or one
    /// identity projection, so that each step's sums keep the step-by-step order; and small enough (`maximumOutputs`).
    static func applies(to stage: Stage) -> Bool {
        guard case .weighted(.convolution(let convolution), _, _, _) = stage.kind,
              case .sparsePositionClasses = convolution.weights else { return false }
        return !stage.isStaticPerSample && stage.outputCount <= maximumOutputs
            && !stage.projections.isEmpty && stage.projections.allSatisfy(\.carriesSpikes)
            && (stage.projections.contains { !$0.route.isIdentity } || stage.projections.count == 1)
    }
    private let outputCount: Int
    private let inputCount: Int
    private let inputPlane: Int
    private let lists: PositionClassLists
    private let bias: ImmutableBuffer<Float>?
    /// [output element][width].
    private let accumulator: UnsafeMutablePointer<Float>
    /// [input element][width]: the element's value at each step of the group; zero in every lane its mask does not set
    /// (`scatter` zeroes the rows it reads), so `add` sums into a lane without asking whether it is the step's first.
    private let values: UnsafeMutablePointer<Float>
    /// Per input element, bit g: active at step g. Padded to whole 8-byte words for the scan.
    private let masks: UnsafeMutablePointer<UInt8>
    private let maskWords: Int
    /// The group's active elements, ascending, and their values side by side (the kernel's input).
    private let sources: UnsafeMutablePointer<NCGroupSource>
    private let sourceValues: UnsafeMutablePointer<Float>
    /// Whether every input is a spike through an identity route (value 1: `markListed`), so no values are stored or
    /// read.
    let unitValues: Bool

    /// `unitValues`: inputs are only ever marked (`markListed`, value 1), never `set`.
    init(lists: PositionClassLists, inputCount: Int, inputPlane: Int, outputCount: Int, bias: ImmutableBuffer<Float>?,
         unitValues: Bool) {
        self.unitValues = unitValues
        self.lists = lists
        self.inputCount = inputCount
        self.inputPlane = inputPlane
        self.outputCount = outputCount
        self.bias = bias
        let width = Self.width
        accumulator = CacheLineMemory.allocate(Float.self, count: max(outputCount, 1) * width)  // no row straddles two lines
        for element in 0..<outputCount {
            (accumulator + element * width).initialize(repeating: bias.map { $0[element] } ?? 0, count: width)
        }
        // Written here, not left to fault in as touched: `add` and the marks update in place, so a first touch is
        // a read that maps the shared zero page and then a write that copies it, which flushes the page from the
        // other cores' TLBs (an interrupt to each, during the first samples). On the sparse VGG-16 a sample's spikes
        // reach nearly every page of these anyway.
        let valueCount = unitValues ? 1 : max(inputCount, 1) * width
        values = ZeroedMemory.allocate(Float.self, count: valueCount)
        values.update(repeating: 0, count: valueCount)
        maskWords = (inputCount + 7) / 8
        masks = ZeroedMemory.allocate(UInt8.self, count: max(maskWords, 1) * 8)
        masks.update(repeating: 0, count: max(maskWords, 1) * 8)
        sources = .allocate(capacity: max(inputCount, 1))
        sourceValues = .allocate(capacity: unitValues ? 1 : max(inputCount, 1) * width)
    }

    deinit {
        CacheLineMemory.release(accumulator)
        ZeroedMemory.release(values)
        ZeroedMemory.release(masks)
        sources.deallocate()
        sourceValues.deallocate()
    }

    /// Input element `element` has value `value` at the group's step `g` (set once per element and step, instead of `add`):
    /// arbitrary values for the kernel tests, which the engine's routes (`add`) do not produce.
    @inline(__always)
    func set(element: Int, step g: Int, value: Float) {
        assert(!unitValues && element >= 0 && element < inputCount && g >= 0 && g < Self.width, "element \(element), step \(g)")
        values[element &* Self.width &+ g] = value
        masks[element] |= UInt8(truncatingIfNeeded: 1 << g)
    }

    /// Adds step `g`'s spikes through `route` (a pool's, or any other) to the elements they reach, in the route's
    /// order, each element's sum starting from zero: the same additions in the same order as `MergedInputs.add`, but
    /// straight into the group's values, so no per-step list of touched elements is kept, handed over and cleared; the
    /// census of the sums is taken once per group, in `scatter`. In the same walk, the synaptic operations of the
    /// spikes (`synopsPerSpike` per producer element).
    @inline(__always)
    func add(spikes: UnsafeBufferPointer<Int32>, route: SignalRoute, step g: Int, synopsPerSpike: UnsafePointer<Int>) -> Int {
        assert(!unitValues && g >= 0 && g < Self.width, "step \(g)")
        let values = values, masks = masks, inputCount = inputCount
        let bit = UInt8(truncatingIfNeeded: 1 << g)
        var synops = 0
        if route.isIdentity {
            for spike in spikes {
                let element = Int(spike)
                assert(element >= 0 && element < inputCount, "element \(element) of \(inputCount) inputs")
                synops &+= synopsPerSpike[element]
                values[element &* Self.width &+ g] += 1
                masks[element] |= bit
            }
            return synops
        }
        let offsets = route.offsets!.pointer, targets = route.targets!.pointer, factors = route.factors!.pointer
        if route.oneTargetEach {  // a tiling pool straight after its producer: one element per spike, no list walked
            for spike in spikes {
                let source = Int(spike)
                synops &+= synopsPerSpike[source]
                let element = Int(targets[source])
                assert(element >= 0 && element < inputCount, "element \(element) of \(inputCount) inputs")
                values[element &* Self.width &+ g] += factors[source]
                masks[element] |= bit
            }
            return synops
        }
        for spike in spikes {
            let source = Int(spike)
            synops &+= synopsPerSpike[source]
            for entry in Int(offsets[source])..<Int(offsets[source &+ 1]) {
                let element = Int(targets[entry])
                assert(element >= 0 && element < inputCount, "element \(element) of \(inputCount) inputs")
                values[element &* Self.width &+ g] += factors[entry]
                masks[element] |= bit
            }
        }
        return synops
    }

    /// Marks step `g`'s spikes (one identity projection, value 1 each) in the same walk that sums their synaptic
    /// operations (`synopsPerSpike`) and NeuroBench's census (`taps` per element: every element is listed once, so
    /// the input is binary): one pass over the list instead of three. Nil, with nothing marked, unless the list is
    /// strictly ascending (a repeat's summed value would round differently from repeated adds: `scatterStep`).
    @inline(__always)
    func markListed(_ spikes: UnsafeBufferPointer<Int32>, step g: Int, synopsPerSpike: UnsafePointer<Int>,
                    taps: UnsafePointer<Int32>) -> (synops: Int, operations: Int)? {
        assert(unitValues && g >= 0 && g < Self.width, "step \(g)")
        let bit = UInt8(truncatingIfNeeded: 1 << g)
        var synops = 0, operations = 0
        var previous: Int32 = -1
        for (index, spike) in spikes.enumerated() {
            guard spike > previous else {
                // Bit g is only ever set by this step's list: clearing it for the ones walked undoes the marks.
                for marked in spikes[..<index] { masks[Int(marked)] &= ~bit }
                return nil
            }
            let element = Int(spike)
            assert(element < inputCount, "spike \(element) of \(inputCount) inputs")
            masks[element] |= bit
            synops &+= synopsPerSpike[element]
            operations &+= Int(taps[element])
            previous = spike
        }
        return (synops, operations)
    }

    /// Scatters step `g`'s spikes (identity route, one unit each, repeats included) straight into lane `g`, one
    /// synapse at a time: for a list with repeats, whose summed value would round differently from repeated adds.
    func scatterStep(spikes: UnsafeBufferPointer<Int32>, step g: Int) {
        let offsets = lists.offsets.pointer, weights = lists.weights.pointer
        let lane = accumulator + g
        for spike in spikes {
            let input = Int(spike)
            assert(input >= 0 && input < inputCount, "spike \(input) of \(inputCount) inputs")
            let channel = input / inputPlane
            let (first, end, origin) = lists.list(channel: channel, position: input &- channel &* inputPlane)
            for entry in first..<end {
                let target = origin &+ Int(offsets[entry])
                assert(target >= 0 && target < outputCount, "target \(target) of \(outputCount) outputs")
                lane[target &* Self.width] += weights[entry]
            }
        }
    }

    /// NeuroBench's census of a group's summed values (see `InputCensus`), step g in lane g: the non-zero weights
    /// (`taps` per element) met by the non-zero elements, and whether some non-zero element was neither −1 nor 1.
    struct Census {
        var operations = SIMD8<Int>.zero
        var nonBinary = SIMDMask<SIMD8<Int32>>(repeating: false)
    }

    /// Scatters every element set since the last call, in ascending order, through `kernel`; then forgets them (their
    /// values back to zero). With `taps` (values only, not `unitValues`), also takes the census of the values.
    @discardableResult
    func scatter(kernel: NCGroupScatterKernel, censusTaps taps: UnsafePointer<Int32>? = nil) -> Census {
        assert(taps == nil || !unitValues, "a census of unit values is the spike lists'")
        let width = Self.width
        var census = Census()
        var count = 0
        // Elements come ascending: the channel is followed, divided out only when an element leaves it.
        var channel = 0, channelStart = 0, channelEnd = inputPlane
        for word in 0..<maskWords {
            var packed = UnsafeRawPointer(masks + word &* 8).loadUnaligned(as: UInt64.self)
            if packed == 0 { continue }
            UnsafeMutableRawPointer(masks + word &* 8).storeBytes(of: 0, as: UInt64.self)
            while packed != 0 {  // the non-zero bytes, lowest (first element) first
                let byte = packed.trailingZeroBitCount / 8
                let mask = UInt32(truncatingIfNeeded: packed >> (byte &* 8)) & 0xFF
                packed &= ~(UInt64(0xFF) << (byte &* 8))
                let element = word &* 8 &+ byte
                assert(element < inputCount, "element \(element) of \(inputCount) inputs")
                if element >= channelEnd {
                    channel = element / inputPlane
                    channelStart = channel &* inputPlane
                    channelEnd = channelStart &+ inputPlane
                }
                let (first, end, origin) = lists.list(channel: channel, position: element &- channelStart)
                sources[count] = NCGroupSource(first: Int32(first), end: Int32(end), origin: Int32(origin), mask: mask)
                if !unitValues {
                    let row = UnsafeMutableRawPointer(values + element &* width)
                    let value = row.loadUnaligned(as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(sourceValues + count &* width).storeBytes(of: value, as: SIMD8<Float>.self)
                    row.storeBytes(of: .zero, as: SIMD8<Float>.self)
                    if let taps {
                        // Lanes outside the mask are zero, so they count nothing (a NaN is non-zero and not binary).
                        let nonZero = value .!= 0
                        census.operations &+= SIMD8<Int>(truncatingIfNeeded: SIMD8<Int32>.zero.replacing(with: taps[element], where: nonZero))
                        census.nonBinary .|= nonZero .& (value .!= 1) .& (value .!= -1)
                    }
                }
                count &+= 1
            }
        }
        guard count > 0 else { return census }
        kernel(accumulator, sources, unitValues ? nil : sourceValues, Int64(count), lists.offsets.pointer, lists.weights.pointer)
        return census
    }

    /// Writes the group's `steps` sums to `output` (step g at `output + g · count`) and restarts at the bias.
    func drain(into output: UnsafeMutablePointer<Float>, steps: Int, kernel: NCGroupDrainKernel) {
        precondition(steps <= Self.width)
        kernel(accumulator, output, Int64(outputCount), Int64(steps), Int64(outputCount), bias?.pointer)
    }

    /// `drain` fused with the IF step of the population it feeds (see `GroupFiring`): steps the plain IF neurons with
    /// potentials `potential` through the group's `steps` sums; step g's spikes go to `spikes[g]` (room for
    /// `outputCount` + `SpikeList.slack`), their number to `listed[g]`, its active updates to `activeUpdates[g]`. The
    /// sums are never written out. Restarts at the bias.
    func drainFiring(steps: Int, parameters: UnsafePointer<NCIntegrateAndFireParameters>, potential: UnsafeMutablePointer<Float>,
                     spikes: UnsafePointer<UnsafeMutablePointer<Int32>?>, listed: UnsafeMutablePointer<Int64>,
                     activeUpdates: UnsafeMutablePointer<Int64>, kernel: NCGroupDrainFireKernel) {
        precondition(steps <= Self.width)
        kernel(accumulator, Int64(outputCount), Int64(steps), bias?.pointer, parameters, potential, spikes, listed, activeUpdates)
    }
}
