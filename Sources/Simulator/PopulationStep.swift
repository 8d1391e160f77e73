/// A neuron population: sums its input, advances every neuron one step (`PopulationDynamics`), then hands its
/// spikes to the counts and monitors.
struct PopulationStep {
    let stage: Stage
    let dynamics: PopulationDynamics
    /// Whether the potential is copied to a per-step output after each step (non-spiking populations in groups of
    /// several steps, read by consumers later in the order).
    let copiesPotential: Bool

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

    /// `step` for each of `steps` (lane `lane`, the group starting at `groupStart`) at once, when the population is
    /// plain IF, its input is its producer's output as it is, and nothing reads its input or potential between steps
    /// (threshold calibration probes, recorded potentials, a potential copy): then each block of neurons is stepped
    /// through the group's steps with its potentials in a register (`nc_integrate_and_fire_steps_kernel`), instead of
    /// the whole population being read and written once per step. The kernel's arithmetic per neuron and step is the
    /// IF kernel's, so potentials, spike lists and counts are bit-identical; each step's spikes and counts are then
    /// reported in step order, as `step` reports them. Returns false, having done nothing, when it does not apply.
    func step(_ context: StepContext, lane: Int, steps: Range<Int>, groupStart: Int) -> Bool {
        let node = stage.node, count = stage.outputCount
        let memory = context.memory
        guard !copiesPotential, dynamics.model == .integrateAndFire, dynamics.rule.isPlainIntegrateAndFire,
              dynamics.model.emitsSpikes, (1...GroupScatter.width).contains(steps.count), memory.accumulators[node] == nil,
              stage.projections.count == 1, !context.probe.probedNodes.contains(node),
              context.stateMonitor.recorded[node] == nil
        else { return false }
        let producer = stage.projections[0].producer
        var parameters = dynamics.integrateAndFireParameters.cValue
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: GroupScatter.width) { inputs in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Int32>?.self, capacity: GroupScatter.width) { lists in
                withUnsafeTemporaryAllocation(of: Int64.self, capacity: 2 * GroupScatter.width) { counts in
                    for step in steps {
                        let g = step &- groupStart
                        let spikes = memory.spikes(node, lane: lane, g: g)
                        precondition(spikes.capacity >= count + SpikeList.slack, "a spike list too small for the population")
                        inputs[g] = UnsafePointer(memory.output(producer, lane: lane, g: g))
                        lists[g] = spikes.indices
                    }
                    let listed = counts.baseAddress!, active = listed + GroupScatter.width
                    context.kernels.integrateAndFireSteps(&parameters, memory.potential(node, lane: lane, count: count),
                                                          inputs.baseAddress!, Int64(count), Int64(steps.count),
                                                          lists.baseAddress!, listed, active)
                    for step in steps {
                        let g = step &- groupStart
                        let spikes = memory.spikes(node, lane: lane, g: g)
                        spikes.count = Int(listed[g])
                        context.spiked(spikes, stage, lane: lane, step: step)
                        context.tally.add(.neuronUpdates, dynamics.count, stage, lane: lane, step: step)
                        context.tally.add(.activeNeuronUpdates, Int(active[g]), stage, lane: lane, step: step)
                    }
                }
            }
        }
        return true
    }
}
