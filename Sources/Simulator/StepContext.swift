/// What a node's step reads and writes besides its own parameters: the worker's buffers, counts, monitors and
/// kernels. All references; built once per worker.
struct StepContext {
    let plan: SimulationPlan
    let memory: WorkingMemory
    let tally: SampleTally
    let spikeMonitor: SpikeMonitor
    let stateMonitor: StateMonitor
    let probe: InputProbe
    /// The hot kernels of the plan's instruction set (the process's choice unless a test forces one).
    let kernels: Kernels

    /// The summed input of a population, Threshold, Output, Rectifier or Delay: spikes arrive as their route's
    /// factor, one synaptic operation each (counted at layers).
    func gatherInput(_ stage: Stage, lane: Int, step: Int, g: Int) -> UnsafePointer<Float> {
        guard let accumulator = memory.accumulators[stage.node] else {
            return UnsafePointer(memory.output(stage.projections[0].producer, lane: lane, g: g))
        }
        accumulator.update(repeating: 0, count: stage.inputCount)
        var synops = 0
        for projection in stage.projections {
            if projection.carriesSpikes {
                let perSpike = projection.synopsPerSpike.pointer
                for spike in memory.spikes(projection.producer, lane: lane, g: g).buffer {
                    let element = Int(spike)
                    projection.route.forEachTarget(of: element) { target, factor in accumulator[target] += factor }
                    synops += perSpike[element]
                }
            } else {
                addAnalog(projection, lane: lane, g: g, into: accumulator)
            }
        }
        tally.add(.synops, synops, stage, lane: lane, step: step)
        return UnsafePointer(accumulator)
    }

    /// The summed analog input of a weighted node (nil when it has only spiking inputs).
    func analogInput(_ stage: Stage, lane: Int, g: Int) -> UnsafePointer<Float>? {
        guard stage.projections.contains(where: { !$0.carriesSpikes }) else { return nil }
        guard let accumulator = memory.accumulators[stage.node] else {
            return UnsafePointer(memory.output(stage.projections[0].producer, lane: lane, g: g))
        }
        accumulator.update(repeating: 0, count: stage.inputCount)
        for projection in stage.projections where !projection.carriesSpikes {
            addAnalog(projection, lane: lane, g: g, into: accumulator)
        }
        return UnsafePointer(accumulator)
    }

    private func addAnalog(_ projection: Projection, lane: Int, g: Int, into accumulator: UnsafeMutablePointer<Float>) {
        let source = memory.output(projection.producer, lane: lane, g: g)
        let count = plan.stages[projection.producer].outputCount
        for element in 0..<count {
            let value = source[element]
            if value == 0 { continue }
            projection.route.forEachTarget(of: element) { target, factor in accumulator[target] += factor * value }
        }
    }

    /// After a spiking node's step: its spike count, per-neuron counts and trace.
    @inline(__always)
    func spiked(_ spikes: SpikeList, _ stage: Stage, lane: Int, step: Int) {
        tally.add(.spikes, spikes.count, stage, lane: lane, step: step)
        probe.count(spikes, stage)
        if !spikeMonitor.isEmpty { spikeMonitor.record(spikes, node: stage.node, lane: lane, step: step) }
    }
}
