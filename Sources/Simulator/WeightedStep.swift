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
    /// How NeuroBench's census of each step's input is taken (see `CensusSource`).
    private let censusSource: CensusSource

    /// Where the census's per-element sums come from. Summing every routed input a second time in an `InputCensus`
    /// cost about a tenth of a sparse network's simulation; two common shapes of input already have the sums.
    private enum CensusSource {
        /// Every input is a spike projection, merged per element (`MergedInputs`) before the scatter: the merge's
        /// sums are the census's, added in the same order.
        case merged
        /// One spike projection through an identity route: an element's sum is its number of listings.
        case identitySpikes
        /// Anything else: an `InputCensus` sums the inputs.
        case summed
    }

    /// Sparse stride-1 convolutions fed only by spikes, in groups of several steps: scattered source by source
    /// over the group (see `GroupScatter`), nil otherwise.
    let groupScatter: GroupScatter?

    /// The plain IF population this node steps (see `GroupFiring`) in its group drain or after each step's scatter,
    /// set by the worker; nil: the per-step sums are written out for the consumers.
    var groupFiring: GroupFiring? {
        willSet {
            precondition(newValue == nil || groupScatter != nil || firesStepByStep || firesChannelsLast,
                         "this node cannot step its population")
        }
    }

    /// Whether the population it feeds can be stepped right after each step's scatter (`GroupFiring.fire`): a sparse
    /// convolution scattered step by step, whose output for a step is complete at the end of that step's iteration
    /// (no group-wide pass follows: position scatter, matrix group, channels-last transpose).
    var firesStepByStep: Bool {
        guard groupScatter == nil, !stage.isStaticPerSample, matrixGroup == nil, !kernel.writesChannelsLast,
              case .convolution(let convolution) = kernel, case .sparsePositionClasses = convolution.weights else { return false }
        return true
    }

    /// Large sparse convolutions scattered step by step, when they step their population (`groupFiring`): a group
    /// with enough synaptic operations is gathered output by output instead (see `GroupGather`), nil otherwise.
    private let groupGather: GroupGather?
    /// Every group gathered, whatever its activity (`SimulationPlan.gathersGroups`, tests).
    private let gathersAlways: Bool

    /// Whether the population it feeds can be stepped from the channels-last output after each block of slots is
    /// scattered, each slot transposed as it is stepped (`GroupFiring.fire(channelsLastInput:...)`) instead of transposed to (C, H, W)
    /// and read back by the population's own pass: a dense convolution computed at every step.
    var firesChannelsLast: Bool { kernel.writesChannelsLast && !stage.isStaticPerSample }

    /// Dense matrices fed only by spikes, in groups of several slots: each weight row read once per group (see
    /// `MatrixGroupInputs`), nil otherwise.
    private let matrixGroup: MatrixGroupInputs?

    init(stage: Stage, kernel: WeightedKernel, bias: ImmutableBuffer<Float>?, biasAdds: Int, taps: ImmutableBuffer<Int32>,
         plan: SimulationPlan, lanes: Int, stepsPerGroup: Int) {
        self.stage = stage
        self.kernel = kernel
        self.bias = bias
        self.biasAdds = biasAdds
        self.taps = taps
        channelCount = kernel.writesChannelsLast ? plan.network.outputShapes[stage.node][0] : 1
        cachedMACs = Array(repeating: 0, count: lanes)
        cachedCensus = Array(repeating: (0, true), count: lanes)
        var gather: GroupGather?
        if plan.gathersGroups != false, case .convolution(let convolution) = kernel,
           case .sparsePositionClasses = convolution.weights, case .convolution(let parameters) = plan.network.nodes[stage.node].kind,
           plan.gathersGroups == true || !GroupScatter.applies(to: stage) {
            gather = GroupGather.make(stage: stage, convolution: parameters, inputShape: plan.network.inputShapes[stage.node],
                                      outputShape: plan.network.outputShapes[stage.node], bias: bias, stepsPerGroup: stepsPerGroup,
                                      producerShape: stage.projections.first.map { plan.network.outputShapes[$0.producer] })
        }
        groupGather = gather
        gathersAlways = plan.gathersGroups == true
        groupScatter = gather != nil ? nil
            : Self.groupScatter(stage: stage, kernel: kernel, bias: bias, plan: plan, stepsPerGroup: stepsPerGroup)
        if case .denseMatrix = kernel, !stage.isStaticPerSample, !stage.projections.isEmpty,
           stage.projections.allSatisfy(\.carriesSpikes), lanes * stepsPerGroup <= MatrixGroupInputs.maximumSlots {
            matrixGroup = MatrixGroupInputs(inputs: stage.inputCount, slots: lanes * stepsPerGroup)
        } else {
            matrixGroup = nil
        }
        if stage.projections.count == 1, stage.projections[0].carriesSpikes, stage.projections[0].route.isIdentity {
            censusSource = .identitySpikes
        } else if !stage.projections.isEmpty, stage.projections.allSatisfy(\.carriesSpikes) {
            censusSource = .merged  // used only when the node's memory has a merge
        } else {
            censusSource = .summed
        }
    }

    private static func groupScatter(stage: Stage, kernel: WeightedKernel, bias: ImmutableBuffer<Float>?, plan: SimulationPlan,
                                     stepsPerGroup: Int) -> GroupScatter? {
        guard (2...GroupScatter.width).contains(stepsPerGroup), GroupScatter.applies(to: stage),
              case .convolution(let convolution) = kernel, case .sparsePositionClasses(let lists, _) = convolution.weights
        else { return nil }
        // One identity projection: each input is a spike list's listing, value 1 (`runGrouped` marks them).
        let unitValues = stage.projections.count == 1 && stage.projections[0].route.isIdentity
        return GroupScatter(lists: lists, inputCount: stage.inputCount,
                            inputPlane: convolution.inputHeight * convolution.inputWidth, outputCount: stage.outputCount, bias: bias,
                            unitValues: unitValues)
    }

    func run(_ context: StepContext, steps: Range<Int>, lanes laneCount: Int, slotsPerGroup: Int) {
        if let groupScatter {
            runGrouped(context, scatter: groupScatter, steps: steps, lanes: laneCount)
            return
        }
        if let groupGather, let groupFiring, firesStepByStep {
            for lane in 0..<laneCount {
                let gathered = if groupGather.poolsSpikes {
                    runGathered(context, gather: groupGather, firing: groupFiring, poolingSteps: steps, lane: lane)
                } else {
                    runGathered(context, gather: groupGather, firing: groupFiring, steps: steps, lane: lane)
                }
                if !gathered {
                    runSteps(context, steps: steps, lanes: lane..<(lane + 1), slotsPerGroup: slotsPerGroup)
                }
            }
            return
        }
        runSteps(context, steps: steps, lanes: 0..<laneCount, slotsPerGroup: slotsPerGroup)
    }

    /// `run` one step at a time for lanes `lanes`.
    private func runSteps(_ context: StepContext, steps: Range<Int>, lanes: Range<Int>, slotsPerGroup: Int) {
        let node = stage.node
        let count = stage.outputCount
        let memory = context.memory, tally = context.tally
        let slotsPerLane = stage.isStaticPerSample ? 1 : slotsPerGroup
        let channelsLast = memory.channelsLast[node]
        let active = memory.activeInputs[node]
        let merged = memory.mergedInputs[node]
        let census = memory.censuses[node]
        // The census that sums inputs itself, when neither shortcut applies to this node's memory.
        let summingCensus: InputCensus?
        switch censusSource {
        case .identitySpikes: summingCensus = nil
        case .merged: summingCensus = merged == nil && active == nil ? census : nil
        case .summed: summingCensus = active == nil ? census : nil
        }
        // A dense convolution's `ActiveInputs` sums every input per element, in the census's order: its seal counts.
        let censusAtSeal = active != nil && census != nil && censusSource != .identitySpikes
        computedSlots.removeAll(keepingCapacity: true)
        for lane in lanes {
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
                // Stepping the population here, every step of the lane reuses the lane's first slot: one buffer
                // that stays in the per-core cache from the scatter to the IF step.
                let reusesLaneSlot = groupFiring != nil && channelsLast == nil
                let target = (channelsLast ?? memory.outputs[node]!) + (reusesLaneSlot ? slot &- g : slot) &* count
                if let bias {
                    target.update(from: bias.pointer, count: count)  // the plan stores it in the target's layout
                } else {
                    target.update(repeating: 0, count: count)
                }
                var macs = 0
                var synops = 0
                var counted: (operations: Int, binary: Bool)?
                var sealed = false
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
                        summingCensus?.add(element, value)
                    }
                }
                for projection in stage.projections where projection.carriesSpikes {
                    let spikes = memory.spikes(projection.producer, lane: lane, g: g).buffer
                    if let active {
                        if case .identitySpikes = censusSource, active.sealListed(spikes, slot: slot) {
                            sealed = true
                        } else {
                            projection.route.forEachTarget(ofEach: spikes) { input, factor in active.add(element: input, amount: factor) }
                        }
                    } else if let merged {
                        merged.add(spikes: spikes, route: projection.route)
                    } else if let matrixGroup, slot < matrixGroup.slots {
                        projection.route.forEachTarget(ofEach: spikes) { input, factor in
                            matrixGroup.add(slot: slot, element: input, amount: factor)
                        }
                    } else {
                        kernel.scatter(spikes: spikes, route: projection.route, into: target)
                    }
                    let perSpike = projection.synopsPerSpike.pointer
                    if let census, case .identitySpikes = censusSource {
                        let listed = InputCensus.countListed(spikes, taps: taps.pointer, synopsPerSpike: perSpike)
                        synops &+= listed.synops
                        counted = listed.census ?? {
                            // Not ascending (no producer lists so today): sum as usual.
                            projection.route.forEachTarget(ofEach: spikes) { input, factor in census.add(input, factor) }
                            return census.drain(taps: taps.pointer)
                        }()
                    } else {
                        for spike in spikes { synops &+= perSpike[Int(spike)] }
                        if let summingCensus {
                            projection.route.forEachTarget(ofEach: spikes) { input, factor in summingCensus.add(input, factor) }
                        }
                    }
                }
                if let merged, case .convolution(let convolution) = kernel {
                    if census != nil, summingCensus == nil, case .merged = censusSource { counted = merged.census(taps: taps.pointer) }
                    convolution.scatter(merged, into: target)
                }
                if !sealed, let active {
                    if censusAtSeal { counted = active.seal(slot: slot, census: taps.pointer) } else { active.seal(slot: slot) }
                }
                if channelsLast == nil { groupFiring?.fire(input: target, context: context, lane: lane, g: g) }
                if stage.isStaticPerSample { cachedMACs[lane] = macs }
                tally.add(.macs, macs, stage, lane: lane, step: step)
                tally.add(.synops, synops, stage, lane: lane, step: step)
                if let census {
                    let counted = counted ?? census.drain(taps: taps.pointer)
                    if stage.isStaticPerSample { cachedCensus[lane] = counted }
                    tally.add(counted.binary ? .neurobenchACs : .neurobenchMACs, counted.operations, stage, lane: lane, step: step)
                }
            }
        }
        guard !computedSlots.isEmpty else { return }
        if let matrixGroup, case .denseMatrix(let transposed, let outputs) = kernel {
            matrixGroup.scatter(rows: transposed.pointer, outputs: outputs, into: memory.outputs[node]!, slotStride: count,
                                kernels: context.kernels)
        }
        // Stepping the population it feeds from the channels-last output, slot by slot (computedSlots go lane by lane,
        // steps in order, so each lane's potentials see its steps in order).
        let fireSlots: ((ArraySlice<Int>) -> Void)? = groupFiring.flatMap { groupFiring in
            guard let channelsLast else { return nil }
            let plane = count / channelCount, channels = channelCount
            return { slots in
                for slot in slots {
                    groupFiring.fire(channelsLastInput: channelsLast + slot &* count, positions: plane, channels: channels,
                                     context: context, lane: slot / slotsPerLane, g: slot % slotsPerLane)
                }
            }
        }
        if let active, case .convolution(let convolution) = kernel, case .denseTapTiles(let tiles) = convolution.weights {
            // Each block of slots is stepped as soon as it is scattered, while it is in the per-core cache.
            convolution.scatter(byPosition: active, tiles: tiles, slots: computedSlots, into: channelsLast!, slotStride: count,
                                kernels: context.kernels, blockDone: fireSlots)
        } else if let fireSlots {
            fireSlots(computedSlots[...])
        }
        if fireSlots == nil, let channelsLast {
            let plane = count / channelCount
            for slot in computedSlots {
                context.kernels.transpose(channelsLast + slot &* count, positions: plane, channels: channelCount,
                                          into: memory.outputs[node]! + slot &* count)
            }
        }
    }

    /// `run` for a gathered group (see `GroupGather`) of lane `lane`: marks each step's spikes while summing its
    /// counts, then, when every list was ascending and the group's synaptic operations make gathering cheaper,
    /// gathers and fires the population and tallies the counts. Otherwise undoes the marks and returns false, with
    /// nothing tallied: the caller runs the lane step by step.
    private func runGathered(_ context: StepContext, gather: GroupGather, firing: GroupFiring, steps: Range<Int>,
                             lane: Int) -> Bool {
        let memory = context.memory
        let projection = stage.projections[0]
        var counts: (synops: SIMD8<Int>, operations: SIMD8<Int>) = (.zero, .zero)
        var marked = 0, spikeCount = 0
        for step in steps {
            let g = step &- steps.lowerBound
            let spikes = memory.spikes(projection.producer, lane: lane, g: g).buffer
            guard let listed = gather.markListed(spikes, step: g) else { break }
            counts.synops[g] = listed.synops
            counts.operations[g] = listed.operations
            spikeCount &+= spikes.count
            marked &+= 1
        }
        let gathers = marked == steps.count && (gathersAlways || gather.gathers(synops: counts.synops.wrappedSum()))
        if gathers { firing.fireGathered(gather, context: context, lane: lane, steps: steps.count) }
        if gather.clearsAll(spikes: spikeCount) {
            gather.clearAll()
        } else {
            for g in 0..<marked { gather.clear(memory.spikes(projection.producer, lane: lane, g: g).buffer) }
        }
        guard gathers else { return false }
        let tally = context.tally, census = memory.censuses[stage.node]
        for step in steps {
            let g = step &- steps.lowerBound
            tally.add(.biasAdds, biasAdds, stage, lane: lane, step: step)
            tally.add(.macs, 0, stage, lane: lane, step: step)
            tally.add(.synops, counts.synops[g], stage, lane: lane, step: step)
            if census != nil { tally.add(.neurobenchACs, counts.operations[g], stage, lane: lane, step: step) }
        }
        return true
    }

    /// `run` for a gathered group of spikes through a 2 × 2 pool (see `GroupGather`) of lane `lane`: marks each
    /// step's spikes on the producer's planes while summing their synaptic operations; when every list was ascending
    /// and the group's activity makes gathering cheaper (its synaptic operations bound its pooled elements' taps
    /// from above, so a quiet group is sent to the scatter before it is pooled), pools the marks, gathers and fires
    /// the population and tallies the counts, NeuroBench's census being the merge's. Otherwise clears the marks and
    /// returns false, with nothing tallied: the caller runs the lane step by step (through `MergedInputs`).
    private func runGathered(_ context: StepContext, gather: GroupGather, firing: GroupFiring, poolingSteps steps: Range<Int>,
                             lane: Int) -> Bool {
        let memory = context.memory, census = memory.censuses[stage.node]
        let projection = stage.projections[0]
        let perSpike = projection.synopsPerSpike.pointer
        var synops = SIMD8<Int>.zero
        var marked = 0, spikeCount = 0
        for step in steps {
            let g = step &- steps.lowerBound
            let spikes = memory.spikes(projection.producer, lane: lane, g: g).buffer
            spikeCount &+= spikes.count
            guard let listed = gather.markPooled(spikes, step: g, synopsPerSpike: perSpike) else { break }
            synops[g] = listed
            marked &+= 1
        }
        var gathers = marked == steps.count && (gathersAlways || gather.gathersPooled(operations: synops.wrappedSum()))
        var pooled: (operations: SIMD8<Int>, notBinary: UInt8) = (.zero, 0)
        if gathers {
            pooled = gather.poolMarked()
            gathers = gathersAlways || gather.gathersPooled(operations: pooled.operations.wrappedSum())
        }
        if gathers { firing.fireGathered(gather, context: context, lane: lane, steps: steps.count) }
        if gather.clearsAllPooled(spikes: spikeCount) {
            gather.clearPooled()
        } else {
            // The refused list (if any) too: it marked a prefix.
            for g in 0..<min(marked &+ 1, steps.count) { gather.clearPooled(memory.spikes(projection.producer, lane: lane, g: g).buffer) }
        }
        guard gathers else { return false }
        let tally = context.tally
        for step in steps {
            let g = step &- steps.lowerBound
            tally.add(.biasAdds, biasAdds, stage, lane: lane, step: step)
            tally.add(.macs, 0, stage, lane: lane, step: step)
            tally.add(.synops, synops[g], stage, lane: lane, step: step)
            if census != nil {
                let binary = pooled.notBinary & UInt8(truncatingIfNeeded: 1 << g) == 0
                tally.add(binary ? .neurobenchACs : .neurobenchMACs, pooled.operations[g], stage, lane: lane, step: step)
            }
        }
        return true
    }

    /// `run` for a group scatter: per step, the counts and the step's inputs (summed into the group, or the spike list
    /// itself); per lane, one scatter of the whole group (with the census of summed inputs) and the per-step sums
    /// written out.
    private func runGrouped(_ context: StepContext, scatter group: GroupScatter, steps: Range<Int>, lanes laneCount: Int) {
        let node = stage.node
        let memory = context.memory, tally = context.tally
        let census = memory.censuses[node]
        for lane in 0..<laneCount {
            for step in steps {
                let g = step &- steps.lowerBound
                tally.add(.biasAdds, biasAdds, stage, lane: lane, step: step)
                var synops = 0
                var counted: (operations: Int, binary: Bool)?
                for projection in stage.projections {
                    let spikes = memory.spikes(projection.producer, lane: lane, g: g).buffer
                    let perSpike = projection.synopsPerSpike.pointer
                    if !group.unitValues {  // summed per element (pools): the census comes from the group's scan
                        synops &+= group.add(spikes: spikes, route: projection.route, step: g, synopsPerSpike: perSpike)
                        continue
                    }
                    // The one identity projection: a strictly ascending list goes into the group as it is.
                    if let listed = group.markListed(spikes, step: g, synopsPerSpike: perSpike, taps: taps.pointer) {
                        synops &+= listed.synops
                        counted = (listed.operations, true)
                    } else {
                        for spike in spikes { synops &+= perSpike[Int(spike)] }
                        group.scatterStep(spikes: spikes, step: g)
                        if let census {
                            counted = InputCensus.countListed(spikes, taps: taps.pointer, synopsPerSpike: nil).census ?? {
                                projection.route.forEachTarget(ofEach: spikes) { input, factor in census.add(input, factor) }
                                return census.drain(taps: taps.pointer)
                            }()
                        }
                    }
                }
                tally.add(.macs, 0, stage, lane: lane, step: step)
                tally.add(.synops, synops, stage, lane: lane, step: step)
                if census != nil, let counted {
                    tally.add(counted.binary ? .neurobenchACs : .neurobenchMACs, counted.operations, stage, lane: lane, step: step)
                }
            }
            let summed = group.scatter(kernel: context.kernels.groupScatter,
                                       censusTaps: census != nil && !group.unitValues ? taps.pointer : nil)
            if census != nil, !group.unitValues {
                for step in steps {
                    let g = step &- steps.lowerBound
                    tally.add(summed.nonBinary[g] ? .neurobenchMACs : .neurobenchACs, summed.operations[g], stage, lane: lane, step: step)
                }
            }
            if let groupFiring {
                groupFiring.drain(group, context: context, lane: lane, steps: steps.count)
            } else {
                group.drain(into: memory.output(node, lane: lane, g: 0), steps: steps.count, kernel: context.kernels.groupDrain)
            }
        }
    }
}
