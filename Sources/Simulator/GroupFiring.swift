internal import CKernels

/// A plain IF population stepped by the convolution that feeds it, as soon as that node has its input: inside the group
/// drain (`GroupScatter.drainFiring`), which holds each neuron's inputs for the group's steps in one register, so the
/// per-step inputs are never written to memory and read back (at 99% sparsity that stream was most of the IF pass's
/// cost); or, for convolutions scattered step by step, right after each step's scatter (`fire`), while that step's
/// input is still in the per-core cache, with one input buffer per lane instead of one per step. Same operations per
/// neuron and step as the population's own pass, so potentials, spike lists and counts are bit-identical. The
/// population's own turn in the schedule then only reports what was produced (`report`). Per worker and population,
/// allocated once.
final class GroupFiring {
    /// The population's stage.
    let stage: Stage
    private let integrateAndFire: IntegrateAndFireParameters
    private let parameters: UnsafeMutablePointer<NCIntegrateAndFireParameters>
    /// Scratch for one lane's group: step g's spike list storage, spike count and active updates.
    private let spikeLists: UnsafeMutablePointer<UnsafeMutablePointer<Int32>?>
    private let listed: UnsafeMutablePointer<Int64>
    /// Scratch for `fireGathered`: the gather kernel's view of the population, each step's list start, entries
    /// listed so far.
    private let gatherFiring: UnsafeMutablePointer<NCGatherFiring>
    private let listStarts: UnsafeMutablePointer<UnsafeMutablePointer<Int32>?>
    private let totals: UnsafeMutablePointer<Int64>
    /// Scratch for `fire(channelsLastInput:...)`: the kernel's firing masks, sized at its first call.
    private var channelsLastMasks = UnsafeMutableBufferPointer<UInt16>(start: nil, count: 0)
    /// Per slot (`WorkerSchedule.slot(lane:g:)`): the step's active updates, reported in the population's turn.
    private let activeUpdates: UnsafeMutablePointer<Int64>
    private let schedule: WorkerSchedule

    /// The population fed by weighted node `producer` if the producer can step it (when it scatters by group, or
    /// step by step: `WeightedStep.firesStepByStep`, or writes channels-last: `WeightedStep.firesChannelsLast`), else
    /// nil: the producer's only consumer is a plain IF population (single spike, reset by value or subtraction) whose only input is the producer's output as it is, and nothing
    /// reads that input or the potential per step (threshold calibration probes, recorded potentials).
    static func population(fedBy producer: Stage, plan: SimulationPlan, probedNodes: Set<Int>,
                           recordedPotentials: Set<Int>) -> (Stage, PopulationDynamics)? {
        guard !plan.network.hasRecurrentEdges else { return nil }
        let consumers = plan.stages.filter { $0.projections.contains { $0.producer == producer.node } }
        guard consumers.count == 1, let consumer = consumers.first, consumer.projections.count == 1,
              case .population(let dynamics) = consumer.kind,
              dynamics.model == .integrateAndFire, dynamics.rule.isPlainIntegrateAndFire, dynamics.model.emitsSpikes,
              !consumer.projections[0].carriesSpikes, consumer.projections[0].route.isIdentity,
              consumer.inputCount == producer.outputCount, consumer.outputCount == producer.outputCount,
              !probedNodes.contains(consumer.node), !recordedPotentials.contains(consumer.node)
        else { return nil }
        return (consumer, dynamics)
    }

    init(stage: Stage, dynamics: PopulationDynamics, schedule: WorkerSchedule) {
        self.stage = stage
        self.schedule = schedule
        parameters = .allocate(capacity: 1)
        integrateAndFire = dynamics.integrateAndFireParameters
        parameters.initialize(to: integrateAndFire.cValue)
        spikeLists = .allocate(capacity: GroupScatter.width)
        spikeLists.initialize(repeating: nil, count: GroupScatter.width)
        listed = .allocate(capacity: GroupScatter.width)
        listed.initialize(repeating: 0, count: GroupScatter.width)
        listStarts = .allocate(capacity: GroupScatter.width)
        listStarts.initialize(repeating: nil, count: GroupScatter.width)
        totals = .allocate(capacity: GroupScatter.width)
        totals.initialize(repeating: 0, count: GroupScatter.width)
        gatherFiring = .allocate(capacity: 1)
        gatherFiring.initialize(to: NCGatherFiring(parameters: parameters, v: nil, first: 0, steps: 0, spikes: listStarts,
                                                   listed: totals, activeUpdates: nil))
        let slots = max(schedule.lanes * schedule.stepsPerGroup, 1)
        activeUpdates = .allocate(capacity: slots)
        activeUpdates.initialize(repeating: 0, count: slots)
    }

    deinit {
        parameters.deallocate()
        spikeLists.deallocate()
        listed.deallocate()
        gatherFiring.deallocate()
        listStarts.deallocate()
        totals.deallocate()
        activeUpdates.deallocate()
        channelsLastMasks.deallocate()
    }

