/// Records chosen neurons' membrane potentials after each step of their population (after its update and reset),
/// per lane, apart from the state update.
final class StateMonitor {
    /// Population node → the neurons (flat indices) to record.
    let recorded: [Int: [Int]]
    /// Per lane, the sample's recorded potentials: per node, steps × selected neurons.
    private var samples: [[Int: [Float]]]

    init(recorded: [Int: [Int]], lanes: Int) {
        self.recorded = recorded
        samples = Array(repeating: [:], count: lanes)
    }

    var isEmpty: Bool { recorded.isEmpty }

    func startSample(lane: Int) { samples[lane] = [:] }

    /// Records `node`'s selected neurons of `state` (the lane's potentials), if the node is recorded.
    @inline(__always)
    func record(_ state: UnsafePointer<Float>, node: Int, lane: Int) {
        guard let neurons = recorded[node] else { return }
        for neuron in neurons { samples[lane][node, default: []].append(state[neuron]) }
    }

    /// Lane `lane`'s recorded potentials of `node` for the sample just run.
    func values(lane: Int, node: Int) -> [Float] { samples[lane][node] ?? [] }
}
