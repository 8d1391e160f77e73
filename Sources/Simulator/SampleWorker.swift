/// One thread's working set: every node's buffers and state, allocated once and reused for each sample,
/// so memory does not grow with the number of samples and no step allocates (beyond traces and probes asked for).
///
/// Networks without cycles run a group of steps node by node (every step of the group through one node, then the
/// next node): a node's inputs at step t come from nodes earlier in the order at the same step, so the results are
/// those of running step by step, and a dense convolution can pass over its weights once for all the group's steps
/// (see `ConvolutionScatter.scatter(byPosition:)`). Values that change per step are kept per step of the group (a
/// "slot"); networks with cycles use groups of one step.
final class SampleWorker {
    let plan: SimulationPlan
    private let layerCount: Int
    private let timesteps: Int
    /// Steps per group: 1 with cycles, else `plan.stepsPerGroup` when set, else `maximumStepsPerGroup` when a dense
    /// convolution gains from groups (elsewhere they only cost cache: the group's buffers are larger).
    let stepsPerGroup: Int
    /// At most this many steps per group: enough to reuse a weight block several times, while the group's
    /// per-step buffers stay a small multiple of one step's.
    static let maximumStepsPerGroup = 8
    /// Per node: analog output (weighted nodes, direct input, rectifiers, non-spiking populations' potentials), one
    /// slot per step of the group, `slotStrides[node]` elements apart (0: one value for the whole sample).
    private var outputs: [UnsafeMutablePointer<Float>?]
    private var slotStrides: [Int]
    /// Per node: summed-input scratch for nodes that cannot read a single producer's buffer directly.
    private var accumulators: [UnsafeMutablePointer<Float>?]
    private var potentials: [UnsafeMutablePointer<Float>?]
    private var currents: [UnsafeMutablePointer<Float>?]
    /// Per node and slot: indices of the elements that spiked at that step.
    private var spikeLists: [[[Int32]]]
    /// Per static weighted node: its MACs, counted again at every step.
    private var cachedMACs: [Int]
    /// Per dense convolution: its output accumulated channels-last (slots as in `outputs`), transposed into
    /// `outputs` after each group.
    private var channelsLast: [UnsafeMutablePointer<Float>?]
    /// Per dense convolution scattered by position, and slot: that step's active inputs grouped by position.
    private var activeInputs: [[ActiveInputs]]
    /// Per sparse convolution fed through a pool: the step's routed spikes summed per input element.
    private var mergedInputs: [MergedInputs?]
    private let readout: UnsafeMutablePointer<Float>
    /// Where a population lists its spikes before they join its spike list (the largest population + 8).
    private let spikeScratch: UnsafeMutablePointer<Int32>
    private let readoutCount: Int
    private var allocations: [(UnsafeMutablePointer<Float>, Int)] = []

    /// When set, spikes are also counted per neuron (summed over the worker's samples and steps), by node.
    var countsSpikesPerNeuron = false
    private(set) var spikesPerNeuron: [Int: [Int]] = [:]

    /// Hands over the per-neuron spike counts and starts afresh.
    func takeSpikesPerNeuron() -> [Int: [Int]] {
        defer { spikesPerNeuron = [:] }
        return spikesPerNeuron
    }

    /// Spiking nodes whose spikes are traced, and membrane potentials to record (node → neuron indices).
    var tracedNodes: Set<Int> = []
    var recordedPotentials: [Int: [Int]] = [:]
    /// The current sample's trace, by node index: the step and the neuron of every spike, in step order.
    private(set) var tracedSteps: [[Int32]] = []
    private(set) var tracedNeurons: [[Int32]] = []
    /// The current sample's recorded potentials: per node, steps × selected neurons.
    private(set) var samplePotentials: [Int: [Float]] = [:]

    /// Raster format instead of event lists.
    var tracesRaster = false
    /// The current sample's rasters, by node index: steps × ⌈neurons / 8⌉ bytes.
    private(set) var tracedRasters: [[UInt8]] = []

    /// Hands over the current sample's raster of `node` (the next sample starts a fresh one).
    func takeRaster(_ node: Int) -> [UInt8] {
        defer { tracedRasters[node] = [] }
        return tracedRasters[node]
    }

