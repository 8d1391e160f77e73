/// The Input node: presents a sample's values under the run's encoding (direct values once, Poisson spikes drawn
/// from the sample's counter, or the file's own 0/1 spikes).
struct InputStep {
    let stage: Stage
    let encoding: InputEncoding
    let seed: UInt64

    func step(_ context: StepContext, sample: SampleWorker.Sample, lane: Int, step: Int, g: Int) {
        let node = stage.node
        let count = stage.outputCount
        switch encoding {
        case .direct:
            if step == 0 { context.memory.output(node, lane: lane, g: 0).update(from: sample.values, count: count) }
        case .poisson:
            let spikes = context.memory.spikes(node, lane: lane, g: g)
            spikes.removeAll()
            let key = PoissonEncoder.stepKey(seed: seed, sample: sample.index, step: step)
            for element in 0..<count where PoissonEncoder.spikes(stepKey: key, element: element, value: sample.values[element]) {
                spikes.append(Int32(element))
            }
        case .spikes:
            let spikes = context.memory.spikes(node, lane: lane, g: g)
            spikes.removeAll()
            let slice = sample.values + step * count
            for element in 0..<count where slice[element] != 0 { spikes.append(Int32(element)) }
        }
    }
}
