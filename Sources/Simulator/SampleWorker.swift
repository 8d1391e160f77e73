/// One thread's simulation of samples: it runs the plan's nodes in the order its `WorkerSchedule` gives (groups of
/// steps, lanes of samples side by side), each through its `NodeStepper`, on its own `WorkingMemory`; counts go to
/// its `SampleTally`, spikes and potentials to its monitors. Everything is allocated once and reused per sample.
final class SampleWorker {
    let plan: SimulationPlan
    let schedule: WorkerSchedule
    private let memory: WorkingMemory
    private let steppers: [NodeStepper]
    /// Per node: the population its producer steps (`GroupFiring`; only its counts and monitors are left to its turn).
    private let groupFirings: [GroupFiring?]
    private let context: StepContext
    /// Per lane, counts and predictions of its sample.
    let tally: SampleTally
    let spikeMonitor: SpikeMonitor
    let stateMonitor: StateMonitor
    let probe: InputProbe

    /// Samples run side by side.
    var lanes: Int { schedule.lanes }

    /// What a worker records beyond counts.
    struct Monitoring {
        var tracedNodes: Set<Int> = []
        var traceFormat: SpikeTraceFormat = .events
        var recordedPotentials: [Int: [Int]] = [:]
        var probedNodes: Set<Int> = []
        var countsSpikesPerNeuron = false
    }

    init(plan: SimulationPlan, monitoring: Monitoring = Monitoring()) {
        self.plan = plan
        schedule = WorkerSchedule(plan: plan)
        memory = WorkingMemory(plan: plan, schedule: schedule)
        tally = SampleTally(lanes: schedule.lanes, timesteps: plan.options.timesteps, layers: plan.layerNodes.count)
        spikeMonitor = SpikeMonitor(nodes: monitoring.tracedNodes, format: monitoring.traceFormat, plan: plan, lanes: schedule.lanes)
        stateMonitor = StateMonitor(recorded: monitoring.recordedPotentials, lanes: schedule.lanes)
        probe = InputProbe(probedNodes: monitoring.probedNodes, countsSpikesPerNeuron: monitoring.countsSpikesPerNeuron)
        context = StepContext(plan: plan, memory: memory, tally: tally, spikeMonitor: spikeMonitor, stateMonitor: stateMonitor,
                              probe: probe, kernels: Kernels(plan.instructionSet))
        steppers = plan.stages.map { [schedule] in NodeStepper($0, plan: plan, schedule: schedule) }
        var firings: [GroupFiring?] = Array(repeating: nil, count: plan.stages.count)
        for stepper in steppers {
            guard case .weighted(let weighted) = stepper,
                  weighted.groupScatter != nil || weighted.firesStepByStep || weighted.firesChannelsLast,
                  let (population, dynamics) = GroupFiring.population(
                    fedBy: weighted.stage, plan: plan, probedNodes: monitoring.probedNodes,
                    recordedPotentials: Set(monitoring.recordedPotentials.keys))
            else { continue }
            let firing = GroupFiring(stage: population, dynamics: dynamics, schedule: schedule)
            weighted.groupFiring = firing
            firings[population.node] = firing
        }
        groupFirings = firings
    }

    /// One sample handed to `run`: its values (T slices first under `spikes` encoding) and its position in the data
    /// file (the Poisson encoder's counter).
    struct Sample {
        let values: UnsafePointer<Float>
        let index: Int
    }

    /// Runs up to `lanes` samples side by side; lane i's results are in `tally` and the monitors.
    func run(samples: [Sample]) {
        precondition(!samples.isEmpty && samples.count <= lanes, "1 to \(lanes) samples per run")
        let laneCount = samples.count
        memory.reset()
        tally.reset()
        for lane in 0..<laneCount {
            spikeMonitor.startSample(lane: lane)
            stateMonitor.startSample(lane: lane)
        }
        for groupStart in schedule.groups {
            let steps = schedule.group(startingAt: groupStart)
            for (node, stepper) in steppers.enumerated() {
                if case .weighted(let weighted) = stepper {
                    weighted.run(context, steps: steps, lanes: laneCount, slotsPerGroup: schedule.slotsPerLane)
                    continue
                }
                if let firing = groupFirings[node] {
                    for lane in 0..<laneCount {
                        for step in steps { firing.report(context, lane: lane, step: step, g: step &- groupStart) }
                    }
                    continue
                }
                for lane in 0..<laneCount {
                    if case .population(let population) = stepper,
                       population.step(context, lane: lane, steps: steps, groupStart: groupStart) { continue }
                    for step in steps {
                        let g = step &- groupStart
                        switch stepper {
                        case .input(let input): input.step(context, sample: samples[lane], lane: lane, step: step, g: g)
                        case .population(let population): population.step(context, lane: lane, step: step, g: g)
                        case .rectifier(let rectifier): rectifier.step(context, lane: lane, step: step, g: g)
                        case .threshold(let threshold): threshold.step(context, lane: lane, step: step, g: g)
                        case .output(let output): output.step(context, lane: lane, step: step, g: g)
                        case .delay(let delay): delay.step(context, lane: lane, step: step, g: g)
                        case .weighted, .routing: break
                        }
                    }
                }
            }
        }
    }

    /// Lane `lane`'s traces of the sample it just ran, handed over (the monitors start the next sample afresh).
    func takeTraces(lane: Int) -> SampleTraces {
        var traces = SampleTraces()
        for node in spikeMonitor.tracedNodes {
            switch spikeMonitor.format {
            case .raster:
                traces.spikeRasters[node] = spikeMonitor.takeRaster(lane: lane, node: node)
            case .events:
                (traces.spikeNeurons[node], traces.spikeStepCounts[node]) = spikeMonitor.takeEvents(lane: lane, node: node)
            }
        }
        for node in stateMonitor.recorded.keys { traces.potentials[node] = stateMonitor.values(lane: lane, node: node) }
        return traces
    }
}
