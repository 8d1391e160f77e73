/// A weighted node (Affine, Linear, convolution, Scale) for every step of a group in every lane: bias, then every
/// analog input and spike scattered through its weights. A node whose inputs never change within the sample is
/// computed at step 0 only (its counts repeated every step); a dense convolution scattered by position collects
/// each slot's active inputs, then scatters all of them in one pass over its weights.
final class WeightedStep {
    let stage: Stage
    let kernel: WeightedKernel
    let bias: ImmutableBuffer<Float>?
    let biasAdds: Int
    let taps: ImmutableBuffer<Int32>
    /// Output channels when the kernel writes channels-last (transposed to (C, H, W) after each group), else 1.
    private let channelCount: Int
    /// Per lane (static nodes): the MACs and NeuroBench operations of step 0, counted again at every step.
    private var cachedMACs: [Int]
    private var cachedCensus: [(operations: Int, binary: Bool)]
    /// The slots computed in the current group (reused).
    private var computedSlots: [Int] = []

    init(stage: Stage, kernel: WeightedKernel, bias: ImmutableBuffer<Float>?, biasAdds: Int, taps: ImmutableBuffer<Int32>,
         plan: SimulationPlan, lanes: Int) {
        self.stage = stage
        self.kernel = kernel
        self.bias = bias
        self.biasAdds = biasAdds
        self.taps = taps
        channelCount = kernel.writesChannelsLast ? plan.network.outputShapes[stage.node][0] : 1
        cachedMACs = Array(repeating: 0, count: lanes)
        cachedCensus = Array(repeating: (0, true), count: lanes)
    }

    func run(_ context: StepContext, steps: Range<Int>, lanes laneCount: Int, slotsPerGroup: Int) {
        let node = stage.node
        let count = stage.outputCount
        let memory = context.memory, tally = context.tally
        let slotsPerLane = stage.isStaticPerSample ? 1 : slotsPerGroup
        let channelsLast = memory.channelsLast[node]
        let active = memory.activeInputs[node]
        let merged = memory.mergedInputs[node]
        let census = memory.censuses[node]
        computedSlots.removeAll(keepingCapacity: true)
        for lane in 0..<laneCount {
            for step in steps {
                tally.add(.biasAdds, biasAdds, stage, lane: lane, step: step)
                if stage.isStaticPerSample && step > 0 {
                    tally.add(.macs, cachedMACs[lane], stage, lane: lane, step: step)
                    let cached = cachedCensus[lane]
                    tally.add(cached.binary ? .neurobenchACs : .neurobenchMACs, cached.operations, stage, lane: lane, step: step)
                    continue
                }
                let g = step &- steps.lowerBound
                let slot = lane &* slotsPerLane &+ g  // = the offset of output(node, lane, g) in units of `count`
                computedSlots.append(slot)
                let target = (channelsLast ?? memory.outputs[node]!) + slot &* count
                if let bias {
                    target.update(from: bias.pointer, count: count)  // the plan stores it in the target's layout
                } else {
                    target.update(repeating: 0, count: count)
                }
                var macs = 0
                var synops = 0
                if let analogInput = context.analogInput(stage, lane: lane, g: g) {
                    for element in 0..<stage.inputCount {
                        let value = analogInput[element]
                        if value == 0 { continue }
                        if let active {
                            active.add(element: element, amount: value)
                        } else {
                            kernel.scatter(input: element, scale: value, into: target)
                        }
                        macs += Int(taps[element])
                        census?.add(element, value)
                    }
                }
                for projection in stage.projections where projection.carriesSpikes {
                    let spikes = memory.spikes(projection.producer, lane: lane, g: g).buffer
                    if let active {
                        projection.route.forEachTarget(ofEach: spikes) { input, factor in active.add(element: input, amount: factor) }
                    } else if let merged {
                        projection.route.forEachTarget(ofEach: spikes) { input, factor in merged.add(element: input, amount: factor) }
                    } else {
                        kernel.scatter(spikes: spikes, route: projection.route, into: target)
                    }
                    let perSpike = projection.synopsPerSpike.pointer
                    for spike in spikes { synops &+= perSpike[Int(spike)] }
                    if let census { projection.route.forEachTarget(ofEach: spikes) { input, factor in census.add(input, factor) } }
                }
                if let merged, case .convolution(let convolution) = kernel {
                    convolution.scatter(merged, into: target)
                }
                active?.seal(slot: slot)
                if stage.isStaticPerSample { cachedMACs[lane] = macs }
                tally.add(.macs, macs, stage, lane: lane, step: step)
                tally.add(.synops, synops, stage, lane: lane, step: step)
                if let census {
                    let counted = census.drain(taps: taps.pointer)
                    if stage.isStaticPerSample { cachedCensus[lane] = counted }
                    tally.add(counted.binary ? .neurobenchACs : .neurobenchMACs, counted.operations, stage, lane: lane, step: step)
                }
            }
        }
        guard !computedSlots.isEmpty else { return }
        if let active, case .convolution(let convolution) = kernel, case .denseTapTiles(let tiles) = convolution.weights {
            convolution.scatter(byPosition: active, tiles: tiles, slots: computedSlots, into: channelsLast!, slotStride: count,
                                kernels: context.kernels)
        }
        if let channelsLast {
            let plane = count / channelCount
            for slot in computedSlots {
                context.kernels.transpose(channelsLast + slot &* count, positions: plane, channels: channelCount,
                                          into: memory.outputs[node]! + slot &* count)
            }
        }
    }
}
