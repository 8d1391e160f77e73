/// A neuron population: sums its input, advances every neuron one step (`PopulationDynamics`), then hands its
/// spikes to the counts and monitors.
struct PopulationStep {
    let stage: Stage
    let dynamics: PopulationDynamics
    /// Whether the potential is copied to a per-step output after each step (non-spiking populations in groups of
    /// several steps, read by consumers later in the order).
    let copiesPotential: Bool

    /// Whether `stepGroup` can run this population's steps of a group in one call in `context`: a plain IF reading
    /// one producer's per-step outputs directly (no summing accumulator), whose potential nothing reads per step.
    func stepsInGroups(_ context: StepContext) -> Bool {
        dynamics.stepsInGroups && !copiesPotential && context.memory.accumulators[stage.node] == nil
            && context.stateMonitor.isEmpty && stage.projections.count == 1 && !stage.projections[0].carriesSpikes
    }

    /// `step` for every step of `steps` (a group starting at the group's step 0) in lane `lane`, through
    /// `PopulationDynamics.stepGroup`: the potential stays in registers across the group instead of going through
    /// memory at every step. Requires `stepsInGroups(context)`.
    func stepGroup(_ context: StepContext, lane: Int, steps: Range<Int>) {
        let node = stage.node, count = stage.outputCount
        let memory = context.memory
        let producer = stage.projections[0].producer
        let inputs = UnsafePointer(memory.output(producer, lane: lane, g: 0))
        let inputStride = steps.count > 1 ? memory.output(producer, lane: lane, g: 1) - memory.output(producer, lane: lane, g: 0) : 0
        for g in 0..<steps.count { context.probe.record(inputs + g &* inputStride, stage) }
        withUnsafeTemporaryAllocation(of: Int64.self, capacity: steps.count) { active in
            dynamics.stepGroup(inputs: inputs, inputStride: inputStride, steps: steps.count,
                               potential: memory.potential(node, lane: lane, count: count),
                               spikes: { memory.spikes(node, lane: lane, g: $0) }, active: active.baseAddress!,
                               kernels: context.kernels)
            for (g, step) in steps.enumerated() {
                context.spiked(memory.spikes(node, lane: lane, g: g), stage, lane: lane, step: step)
                context.tally.add(.neuronUpdates, dynamics.count, stage, lane: lane, step: step)
                context.tally.add(.activeNeuronUpdates, Int(active[g]), stage, lane: lane, step: step)
            }
        }
    }

    func step(_ context: StepContext, lane: Int, step: Int, g: Int) {
        let node = stage.node, count = stage.outputCount
        let memory = context.memory
        let input = context.gatherInput(stage, lane: lane, step: step, g: g)
        context.probe.record(input, stage)
        let spikes = dynamics.model.emitsSpikes ? memory.spikes(node, lane: lane, g: g) : nil
        spikes?.removeAll()
        let potential = memory.potential(node, lane: lane, count: count)
        let result = dynamics.step(input: input, potential: potential, current: memory.current(node, lane: lane, count: count),
                                   spikes: spikes, kernels: context.kernels)
        if copiesPotential { memory.output(node, lane: lane, g: g).update(from: potential, count: count) }
        if let spikes { context.spiked(spikes, stage, lane: lane, step: step) }
        if !context.stateMonitor.isEmpty { context.stateMonitor.record(potential, node: node, lane: lane) }
        context.tally.add(.neuronUpdates, dynamics.count, stage, lane: lane, step: step)
        context.tally.add(.activeNeuronUpdates, result.activeUpdates, stage, lane: lane, step: step)
    }
}
