/// Records the positive summed inputs of chosen nodes, every step of every sample (threshold calibration), and
/// optionally counts every spiking neuron's spikes (core mapping); both summed over the worker's samples until taken.
final class InputProbe {
    /// Nodes whose positive summed inputs are recorded.
    let probedNodes: Set<Int>
    let countsSpikesPerNeuron: Bool
    private var inputs: [Int: [Float]] = [:]
    private var spikesPerNeuron: [Int: [Int]] = [:]

    init(probedNodes: Set<Int>, countsSpikesPerNeuron: Bool) {
        self.probedNodes = probedNodes
        self.countsSpikesPerNeuron = countsSpikesPerNeuron
    }

    @inline(__always)
    func record(_ input: UnsafePointer<Float>, _ stage: Stage) {
        guard !probedNodes.isEmpty, probedNodes.contains(stage.node) else { return }
        for element in 0..<stage.inputCount where input[element] > 0 {
            inputs[stage.node, default: []].append(input[element])
        }
    }

    @inline(__always)
    func count(_ spikes: SpikeList, _ stage: Stage) {
        guard countsSpikesPerNeuron else { return }
        let node = stage.node
        if spikesPerNeuron[node] == nil { spikesPerNeuron[node] = Array(repeating: 0, count: stage.outputCount) }
        for spike in spikes.buffer { spikesPerNeuron[node]![Int(spike)] += 1 }
    }

    /// Hands over the recorded inputs and starts afresh.
    func takeInputs() -> [Int: [Float]] {
        defer { inputs = [:] }
        return inputs
    }

    /// Hands over the per-neuron spike counts and starts afresh.
    func takeSpikesPerNeuron() -> [Int: [Int]] {
        defer { spikesPerNeuron = [:] }
        return spikesPerNeuron
    }
}
