/// NIR Delay: element k's output at step t is its summed input at step t − delays[k] (zero before), from a ring
/// of the last `span + 1` steps' inputs; passed on as spikes when its inputs are unrouted spikes.
struct DelayStep {
    let stage: Stage
    let delays: ImmutableBuffer<Int32>
    let span: Int
    let passesSpikes: Bool

    func step(_ context: StepContext, lane: Int, step: Int, g: Int) {
        let memory = context.memory
        let input = context.gatherInput(stage, lane: lane, step: step, g: g)
        let length = stage.inputCount
        let line = memory.delayLines[stage.node]! + lane &* (span &+ 1) &* length
        (line + (step % (span &+ 1)) &* length).update(from: input, count: length)
        let spikes = passesSpikes ? memory.spikes(stage.node, lane: lane, g: g) : nil
        spikes?.removeAll()
        let target = passesSpikes ? nil : memory.output(stage.node, lane: lane, g: g)
        for element in 0..<length {
            let delay = Int(delays[element])
            let value = step >= delay ? line[((step &- delay) % (span &+ 1)) &* length &+ element] : 0
            if let target {
                target[element] = value
            } else if value > 0 {
                // Unrouted spikes sum to whole counts.
                spikes!.append(Int32(element), times: Int(value))
            }
        }
    }
}
