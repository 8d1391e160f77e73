import CostAnalysis
import Dispatch
import NetworkModel

/// The per-node work of planning a weighted node (its synaptic taps and its weight layout, most of the planning
/// time of a convolutional network), done for all weighted nodes at once on every core: each depends only on its
/// node and shapes, and each is built into an arena of its own.
struct WeightedLayouts {
    /// By node index; nil for nodes without weights.
    let layouts: [(taps: [Int], kernel: WeightedKernel)?]
    let arenas: [BufferArena]

    init(network: Network) {
        let nodes = network.nodes.indices.filter {
            switch network.nodes[$0].kind {
            case .affine, .linear, .convolution, .scale: return true
            default: return false
            }
        }
        // Largest first, so that the last node a core takes is a small one.
        let order = nodes.sorted { Self.cost(network, $0) > Self.cost(network, $1) }
        let arenas = order.map { _ in BufferArena() }
        let built = UnsafeMutableBufferPointer<(taps: [Int], kernel: WeightedKernel)?>.allocate(capacity: order.count)
        built.initialize(repeating: nil)
        defer { built.deallocate() }
        nonisolated(unsafe) let slots = built  // each iteration writes only its own slot
        DispatchQueue.concurrentPerform(iterations: order.count) { position in
            let index = order[position]
            let node = network.nodes[index]
            let inputShape = network.inputShapes[index], outputShape = network.outputShapes[index]
            slots[position] = (SynapticTaps.perInputElement(of: node, inputShape: inputShape, outputShape: outputShape) ?? [],
                               WeightedKernel(node: node, inputShape: inputShape, outputShape: outputShape, arena: arenas[position]))
        }
        var layouts = [(taps: [Int], kernel: WeightedKernel)?](repeating: nil, count: network.nodes.count)
        for (position, index) in order.enumerated() { layouts[index] = built[position] }
        self.layouts = layouts
        self.arenas = arenas
    }

    /// Work of a node's layout, roughly: its weights and its output size.
    private static func cost(_ network: Network, _ index: Int) -> Int {
        (network.nodes[index].kind.weight?.count ?? 0) + network.outputShapes[index].reduce(1, *)
    }
}
