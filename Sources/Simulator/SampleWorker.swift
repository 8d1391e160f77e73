/// One thread's working set: every node's buffers and state, allocated once and reused for each sample,
/// so memory does not grow with the number of samples and no step allocates (beyond traces and probes asked for).
///
/// Networks without cycles run a group of steps node by node (every step of the group through one node, then the
/// next node): a node's inputs at step t come from nodes earlier in the order at the same step, so the results are
/// those of running step by step. They may also run a few samples side by side ("lanes"), each with its own state.
/// A dense convolution then passes over its weights once for every step of the group in every lane (see
/// `ConvolutionScatter.scatter(byPosition:slots:into:slotStride:)`). Values that change per step are kept per lane
/// and step of the group; networks with cycles use one lane and groups of one step.
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
    /// Samples run side by side: 1 with cycles, else `plan.lanes` when set, else `defaultLanes` where groups gain.
    let lanes: Int
    /// Two samples share each pass over the weights: the deep 512-channel layers of a VGG-16 read 9.4 MB per
    /// pass from L3 or memory, which is what limits them.
    static let defaultLanes = 2
    /// Per node: analog output (weighted nodes, direct input, rectifiers, non-spiking populations' potentials),
    /// at `outputs[node] + lane · laneStrides[node] + g · stepStrides[node]` for step g of the group (a stride of
    /// 0: one value for every step of the sample).
    private var outputs: [UnsafeMutablePointer<Float>?]
    private var laneStrides: [Int]
    private var stepStrides: [Int]
    /// Per node: summed-input scratch for nodes that cannot read a single producer's buffer directly.
    private var accumulators: [UnsafeMutablePointer<Float>?]
    /// Per Delay node: the last `span + 1` steps' summed inputs, per lane (`(span + 1) · inputCount` values each).
    private var delayLines: [UnsafeMutablePointer<Float>?]
    /// Per population: state, one block of `outputCount` per lane.
    private var potentials: [UnsafeMutablePointer<Float>?]
    private var currents: [UnsafeMutablePointer<Float>?]
    /// Per node and list (`lane · stepsPerGroup + g`): indices of the elements that spiked at that step.
    private var spikeLists: [[[Int32]]]
    /// Per lane and static weighted node (`lane · nodes + node`): its MACs, counted again at every step.
    private var cachedMACs: [Int]
    /// Per dense convolution: its output accumulated channels-last, slot `lane · perStep + g` at `slot · outputCount`,
    /// transposed into `outputs` (the same layout) after each group.
    private var channelsLast: [UnsafeMutablePointer<Float>?]
    /// Per dense convolution scattered by position: each slot's active inputs grouped by position.
    private var activeInputs: [ActiveInputs?]
    /// Per sparse convolution fed through a pool: the step's routed spikes summed per input element.
    private var mergedInputs: [MergedInputs?]
    /// Per Affine, Linear and convolution: the step's summed input per element, for NeuroBench's counts.
    private var censuses: [InputCensus?]
    /// Per lane and static weighted node (`lane · nodes + node`): its NeuroBench operations and whether they are ACs.
    private var cachedCensus: [(operations: Int, binary: Bool)]
    /// The slots a weighted node computed in the current group (reused).
    private var computedSlots: [Int] = []
    /// The hot kernels of the plan's instruction set (the process's choice unless a test forces one).
    private let kernels: Kernels
    /// Per lane, `readoutCount` sums.
    private let readout: UnsafeMutablePointer<Float>
    /// Where a population lists its spikes before they join its spike list (the largest population + 8).
    private let spikeScratch: UnsafeMutablePointer<Int32>
    private let readoutCount: Int
    private var allocations: [(UnsafeMutablePointer<Float>, Int)] = []
    /// What a new sample must find zeroed: every buffer when the network has cycles (a back edge reads its producer
    /// before the producer's first step), else only the populations' state: every other buffer is written at each
    /// step before it is read (zeroing all of them cost 2% of the dense VGG-16's time).
    private var buffersToReset: [(UnsafeMutablePointer<Float>, Int)] = []

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
    /// Per lane, the sample's trace by node index: the step and the neuron of every spike, in step order.
    private(set) var tracedSteps: [[[Int32]]] = []
    private(set) var tracedNeurons: [[[Int32]]] = []
    /// Per lane, the sample's recorded potentials: per node, steps × selected neurons.
    private(set) var samplePotentials: [[Int: [Float]]] = []

    /// Raster format instead of event lists.
    var tracesRaster = false
    /// Per lane, the sample's rasters by node index: steps × ⌈neurons / 8⌉ bytes.
    private var tracedRasters: [[[UInt8]]] = []

    /// Hands over lane `lane`'s raster of `node` (the next sample starts a fresh one).
    func takeRaster(lane: Int, node: Int) -> [UInt8] {
        defer { tracedRasters[lane][node] = [] }
        return tracedRasters[lane][node]
    }

    /// Spike list of the group's step `g` in lane `lane`.
    @inline(__always)
    private func list(_ lane: Int, _ g: Int) -> Int { lane &* stepsPerGroup &+ g }

    private func trace(_ stage: Stage, lane: Int, step: Int, g: Int) {
        let node = stage.node
        if tracedNodes.contains(node) {
            let spikes = list(lane, g)
            if tracesRaster {
                let rowBytes = (stage.outputCount + 7) / 8
                tracedRasters[lane][node].withUnsafeMutableBufferPointer { bits in
                    let row = bits.baseAddress! + step * rowBytes
                    for spike in spikeLists[node][spikes] {
                        let neuron = Int(spike)
                        row[neuron &>> 3] |= UInt8(1) &<< UInt8(neuron & 7)
                    }
                }
            } else {
                tracedNeurons[lane][node].append(contentsOf: spikeLists[node][spikes])
                tracedSteps[lane][node].append(contentsOf: repeatElement(Int32(step), count: spikeLists[node][spikes].count))
            }
        }
        if let neurons = recordedPotentials[node], let potential = potentials[node] {
            let state = potential + lane &* stage.outputCount
            for neuron in neurons { samplePotentials[lane][node, default: []].append(state[neuron]) }
        }
    }

    private func countPerNeuron(_ stage: Stage, list: Int) {
        guard countsSpikesPerNeuron else { return }
        let node = stage.node
        if spikesPerNeuron[node] == nil { spikesPerNeuron[node] = Array(repeating: 0, count: stage.outputCount) }
        for spike in spikeLists[node][list] { spikesPerNeuron[node]![Int(spike)] += 1 }
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

    /// Per lane, counts of its sample, per metric, row-major (T, L).
    private(set) var sampleCounts: [[CountMetric: [Int]]]
    /// Per lane, the prediction after each step of its sample.
    private(set) var stepPredictions: [[Int]]

    init(plan: SimulationPlan) {
        self.plan = plan
        layerCount = plan.layerNodes.count
        timesteps = plan.options.timesteps
        let nodeCount = plan.stages.count
        let groupsGain = plan.stages.contains { stage in
            guard case .weighted(.convolution(let convolution), _, _, _) = stage.kind else { return false }
            return convolution.scattersByPosition && !stage.isStaticPerSample
        }
        let acyclic = !plan.network.hasRecurrentEdges
        let groupSize = acyclic ? min(timesteps, max(1, plan.stepsPerGroup ?? (groupsGain ? Self.maximumStepsPerGroup : 1))) : 1
        let laneCount = acyclic ? max(1, plan.lanes ?? (groupsGain ? Self.defaultLanes : 1)) : 1
        stepsPerGroup = groupSize
        lanes = laneCount
        kernels = Kernels(plan.instructionSet)
        outputs = Array(repeating: nil, count: nodeCount)
        laneStrides = Array(repeating: 0, count: nodeCount)
        stepStrides = Array(repeating: 0, count: nodeCount)
        accumulators = Array(repeating: nil, count: nodeCount)
        potentials = Array(repeating: nil, count: nodeCount)
        delayLines = Array(repeating: nil, count: nodeCount)
        currents = Array(repeating: nil, count: nodeCount)
        spikeLists = Array(repeating: Array(repeating: [], count: laneCount * groupSize), count: nodeCount)
        cachedMACs = Array(repeating: 0, count: laneCount * nodeCount)
        channelsLast = Array(repeating: nil, count: nodeCount)
        activeInputs = Array(repeating: nil, count: nodeCount)
        mergedInputs = Array(repeating: nil, count: nodeCount)
        censuses = Array(repeating: nil, count: nodeCount)
        cachedCensus = Array(repeating: (0, true), count: laneCount * nodeCount)
        sampleCounts = Array(repeating: Dictionary(uniqueKeysWithValues: CountMetric.allCases.map {
            ($0, [Int](repeating: 0, count: plan.options.timesteps * plan.layerNodes.count))
        }), count: laneCount)
        stepPredictions = Array(repeating: Array(repeating: 0, count: plan.options.timesteps), count: laneCount)
        readoutCount = plan.stages[plan.readoutNode].inputCount
        readout = UnsafeMutablePointer<Float>.allocate(capacity: max(laneCount * readoutCount, 1))
        let largestPopulation = plan.stages.map { $0.outputCount }.max() ?? 0
        spikeScratch = UnsafeMutablePointer<Int32>.allocate(capacity: largestPopulation + 8)

        for stage in plan.stages {
            let node = stage.node
            let count = stage.outputCount
            func reserveSpikeLists() {
                for index in 0..<(laneCount * groupSize) { spikeLists[node][index].reserveCapacity(count) }
            }
            /// A buffer per lane and step of the group, or per lane only.
            func allocatePerSlot(perStep: Bool) -> UnsafeMutablePointer<Float> {
                let steps = perStep ? groupSize : 1
                laneStrides[node] = steps * count
                stepStrides[node] = perStep ? count : 0
                return allocate(laneCount * steps * count)
            }
            switch stage.kind {
            case .input:
                if plan.options.encoding == .direct { outputs[node] = allocatePerSlot(perStep: false) }
                reserveSpikeLists()
            case .weighted(let kernel, _, _, _):
                let perStep = !stage.isStaticPerSample
                outputs[node] = allocatePerSlot(perStep: perStep)
                if kernel.writesChannelsLast { channelsLast[node] = allocate(laneCount * (perStep ? groupSize : 1) * count) }
                if case .convolution(let convolution) = kernel, convolution.usesEntryLists,
                   stage.projections.contains(where: { $0.carriesSpikes && !$0.route.isIdentity }) {
                    mergedInputs[node] = MergedInputs(elements: stage.inputCount)
                }
                if case .convolution(let convolution) = kernel, convolution.scattersByPosition {
                    let channels = plan.network.inputShapes[node][0]
                    activeInputs[node] = ActiveInputs(channels: channels, positions: stage.inputCount / channels,
                                                      slots: laneCount * (perStep ? groupSize : 1))
                }
                if needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
                switch plan.network.nodes[node].kind {
                case .affine, .linear, .convolution: censuses[node] = InputCensus(elements: stage.inputCount)
                default: break
                }
            case .population(let dynamics):
                potentials[node] = allocate(laneCount * count)
                currents[node] = allocate(laneCount * count)
                buffersToReset.append((potentials[node]!, laneCount * count))
                buffersToReset.append((currents[node]!, laneCount * count))
                if dynamics.model.emitsSpikes {
                    reserveSpikeLists()
                } else if groupSize == 1 {
                    outputs[node] = potentials[node]
                    laneStrides[node] = count
                } else {  // the potential after each step of the group, copied for consumers later in the order
                    outputs[node] = allocatePerSlot(perStep: true)
                }
                if needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
            case .rectifier:
                outputs[node] = allocatePerSlot(perStep: true)
                if needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
            case .threshold:
                if needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
                reserveSpikeLists()
            case .output:
                if needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
            case .delay(_, let span, let passesSpikes):
                delayLines[node] = allocate(laneCount * (span + 1) * stage.inputCount)
                buffersToReset.append((delayLines[node]!, laneCount * (span + 1) * stage.inputCount))
                if passesSpikes { reserveSpikeLists() } else { outputs[node] = allocatePerSlot(perStep: true) }
                if needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
            case .routing:
                break
            }
        }
        if !acyclic { buffersToReset = allocations }
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

    /// One sample handed to `run`: its values (T slices first under `spikes` encoding) and its position in the data
    /// file (the Poisson encoder's counter).
    struct Sample {
        let values: UnsafePointer<Float>
        let index: Int
    }

    /// Runs up to `lanes` samples side by side; lane i's results are `sampleCounts[i]`, `stepPredictions[i]` and
    /// its traces.
    func run(samples: [Sample]) {
        precondition(!samples.isEmpty && samples.count <= lanes, "1 to \(lanes) samples per run")
        let laneCount = samples.count
        resetState()
        if !tracedNodes.isEmpty {
            if tracedSteps.isEmpty {
                tracedSteps = Array(repeating: Array(repeating: [], count: plan.stages.count), count: lanes)
                tracedNeurons = tracedSteps
                tracedRasters = Array(repeating: Array(repeating: [], count: plan.stages.count), count: lanes)
            }
            for lane in 0..<laneCount {
                for node in tracedNodes {
                    tracedSteps[lane][node].removeAll(keepingCapacity: true)
                    tracedNeurons[lane][node].removeAll(keepingCapacity: true)
                    if tracesRaster {
                        tracedRasters[lane][node] = [UInt8](repeating: 0, count: timesteps * ((plan.stages[node].outputCount + 7) / 8))
                    }
                }
            }
        }
        if !recordedPotentials.isEmpty { samplePotentials = Array(repeating: [:], count: lanes) }
        var groupStart = 0
        while groupStart < timesteps {
            let steps = groupStart..<min(groupStart + stepsPerGroup, timesteps)
            for stage in plan.stages {
                if case .weighted(let kernel, let bias, let biasAdds, let taps) = stage.kind {
                    runWeighted(stage, kernel: kernel, bias: bias, biasAdds: biasAdds, taps: taps, steps: steps, lanes: laneCount)
                    continue
                }
                for lane in 0..<laneCount {
                    for step in steps { run(stage, sample: samples[lane], lane: lane, step: step, g: step &- groupStart) }
                }
            }
            groupStart = steps.upperBound
        }
    }

    /// One step of one lane through a stage other than a weighted one.
    private func run(_ stage: Stage, sample: Sample, lane: Int, step: Int, g: Int) {
        let node = stage.node
        let spikes = list(lane, g)
        switch stage.kind {
        case .input:
            present(sample: sample, lane: lane, step: step, list: spikes, stage: stage)
        case .weighted:
            preconditionFailure("weighted nodes run a group of steps at once")
        case .population(let dynamics):
            let input = gatherInput(stage, lane: lane, step: step, g: g)
            record(input, stage)
            spikeLists[node][spikes].removeAll(keepingCapacity: true)
            let potential = potentials[node]! + lane &* stage.outputCount
            let result = dynamics.step(input: input, potential: potential, current: currents[node]! + lane &* stage.outputCount,
                                       spikes: &spikeLists[node][spikes], scratch: spikeScratch)
            if outputs[node] != nil, outputs[node] != potentials[node] {
                output(node, lane: lane, g: g).update(from: potential, count: stage.outputCount)
            }
            add(.spikes, result.spikes, stage, lane, step)
            countPerNeuron(stage, list: spikes)
            trace(stage, lane: lane, step: step, g: g)
            add(.neuronUpdates, dynamics.count, stage, lane, step)
            add(.activeNeuronUpdates, result.activeUpdates, stage, lane, step)
        case .rectifier(let inverseThreshold):
            let input = gatherInput(stage, lane: lane, step: step, g: g)
            record(input, stage)
            let output = self.output(node, lane: lane, g: g)
            for element in 0..<stage.outputCount { output[element] = max(0, input[element]) * inverseThreshold[element] }
        case .threshold(let thresholds):
            let input = gatherInput(stage, lane: lane, step: step, g: g)
            spikeLists[node][spikes].removeAll(keepingCapacity: true)
            let strict = plan.options.thresholdComparison == .gt
            for element in 0..<stage.outputCount {
                let value = input[element], theta = thresholds[element]
                if strict ? value > theta : value >= theta { spikeLists[node][spikes].append(Int32(element)) }
            }
            add(.spikes, spikeLists[node][spikes].count, stage, lane, step)
            countPerNeuron(stage, list: spikes)
            trace(stage, lane: lane, step: step, g: g)
        case .output:
            let input = gatherInput(stage, lane: lane, step: step, g: g)
            if node == plan.readoutNode {
                let sums = readout + lane &* readoutCount
                for element in 0..<readoutCount { sums[element] += input[element] }
                stepPredictions[lane][step] = argmax(sums)
            }
        case .delay(let delays, let span, let passesSpikes):
            let input = gatherInput(stage, lane: lane, step: step, g: g)
            let length = stage.inputCount
            let line = delayLines[node]! + lane &* (span &+ 1) &* length
            (line + (step % (span &+ 1)) &* length).update(from: input, count: length)
            if passesSpikes { spikeLists[node][spikes].removeAll(keepingCapacity: true) }
            let target = passesSpikes ? nil : output(node, lane: lane, g: g)
            for element in 0..<length {
                let delay = Int(delays[element])
                let value = step >= delay ? line[((step &- delay) % (span &+ 1)) &* length &+ element] : 0
                if let target {
                    target[element] = value
                } else if value > 0 {
                    // Unrouted spikes sum to whole counts.
                    spikeLists[node][spikes].append(contentsOf: repeatElement(Int32(element), count: Int(value)))
                }
            }
        case .routing:
            break
        }
    }

    /// Node `node`'s analog output in lane `lane` at the group's step `g`.
    @inline(__always)
    private func output(_ node: Int, lane: Int, g: Int) -> UnsafeMutablePointer<Float> {
        outputs[node]! + (lane &* laneStrides[node] &+ g &* stepStrides[node])
    }

    private func resetState() {
        for (pointer, count) in buffersToReset { pointer.update(repeating: 0, count: count) }
        // Networks with start values have cycles: one lane, groups of one step, the value read at step 0.
        for (node, values) in plan.recurrentStartValues { outputs[node]!.update(from: values.pointer, count: values.count) }
        readout.update(repeating: 0, count: max(lanes * readoutCount, 1))
        for node in spikeLists.indices {
            for index in spikeLists[node].indices { spikeLists[node][index].removeAll(keepingCapacity: true) }
        }
        for lane in 0..<lanes {
            for metric in CountMetric.allCases {
                sampleCounts[lane][metric]!.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            }
        }
    }

    @inline(__always)
    private func add(_ metric: CountMetric, _ amount: Int, _ stage: Stage, _ lane: Int, _ step: Int) {
        guard let layer = stage.layer, amount != 0 else { return }
        sampleCounts[lane][metric]![step * layerCount + layer] += amount
    }

    private func present(sample: Sample, lane: Int, step: Int, list: Int, stage: Stage) {
        let node = stage.node
        let count = stage.outputCount
        switch plan.options.encoding {
        case .direct:
            if step == 0 { output(node, lane: lane, g: 0).update(from: sample.values, count: count) }
        case .poisson:
            spikeLists[node][list].removeAll(keepingCapacity: true)
            let key = PoissonEncoder.stepKey(seed: plan.options.seed, sample: sample.index, step: step)
            for element in 0..<count where PoissonEncoder.spikes(stepKey: key, element: element, value: sample.values[element]) {
                spikeLists[node][list].append(Int32(element))
            }
        case .spikes:
            spikeLists[node][list].removeAll(keepingCapacity: true)
            let slice = sample.values + step * count
            for element in 0..<count where slice[element] != 0 { spikeLists[node][list].append(Int32(element)) }
        }
    }

    /// Runs a weighted node for every step of a group in every lane. A node whose inputs never change within the
    /// sample is computed at step 0 only; a dense convolution scattered by position collects each slot's active
    /// inputs, then scatters all of them in one pass over its weights.
    private func runWeighted(_ stage: Stage, kernel: WeightedKernel, bias: ImmutableBuffer<Float>?, biasAdds: Int,
                             taps: ImmutableBuffer<Int32>, steps: Range<Int>, lanes laneCount: Int) {
        let node = stage.node
        let count = stage.outputCount
        let slotsPerLane = stage.isStaticPerSample ? 1 : stepsPerGroup
        // Dense convolutions accumulate channels-last (contiguous inner loop) and are transposed at the end.
        let channelCount = channelsLast[node] == nil ? 1 : plan.network.outputShapes[node][0]
        let plane = count / channelCount
        let active = activeInputs[node]
        let merged = mergedInputs[node]
        let census = censuses[node]
        computedSlots.removeAll(keepingCapacity: true)
        for lane in 0..<laneCount {
            for step in steps {
                add(.biasAdds, biasAdds, stage, lane, step)
                if stage.isStaticPerSample && step > 0 {
                    add(.macs, cachedMACs[lane &* plan.stages.count &+ node], stage, lane, step)
                    let cached = cachedCensus[lane &* plan.stages.count &+ node]
                    add(cached.binary ? .neurobenchACs : .neurobenchMACs, cached.operations, stage, lane, step)
                    continue
                }
                let g = step &- steps.lowerBound
                let slot = lane &* slotsPerLane &+ g  // = the offset of output(node, lane, g) in units of `count`
                computedSlots.append(slot)
                let target = (channelsLast[node] ?? outputs[node]!) + slot &* count
                if let bias {
                    target.update(from: bias.pointer, count: count)  // the plan stores it in the target's layout
                } else {
                    target.update(repeating: 0, count: count)
                }
                var macs = 0
                var synops = 0
                if let analogInput = analogInput(stage, lane: lane, g: g) {
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
                let spikes = list(lane, g)
                for projection in stage.projections where projection.carriesSpikes {
                    spikeLists[projection.producer][spikes].withUnsafeBufferPointer { spikes in
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
                }
                if let merged, case .convolution(let convolution) = kernel {
                    convolution.scatter(merged, into: target)
                }
                active?.seal(slot: slot)
                if stage.isStaticPerSample { cachedMACs[lane &* plan.stages.count &+ node] = macs }
                add(.macs, macs, stage, lane, step)
                add(.synops, synops, stage, lane, step)
                if let census {
                    let counted = census.drain(taps: taps.pointer)
                    if stage.isStaticPerSample { cachedCensus[lane &* plan.stages.count &+ node] = counted }
                    add(counted.binary ? .neurobenchACs : .neurobenchMACs, counted.operations, stage, lane, step)
                }
            }
        }
        guard !computedSlots.isEmpty else { return }
        if let active, case .convolution(let convolution) = kernel {
            convolution.scatter(byPosition: active, slots: computedSlots, into: channelsLast[node]!, slotStride: count,
                                kernels: kernels)
        }
        if let accumulated = channelsLast[node] {
            for slot in computedSlots {
                Self.transpose(accumulated + slot &* count, positions: plane, channels: channelCount, into: outputs[node]! + slot &* count)
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
    private func analogInput(_ stage: Stage, lane: Int, g: Int) -> UnsafePointer<Float>? {
        guard stage.projections.contains(where: { !$0.carriesSpikes }) else { return nil }
        guard let accumulator = accumulators[stage.node] else {
            return UnsafePointer(output(stage.projections[0].producer, lane: lane, g: g))
        }
        accumulator.update(repeating: 0, count: stage.inputCount)
        for projection in stage.projections where !projection.carriesSpikes {
            addAnalog(projection, lane: lane, g: g, into: accumulator)
        }
        return UnsafePointer(accumulator)
    }

    private func addAnalog(_ projection: Projection, lane: Int, g: Int, into accumulator: UnsafeMutablePointer<Float>) {
        let source = output(projection.producer, lane: lane, g: g)
        let count = plan.stages[projection.producer].outputCount
        for element in 0..<count {
            let value = source[element]
            if value == 0 { continue }
            projection.route.forEachTarget(of: element) { target, factor in accumulator[target] += factor * value }
        }
    }

    /// The summed input of a population, Threshold or Output: spikes arrive as their route's factor,
    /// one synaptic operation each (counted at layers).
    private func gatherInput(_ stage: Stage, lane: Int, step: Int, g: Int) -> UnsafePointer<Float> {
        guard let accumulator = accumulators[stage.node] else {
            return UnsafePointer(output(stage.projections[0].producer, lane: lane, g: g))
        }
        accumulator.update(repeating: 0, count: stage.inputCount)
        var synops = 0
        let spikes = list(lane, g)
        for projection in stage.projections {
            if projection.carriesSpikes {
                for spike in spikeLists[projection.producer][spikes] {
                    let element = Int(spike)
                    projection.route.forEachTarget(of: element) { target, factor in accumulator[target] += factor }
                    synops += projection.synopsPerSpike[element]
                }
            } else {
                addAnalog(projection, lane: lane, g: g, into: accumulator)
            }
        }
        add(.synops, synops, stage, lane, step)
        return UnsafePointer(accumulator)
    }

    private func argmax(_ sums: UnsafeMutablePointer<Float>) -> Int {
        var best = 0
        for element in 1..<max(readoutCount, 1) where sums[element] > sums[best] { best = element }
        return best
    }
}