    private func trace(_ stage: Stage, step: Int, slot: Int) {
        let node = stage.node
        if tracedNodes.contains(node) {
            if tracesRaster {
                let rowBytes = (stage.outputCount + 7) / 8
                tracedRasters[node].withUnsafeMutableBufferPointer { bits in
                    let row = bits.baseAddress! + step * rowBytes
                    for spike in spikeLists[node][slot] {
                        let neuron = Int(spike)
                        row[neuron &>> 3] |= UInt8(1) &<< UInt8(neuron & 7)
                    }
                }
            } else {
                tracedNeurons[node].append(contentsOf: spikeLists[node][slot])
                tracedSteps[node].append(contentsOf: repeatElement(Int32(step), count: spikeLists[node][slot].count))
            }
        }
        if let neurons = recordedPotentials[node], let potential = potentials[node] {
            for neuron in neurons { samplePotentials[node, default: []].append(potential[neuron]) }
        }
    }

    private func countPerNeuron(_ stage: Stage, slot: Int) {
        guard countsSpikesPerNeuron else { return }
        let node = stage.node
        if spikesPerNeuron[node] == nil { spikesPerNeuron[node] = Array(repeating: 0, count: stage.outputCount) }
        for spike in spikeLists[node][slot] { spikesPerNeuron[node]![Int(spike)] += 1 }
    }

    /// Nodes whose positive summed inputs are recorded (threshold calibration), and what was recorded.
    var probedNodes: Set<Int> = []
    private(set) var probedInputs: [Int: [Float]] = [:]

    /// Hands over the recorded inputs and starts afresh.
    func takeProbedInputs() -> [Int: [Float]] {
        defer { probedInputs = [:] }
        return probedInputs
    }

    @inline(__always)
    private func record(_ input: UnsafePointer<Float>, _ stage: Stage) {
        guard probedNodes.contains(stage.node) else { return }
        for element in 0..<stage.inputCount where input[element] > 0 {
            probedInputs[stage.node, default: []].append(input[element])
        }
    }

    /// Counts of the current sample, per metric, row-major (T, L).
    private(set) var sampleCounts: [CountMetric: [Int]]
    /// Prediction after each step of the current sample.
    private(set) var stepPredictions: [Int]

    init(plan: SimulationPlan) {
        self.plan = plan
        layerCount = plan.layerNodes.count
        timesteps = plan.options.timesteps
        let nodeCount = plan.stages.count
        let groupsGain = plan.stages.contains { stage in
            guard case .weighted(.convolution(let convolution), _, _, _) = stage.kind else { return false }
            return convolution.scattersByPosition && !stage.isStaticPerSample
        }
        let automatic = groupsGain ? Self.maximumStepsPerGroup : 1
        let groupSize = plan.network.hasRecurrentEdges ? 1 : min(plan.options.timesteps, max(1, plan.stepsPerGroup ?? automatic))
        stepsPerGroup = groupSize
        outputs = Array(repeating: nil, count: nodeCount)
        slotStrides = Array(repeating: 0, count: nodeCount)
        accumulators = Array(repeating: nil, count: nodeCount)
        potentials = Array(repeating: nil, count: nodeCount)
        currents = Array(repeating: nil, count: nodeCount)
        spikeLists = Array(repeating: Array(repeating: [], count: groupSize), count: nodeCount)
        cachedMACs = Array(repeating: 0, count: nodeCount)
        channelsLast = Array(repeating: nil, count: nodeCount)
        activeInputs = Array(repeating: [], count: nodeCount)
        mergedInputs = Array(repeating: nil, count: nodeCount)
        sampleCounts = Dictionary(uniqueKeysWithValues: CountMetric.allCases.map { ($0, [Int](repeating: 0, count: plan.options.timesteps * plan.layerNodes.count)) })
        stepPredictions = Array(repeating: 0, count: plan.options.timesteps)
        readoutCount = plan.stages[plan.readoutNode].inputCount
        readout = UnsafeMutablePointer<Float>.allocate(capacity: max(readoutCount, 1))
        let largestPopulation = plan.stages.map { $0.outputCount }.max() ?? 0
        spikeScratch = UnsafeMutablePointer<Int32>.allocate(capacity: largestPopulation + 8)

        for stage in plan.stages {
            let node = stage.node
            let perStep = stage.isStaticPerSample ? 1 : groupSize
            func reserveSpikeLists() {
                for slot in 0..<groupSize { spikeLists[node][slot].reserveCapacity(stage.outputCount) }
            }
            switch stage.kind {
            case .input:
                if plan.options.encoding == .direct { outputs[node] = allocate(stage.outputCount) }
                reserveSpikeLists()
            case .weighted(let kernel, _, _, _):
                outputs[node] = allocate(perStep * stage.outputCount)
                if perStep > 1 { slotStrides[node] = stage.outputCount }
                if kernel.writesChannelsLast { channelsLast[node] = allocate(perStep * stage.outputCount) }
                if case .convolution(let convolution) = kernel, convolution.usesEntryLists,
                   stage.projections.contains(where: { $0.carriesSpikes && !$0.route.isIdentity }) {
                    mergedInputs[node] = MergedInputs(elements: stage.inputCount)
                }
                if case .convolution(let convolution) = kernel, convolution.scattersByPosition {
                    let channels = plan.network.inputShapes[node][0]
                    activeInputs[node] = (0..<perStep).map { _ in ActiveInputs(channels: channels, positions: stage.inputCount / channels) }
                }
                if needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
            case .population(let dynamics):
                potentials[node] = allocate(stage.outputCount)
                currents[node] = allocate(stage.outputCount)
                if dynamics.model.emitsSpikes {
                    reserveSpikeLists()
                } else if groupSize == 1 {
                    outputs[node] = potentials[node]
                } else {  // the potential after each step of the group, copied for consumers later in the order
                    outputs[node] = allocate(groupSize * stage.outputCount)
                    slotStrides[node] = stage.outputCount
                }
                if needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
            case .rectifier:
                outputs[node] = allocate(groupSize * stage.outputCount)
                slotStrides[node] = stage.outputCount
                if needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
            case .threshold:
                if needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
                reserveSpikeLists()
            case .output:
                if needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
            case .routing:
                break
            }
        }
    }

