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
}
