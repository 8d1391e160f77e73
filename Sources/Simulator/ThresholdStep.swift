/// NIR Threshold: a spike wherever the summed input reaches the threshold (no state).
struct ThresholdStep {
    let stage: Stage
    let thresholds: ImmutableBuffer<Float>
    let strict: Bool

    func step(_ context: StepContext, lane: Int, step: Int, g: Int) {
        let input = context.gatherInput(stage, lane: lane, step: step, g: g)
        let spikes = context.memory.spikes(stage.node, lane: lane, g: g)
        spikes.removeAll()
        for element in 0..<stage.outputCount {
            let value = input[element], theta = thresholds[element]
            if strict ? value > theta : value >= theta { spikes.append(Int32(element)) }
        }
        context.spiked(spikes, stage, lane: lane, step: step)
    }
}
