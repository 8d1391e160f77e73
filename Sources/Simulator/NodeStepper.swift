/// One node's step, by kind, with its parameters resolved once per worker.
enum NodeStepper {
    case input(InputStep)
    /// Weighted nodes run a whole group of steps in every lane at once.
    case weighted(WeightedStep)
    case population(PopulationStep)
    case rectifier(RectifierStep)
    case threshold(ThresholdStep)
    case output(OutputStep)
    case delay(DelayStep)
    /// Flatten and pools: folded into their consumers' projections.
    case routing

    init(_ stage: Stage, plan: SimulationPlan, schedule: WorkerSchedule) {
        switch stage.kind {
        case .input:
            self = .input(InputStep(stage: stage, encoding: plan.options.encoding, seed: plan.options.seed))
        case .weighted(let kernel, let bias, let biasAdds, let taps):
            self = .weighted(WeightedStep(stage: stage, kernel: kernel, bias: bias, biasAdds: biasAdds, taps: taps,
                                          plan: plan, lanes: schedule.lanes, stepsPerGroup: schedule.stepsPerGroup))
        case .population(let dynamics):
            self = .population(PopulationStep(stage: stage, dynamics: dynamics,
                                              copiesPotential: !dynamics.model.emitsSpikes && schedule.stepsPerGroup > 1))
        case .rectifier(let inverseThreshold):
            self = .rectifier(RectifierStep(stage: stage, inverseThreshold: inverseThreshold))
        case .threshold(let thresholds):
            self = .threshold(ThresholdStep(stage: stage, thresholds: thresholds, strict: plan.options.thresholdComparison == .gt))
        case .output:
            self = .output(OutputStep(stage: stage, isReadout: stage.node == plan.readoutNode))
        case .delay(let delays, let span, let passesSpikes):
            self = .delay(DelayStep(stage: stage, delays: delays, span: span, passesSpikes: passesSpikes))
        case .routing:
            self = .routing
        }
    }
}
