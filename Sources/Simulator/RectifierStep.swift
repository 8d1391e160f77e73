/// The ANN view of an IF population: `max(0, input) / θ`.
struct RectifierStep {
    let stage: Stage
    let inverseThreshold: ImmutableBuffer<Float>

    func step(_ context: StepContext, lane: Int, step: Int, g: Int) {
        let input = context.gatherInput(stage, lane: lane, step: step, g: g)
        context.probe.record(input, stage)
        let output = context.memory.output(stage.node, lane: lane, g: g)
        for element in 0..<stage.outputCount { output[element] = max(0, input[element]) * inverseThreshold[element] }
    }
}