    deinit {
        for (pointer, _) in allocations { pointer.deallocate() }
        readout.deallocate()
        spikeScratch.deallocate()
    }

    private func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
        allocations.append((pointer, max(count, 1)))
        return pointer
    }

    /// A node can read its input straight from its producer only when it has one analog projection with no routing.
    private func needsAccumulator(_ stage: Stage) -> Bool {
        !(stage.projections.count == 1 && !stage.projections[0].carriesSpikes && stage.projections[0].route.isIdentity)
    }

    /// Runs one sample. `sample` holds its values (T slices first under `spikes` encoding); `index` is its
    /// position in the data file (the Poisson encoder's counter).
    func run(sample: UnsafePointer<Float>, index: Int) {
        resetState()
        if !tracedNodes.isEmpty {
            if tracedSteps.isEmpty {
                tracedSteps = Array(repeating: [], count: plan.stages.count)
                tracedNeurons = Array(repeating: [], count: plan.stages.count)
            }
            if tracedRasters.isEmpty { tracedRasters = Array(repeating: [], count: plan.stages.count) }
            for node in tracedNodes {
                tracedSteps[node].removeAll(keepingCapacity: true)
                tracedNeurons[node].removeAll(keepingCapacity: true)
                if tracesRaster {
                    tracedRasters[node] = [UInt8](repeating: 0, count: timesteps * ((plan.stages[node].outputCount + 7) / 8))
                }
            }
        }
        if !recordedPotentials.isEmpty { samplePotentials = [:] }
        var groupStart = 0
        while groupStart < timesteps {
            let steps = groupStart..<min(groupStart + stepsPerGroup, timesteps)
            for stage in plan.stages {
                if case .weighted(let kernel, let bias, let biasAdds, let taps) = stage.kind {
                    runWeighted(stage, kernel: kernel, bias: bias, biasAdds: biasAdds, taps: taps, steps: steps)
                    continue
                }
                for step in steps { run(stage, sample: sample, index: index, step: step, slot: step &- groupStart) }
            }
            groupStart = steps.upperBound
        }
    }

    /// One step of a stage other than a weighted one.
    private func run(_ stage: Stage, sample: UnsafePointer<Float>, index: Int, step: Int, slot: Int) {
        let node = stage.node
        switch stage.kind {
        case .input:
            present(sample: sample, index: index, step: step, slot: slot, stage: stage)
        case .weighted:
            preconditionFailure("weighted nodes run a group of steps at once")
        case .population(let dynamics):
            let input = gatherInput(stage, step: step, slot: slot)
            record(input, stage)
            spikeLists[node][slot].removeAll(keepingCapacity: true)
            let potential = potentials[node]!
            let result = dynamics.step(input: input, potential: potential, current: currents[node]!,
                                       reset: plan.options.reset, comparison: plan.options.thresholdComparison,
                                       spikes: &spikeLists[node][slot], scratch: spikeScratch)
            if let output = outputs[node], output != potential {
                (output + slot &* slotStrides[node]).update(from: potential, count: stage.outputCount)
            }
            add(.spikes, result.spikes, stage, step)
            countPerNeuron(stage, slot: slot)
            trace(stage, step: step, slot: slot)
            add(.neuronUpdates, dynamics.count, stage, step)
            add(.activeNeuronUpdates, result.activeUpdates, stage, step)
        case .rectifier(let inverseThreshold):
            let input = gatherInput(stage, step: step, slot: slot)
            record(input, stage)
            let output = self.output(node, slot: slot)
            for element in 0..<stage.outputCount { output[element] = max(0, input[element]) * inverseThreshold[element] }
        case .threshold(let thresholds):
            let input = gatherInput(stage, step: step, slot: slot)
            spikeLists[node][slot].removeAll(keepingCapacity: true)
            let strict = plan.options.thresholdComparison == .gt
            for element in 0..<stage.outputCount {
                let value = input[element], theta = thresholds[element]
                if strict ? value > theta : value >= theta { spikeLists[node][slot].append(Int32(element)) }
            }
            add(.spikes, spikeLists[node][slot].count, stage, step)
            countPerNeuron(stage, slot: slot)
            trace(stage, step: step, slot: slot)
        case .output:
            let input = gatherInput(stage, step: step, slot: slot)
            if node == plan.readoutNode {
                for element in 0..<readoutCount { readout[element] += input[element] }
                stepPredictions[step] = argmaxOfReadout()
            }
        case .routing:
            break
        }
    }

    /// Node `node`'s analog output at the group's step `slot`.
    @inline(__always)
    private func output(_ node: Int, slot: Int) -> UnsafeMutablePointer<Float> {
        outputs[node]! + slot &* slotStrides[node]
    }

    private func resetState() {
        for (pointer, count) in allocations { pointer.update(repeating: 0, count: count) }
        readout.update(repeating: 0, count: max(readoutCount, 1))
        for node in spikeLists.indices {
            for slot in spikeLists[node].indices { spikeLists[node][slot].removeAll(keepingCapacity: true) }
        }
        for metric in CountMetric.allCases {
            sampleCounts[metric]!.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
    }

    @inline(__always)
    private func add(_ metric: CountMetric, _ amount: Int, _ stage: Stage, _ step: Int) {
        guard let layer = stage.layer, amount != 0 else { return }
        sampleCounts[metric]![step * layerCount + layer] += amount
    }

    private func present(sample: UnsafePointer<Float>, index: Int, step: Int, slot: Int, stage: Stage) {
        let node = stage.node
        let count = stage.outputCount
        switch plan.options.encoding {
        case .direct:
            if step == 0 { outputs[node]!.update(from: sample, count: count) }
        case .poisson:
            spikeLists[node][slot].removeAll(keepingCapacity: true)
            let key = PoissonEncoder.stepKey(seed: plan.options.seed, sample: index, step: step)
            for element in 0..<count where PoissonEncoder.spikes(stepKey: key, element: element, value: sample[element]) {
                spikeLists[node][slot].append(Int32(element))
            }
        case .spikes:
            spikeLists[node][slot].removeAll(keepingCapacity: true)
            let slice = sample + step * count
            for element in 0..<count where slice[element] != 0 { spikeLists[node][slot].append(Int32(element)) }
        }
    }

    /// Runs a weighted node for every step of a group. A node whose inputs never change within the sample is
    /// computed at step 0 only; a dense convolution scattered by position collects each step's active inputs, then
    /// scatters all of them in one pass over its weights.
    private func runWeighted(_ stage: Stage, kernel: WeightedKernel, bias: ImmutableBuffer<Float>?, biasAdds: Int,
                             taps: ImmutableBuffer<Int32>, steps: Range<Int>) {
        let node = stage.node
        let slotStride = slotStrides[node]
        // Dense convolutions accumulate channels-last (contiguous inner loop) and are transposed at the end.
        let channelCount = channelsLast[node] == nil ? 1 : plan.network.outputShapes[node][0]
        let plane = stage.outputCount / channelCount
        let active = activeInputs[node]
        let merged = mergedInputs[node]
        var computedSlots = 0
        for step in steps {
            add(.biasAdds, biasAdds, stage, step)
            if stage.isStaticPerSample && step > 0 {
                add(.macs, cachedMACs[node], stage, step)
                continue
            }
            let slot = step &- steps.lowerBound
            computedSlots = slot &+ 1
            let target = (channelsLast[node] ?? outputs[node]!) + slot &* slotStride
            if let bias {
                target.update(from: bias.pointer, count: stage.outputCount)  // the plan stores it in the target's layout
            } else {
                target.update(repeating: 0, count: stage.outputCount)
            }
            var macs = 0
            var synops = 0
            let stepActive = active.isEmpty ? nil : active[slot]
            if let analogInput = analogInput(stage, slot: slot) {
                for element in 0..<stage.inputCount {
                    let value = analogInput[element]
                    if value == 0 { continue }
                    if let stepActive {
                        stepActive.add(element: element, amount: value)
                    } else {
                        kernel.scatter(input: element, scale: value, into: target)
                    }
                    macs += Int(taps[element])
                }
            }
            for projection in stage.projections where projection.carriesSpikes {
                spikeLists[projection.producer][slot].withUnsafeBufferPointer { spikes in
                    if let stepActive {
                        projection.route.forEachTarget(ofEach: spikes) { input, factor in stepActive.add(element: input, amount: factor) }
                    } else if let merged {
                        projection.route.forEachTarget(ofEach: spikes) { input, factor in merged.add(element: input, amount: factor) }
                    } else {
                        kernel.scatter(spikes: spikes, route: projection.route, into: target)
                    }
                    let perSpike = projection.synopsPerSpike.pointer
                    for spike in spikes { synops &+= perSpike[Int(spike)] }
                }
            }
            if let merged, case .convolution(let convolution) = kernel {
                convolution.scatter(merged, into: target)
            }
            stepActive?.seal()
            if stage.isStaticPerSample { cachedMACs[node] = macs }
            add(.macs, macs, stage, step)
            add(.synops, synops, stage, step)
        }
        if !active.isEmpty, computedSlots > 0, case .convolution(let convolution) = kernel {
            convolution.scatter(byPosition: active[0..<computedSlots], into: channelsLast[node]!, slotStride: slotStride)
        }
        if let accumulated = channelsLast[node] {
            for slot in 0..<computedSlots {
                Self.transpose(accumulated + slot &* slotStride, positions: plane, channels: channelCount,
                               into: outputs[node]! + slot &* slotStride)
            }
        }
    }

    /// (positions, channels) → (channels, positions), in tiles of 16 × 16 so reads and writes both stay in cache.
    private static func transpose(_ source: UnsafeMutablePointer<Float>, positions: Int, channels: Int,
                                  into destination: UnsafeMutablePointer<Float>) {
        let tile = 16
        var channelStart = 0
        while channelStart < channels {
            let channelEnd = min(channelStart + tile, channels)
            var positionStart = 0
            while positionStart < positions {
                let positionEnd = min(positionStart + tile, positions)
                for channel in channelStart..<channelEnd {
                    let row = destination + channel &* positions
                    for position in positionStart..<positionEnd { row[position] = source[position &* channels &+ channel] }
                }
                positionStart = positionEnd
            }
            channelStart = channelEnd
        }
    }

    /// The summed analog input of a weighted node (nil when it has only spiking inputs).
    private func analogInput(_ stage: Stage, slot: Int) -> UnsafePointer<Float>? {
        guard stage.projections.contains(where: { !$0.carriesSpikes }) else { return nil }
        guard let accumulator = accumulators[stage.node] else {
            return UnsafePointer(output(stage.projections[0].producer, slot: slot))
        }
        accumulator.update(repeating: 0, count: stage.inputCount)
        for projection in stage.projections where !projection.carriesSpikes {
            addAnalog(projection, slot: slot, into: accumulator)
        }
        return UnsafePointer(accumulator)
    }

    private func addAnalog(_ projection: Projection, slot: Int, into accumulator: UnsafeMutablePointer<Float>) {
        let source = output(projection.producer, slot: slot)
        let count = plan.stages[projection.producer].outputCount
        for element in 0..<count {
            let value = source[element]
            if value == 0 { continue }
            projection.route.forEachTarget(of: element) { target, factor in accumulator[target] += factor * value }
        }
    }

    /// The summed input of a population, Threshold or Output: spikes arrive as their route's factor,
    /// one synaptic operation each (counted at layers).
    private func gatherInput(_ stage: Stage, step: Int, slot: Int) -> UnsafePointer<Float> {
        guard let accumulator = accumulators[stage.node] else {
            return UnsafePointer(output(stage.projections[0].producer, slot: slot))
        }
        accumulator.update(repeating: 0, count: stage.inputCount)
        var synops = 0
        for projection in stage.projections {
            if projection.carriesSpikes {
                for spike in spikeLists[projection.producer][slot] {
                    let element = Int(spike)
                    projection.route.forEachTarget(of: element) { target, factor in accumulator[target] += factor }
                    synops += projection.synopsPerSpike[element]
                }
            } else {
                addAnalog(projection, slot: slot, into: accumulator)
            }
        }
        add(.synops, synops, stage, step)
        return UnsafePointer(accumulator)
    }

    private func argmaxOfReadout() -> Int {
        var best = 0
        for element in 1..<max(readoutCount, 1) where readout[element] > readout[best] { best = element }
        return best
    }
}
