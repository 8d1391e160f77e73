/// One worker's buffers: every node's outputs, state and scratch for every lane and step of a group, allocated once
/// and reused for each sample, so memory does not grow with the number of samples and no step allocates.
final class WorkingMemory {
    let schedule: WorkerSchedule
    /// Per node: analog output (weighted nodes, direct input, rectifiers, non-spiking populations' potentials),
    /// at `outputs[node] + lane · laneStrides[node] + g · stepStrides[node]` for step g of the group (a stride of
    /// 0: one value for every step of the sample).
    private(set) var outputs: [UnsafeMutablePointer<Float>?]
    private var laneStrides: [Int]
    private var stepStrides: [Int]
    /// Per node: summed-input scratch for nodes that cannot read a single producer's buffer directly.
    private(set) var accumulators: [UnsafeMutablePointer<Float>?]
    /// Per Delay node: the last `span + 1` steps' summed inputs, per lane (`(span + 1) · inputCount` values each).
    private(set) var delayLines: [UnsafeMutablePointer<Float>?]
    /// Per population: state, one block of `outputCount` per lane.
    private(set) var potentials: [UnsafeMutablePointer<Float>?]
    private(set) var currents: [UnsafeMutablePointer<Float>?]
    /// Per spiking node and slot (`WorkerSchedule.slot(lane:g:)`): the elements that spiked at that step.
    private(set) var spikeLists: [[SpikeList]]
    /// Per dense convolution: its output accumulated channels-last, slot `lane · perStep + g` at `slot · outputCount`,
    /// transposed into `outputs` (the same layout) after each group.
    private(set) var channelsLast: [UnsafeMutablePointer<Float>?]
    /// Per dense convolution scattered by position: each slot's active inputs grouped by position.
    private(set) var activeInputs: [ActiveInputs?]
    /// Per sparse convolution fed through a pool: the step's routed spikes summed per input element.
    private(set) var mergedInputs: [MergedInputs?]
    /// Per Affine, Linear and convolution: the step's summed input per element, for NeuroBench's counts.
    private(set) var censuses: [InputCensus?]
    /// Per lane, `readoutCount` sums.
    let readout: UnsafeMutablePointer<Float>
    let readoutCount: Int
    private var allocations: [(UnsafeMutablePointer<Float>, Int)] = []
    /// What a new sample must find zeroed: every buffer when the network has cycles (a back edge reads its producer
    /// before the producer's first step), else only the populations' state: every other buffer is written at each
    /// step before it is read (zeroing all of them cost 2% of the dense VGG-16's time).
    private var buffersToReset: [(UnsafeMutablePointer<Float>, Int)] = []
    /// False until the first `reset`: the buffers are still the zeroes they were allocated as (nothing steps a node
    /// before `SampleWorker.run` resets), so that reset need not clear `buffersToReset` again.
    private var buffersHoldSample = false
    private let recurrentStartValues: [(Int, ImmutableBuffer<Float>)]

