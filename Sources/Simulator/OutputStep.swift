/// NIR Output: the readout node sums its input over the steps; the prediction after each step is the arg max.
struct OutputStep {
    let stage: Stage
    let isReadout: Bool

    func step(_ context: StepContext, lane: Int, step: Int, g: Int) {
        let input = context.gatherInput(stage, lane: lane, step: step, g: g)
        guard isReadout else { return }
        let count = context.memory.readoutCount
        let sums = context.memory.readout + lane &* count
        for element in 0..<count { sums[element] += input[element] }
        var best = 0
        for element in 1..<max(count, 1) where sums[element] > sums[best] { best = element }
        context.tally.predictions[lane][step] = best
    }
}