    /// Drains `group` (lane `lane`, `steps` steps) through the population's IF step: its potential and spike lists
    /// are updated as the population's own pass would update them.
    func drain(_ group: GroupScatter, context: StepContext, lane: Int, steps: Int) {
        let memory = context.memory, node = stage.node
        for g in 0..<steps {
            let spikes = memory.spikes(node, lane: lane, g: g)
            precondition(spikes.capacity >= stage.outputCount + SpikeList.slack, "a spike list too small for the population")
            spikeLists[g] = spikes.indices
        }
        let potential = memory.potential(node, lane: lane, count: stage.outputCount)
        group.drainFiring(steps: steps, parameters: parameters, potential: potential, spikes: spikeLists, listed: listed,
                          activeUpdates: activeUpdates + schedule.slot(lane: lane, g: 0), kernel: context.kernels.groupDrainFireWhole)
        for g in 0..<steps { memory.spikes(node, lane: lane, g: g).count = Int(listed[g]) }
    }

    /// Steps the population (lane `lane`, `steps` steps) through the sums of `gather`, whose steps' spikes (or pooled
    /// spikes) are marked: one output channel at a time, each block of outputs stepped through the group's steps in
    /// the gather kernel's registers as its sums come out (`GroupGather.gather(channel:firing:kernels:)`). Each
    /// channel's spikes are listed after the previous channels', so each step's list stays ascending; potentials,
    /// lists and counts are those of the step-by-step pass (the IF kernel's operations on the same inputs, neuron by
    /// neuron).
    func fireGathered(_ gather: GroupGather, context: StepContext, lane: Int, steps: Int) {
        precondition((1...GroupScatter.width).contains(steps))
        let memory = context.memory, node = stage.node
        let plane = gather.outputRows * gather.outputColumns
        precondition(gather.outputChannels * plane == stage.outputCount, "a gather of another shape")
        let updates = activeUpdates + schedule.slot(lane: lane, g: 0)
        for g in 0..<steps {
            let spikes = memory.spikes(node, lane: lane, g: g)
            precondition(spikes.capacity >= stage.outputCount + SpikeList.slack, "a spike list too small for the population")
            listStarts[g] = spikes.indices
            totals[g] = 0
            updates[g] = 0
        }
        gatherFiring.pointee.v = memory.potential(node, lane: lane, count: stage.outputCount)
        gatherFiring.pointee.steps = Int64(steps)
        gatherFiring.pointee.activeUpdates = updates
        let kernels = context.kernels
        for channel in 0..<gather.outputChannels {
            gatherFiring.pointee.first = Int64(channel &* plane)
            gather.gather(channel: channel, firing: gatherFiring, kernels: kernels)
        }
        for g in 0..<steps { memory.spikes(node, lane: lane, g: g).count = Int(totals[g]) }
    }

    /// Steps the population (lane `lane`, the group's step `g`) with `input`, its summed input of that step.
    @inline(__always)
    func fire(input: UnsafePointer<Float>, context: StepContext, lane: Int, g: Int) {
        let memory = context.memory, node = stage.node
        let count = stage.outputCount
        let active = context.kernels.integrateAndFire(integrateAndFire, potential: memory.potential(node, lane: lane, count: count),
                                                      input: input, count: count, spikes: memory.spikes(node, lane: lane, g: g))
        activeUpdates[schedule.slot(lane: lane, g: g)] = Int64(active)
    }

    /// `fire` with `input` in a dense convolution's channels-last layout (`positions` × `channels`), transposed on
    /// the fly (`Kernels.integrateAndFire(_:potential:channelsLastInput:positions:channels:spikes:masks:)`).
    func fire(channelsLastInput input: UnsafePointer<Float>, positions: Int, channels: Int, context: StepContext,
              lane: Int, g: Int) {
        let memory = context.memory, node = stage.node
        let potential = memory.potential(node, lane: lane, count: stage.outputCount)
        let maskCount = Kernels.channelsLastMaskCount(positions: positions)
        if channelsLastMasks.count < maskCount {  // the first step only: the plane is the population's
            channelsLastMasks.deallocate()
            channelsLastMasks = .allocate(capacity: maskCount)
        }
        let active = context.kernels.integrateAndFire(integrateAndFire, potential: potential, channelsLastInput: input,
                                                      positions: positions, channels: channels,
                                                      spikes: memory.spikes(node, lane: lane, g: g), masks: channelsLastMasks)
        activeUpdates[schedule.slot(lane: lane, g: g)] = Int64(active)
    }

    /// The population's turn at step `step` (the group's `g`): the counts and monitors of the spikes `drain` listed.
    func report(_ context: StepContext, lane: Int, step: Int, g: Int) {
        context.spiked(context.memory.spikes(stage.node, lane: lane, g: g), stage, lane: lane, step: step)
        context.tally.add(.neuronUpdates, stage.outputCount, stage, lane: lane, step: step)
        context.tally.add(.activeNeuronUpdates, Int(activeUpdates[schedule.slot(lane: lane, g: g)]), stage, lane: lane, step: step)
    }
}