    init(plan: SimulationPlan, schedule: WorkerSchedule) {
        self.schedule = schedule
        let nodeCount = plan.stages.count
        let laneCount = schedule.lanes, groupSize = schedule.stepsPerGroup
        outputs = Array(repeating: nil, count: nodeCount)
        laneStrides = Array(repeating: 0, count: nodeCount)
        stepStrides = Array(repeating: 0, count: nodeCount)
        accumulators = Array(repeating: nil, count: nodeCount)
        potentials = Array(repeating: nil, count: nodeCount)
        delayLines = Array(repeating: nil, count: nodeCount)
        currents = Array(repeating: nil, count: nodeCount)
        spikeLists = Array(repeating: [], count: nodeCount)
        channelsLast = Array(repeating: nil, count: nodeCount)
        activeInputs = Array(repeating: nil, count: nodeCount)
        mergedInputs = Array(repeating: nil, count: nodeCount)
        censuses = Array(repeating: nil, count: nodeCount)
        readoutCount = plan.stages[plan.readoutNode].inputCount
        readout = UnsafeMutablePointer<Float>.allocate(capacity: max(laneCount * readoutCount, 1))
        recurrentStartValues = plan.recurrentStartValues.map { ($0.node, $0.values) }

        for stage in plan.stages {
            let node = stage.node
            let count = stage.outputCount
            func makeSpikeLists() {
                spikeLists[node] = (0..<(laneCount * groupSize)).map { _ in SpikeList(elements: count) }
            }
            /// A buffer per lane and step of the group, or per lane only.
            func allocatePerSlot(perStep: Bool, touchedInFull: Bool = true) -> UnsafeMutablePointer<Float> {
                let steps = perStep ? groupSize : 1
                laneStrides[node] = steps * count
                stepStrides[node] = perStep ? count : 0
                return allocate(laneCount * steps * count, touchedInFull: touchedInFull)
            }
            switch stage.kind {
            case .input:
                if plan.options.encoding == .direct { outputs[node] = allocatePerSlot(perStep: false) }
                makeSpikeLists()
            case .weighted(let kernel, _, _, _):
                let perStep = !stage.isStaticPerSample
                // A sparse convolution writes its output only where its scatter or gather path needs it (its
                // population is mostly stepped from the group's own sums): most of the buffer is never touched.
                var isSparseConvolution = false
                if case .convolution(let convolution) = kernel, case .sparsePositionClasses = convolution.weights {
                    isSparseConvolution = true
                }
                outputs[node] = allocatePerSlot(perStep: perStep, touchedInFull: !isSparseConvolution)
                if kernel.writesChannelsLast { channelsLast[node] = allocate(laneCount * (perStep ? groupSize : 1) * count) }
                if case .convolution(let convolution) = kernel {
                    switch convolution.weights {
                    case .sparsePositionClasses where stage.projections.contains(where: { $0.carriesSpikes && !$0.route.isIdentity }):
                        mergedInputs[node] = MergedInputs(elements: stage.inputCount)
                    case .denseTapTiles:
                        let channels = plan.network.inputShapes[node][0]
                        activeInputs[node] = ActiveInputs(channels: channels, positions: stage.inputCount / channels,
                                                          slots: laneCount * (perStep ? groupSize : 1))
                    default:
                        break
                    }
                }
                if Self.needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
                switch plan.network.nodes[node].kind {
                case .affine, .linear, .convolution: censuses[node] = InputCensus(elements: stage.inputCount)
                default: break
                }
            case .population(let dynamics):
                potentials[node] = allocate(laneCount * count)
                let usesCurrent = dynamics.model != .integrator && dynamics.model != .integrateAndFire
                currents[node] = allocate(laneCount * count, touchedInFull: usesCurrent)
                buffersToReset.append((potentials[node]!, laneCount * count))
                // I and IF never read their synaptic current (`PopulationDynamics.integrate`): zeroing it per sample
                // was half of the per-sample memset of the sparse VGG-16, and its pages are never touched.
                if usesCurrent {
                    buffersToReset.append((currents[node]!, laneCount * count))
                }
                if dynamics.model.emitsSpikes {
                    makeSpikeLists()
                } else if groupSize == 1 {
                    outputs[node] = potentials[node]
                    laneStrides[node] = count
                } else {  // the potential after each step of the group, copied for consumers later in the order
                    outputs[node] = allocatePerSlot(perStep: true)
                }
                if Self.needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
            case .rectifier:
                outputs[node] = allocatePerSlot(perStep: true)
                if Self.needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
            case .threshold:
                if Self.needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
                makeSpikeLists()
            case .output:
                if Self.needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
            case .delay(_, let span, let passesSpikes):
                delayLines[node] = allocate(laneCount * (span + 1) * stage.inputCount)
                buffersToReset.append((delayLines[node]!, laneCount * (span + 1) * stage.inputCount))
                if passesSpikes { makeSpikeLists() } else { outputs[node] = allocatePerSlot(perStep: true) }
                if Self.needsAccumulator(stage) { accumulators[node] = allocate(stage.inputCount) }
            case .routing:
                break
            }
        }
        if plan.network.hasRecurrentEdges { buffersToReset = allocations }
    }

    deinit {
        for (pointer, _) in allocations { ZeroedMemory.release(pointer) }
        readout.deallocate()
    }

    /// Zeroed memory (`ZeroedMemory`). A buffer that every sample touches in full (`touchedInFull`) is also written
    /// here, so that its pages are faulted in while the worker is made beside the caller's own set-up rather than
    /// on the first sample's critical path; one that a sample touches only where something is active (a sparse
    /// convolution's output) or never (an IF population's synaptic current) is left to fault in as it is touched,
    /// which on a sparse network is a small part of it.
    private func allocate(_ count: Int, touchedInFull: Bool = true) -> UnsafeMutablePointer<Float> {
        let pointer = ZeroedMemory.allocate(Float.self, count: count)
        if touchedInFull { pointer.update(repeating: 0, count: max(count, 1)) }
        allocations.append((pointer, max(count, 1)))
        return pointer
    }

    /// A node can read its input straight from its producer only when it has one analog projection with no routing.
    private static func needsAccumulator(_ stage: Stage) -> Bool {
        !(stage.projections.count == 1 && !stage.projections[0].carriesSpikes && stage.projections[0].route.isIdentity)
    }

    /// Zeroes what a new sample must find zeroed, and empties every spike list.
    func reset() {
        if buffersHoldSample {
            for (pointer, count) in buffersToReset { pointer.update(repeating: 0, count: count) }
        }
        buffersHoldSample = true
        // Networks with start values have cycles: one lane, groups of one step, the value read at step 0.
        for (node, values) in recurrentStartValues { outputs[node]!.update(from: values.pointer, count: values.count) }
        readout.update(repeating: 0, count: max(schedule.lanes * readoutCount, 1))
        for lists in spikeLists { for list in lists { list.removeAll() } }
    }

    /// Node `node`'s analog output in lane `lane` at the group's step `g`.
    @inline(__always)
    func output(_ node: Int, lane: Int, g: Int) -> UnsafeMutablePointer<Float> {
        outputs[node]! + (lane &* laneStrides[node] &+ g &* stepStrides[node])
    }

    /// Node `node`'s spike list in lane `lane` at the group's step `g`.
    @inline(__always)
    func spikes(_ node: Int, lane: Int, g: Int) -> SpikeList {
        spikeLists[node][schedule.slot(lane: lane, g: g)]
    }

    /// Population state of `node` in lane `lane`.
    @inline(__always)
    func potential(_ node: Int, lane: Int, count: Int) -> UnsafeMutablePointer<Float> { potentials[node]! + lane &* count }
    @inline(__always)
    func current(_ node: Int, lane: Int, count: Int) -> UnsafeMutablePointer<Float> { currents[node]! + lane &* count }
}
