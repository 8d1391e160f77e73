import NetworkModel

/// Nodes a spike passes through without a synaptic operation: Flatten and Delay (identity on flat indices)
/// and the pools (a spike enters every pooled position whose window holds it; a sum or average pool
/// then a weighted layer is folded into the scatter, so each spike reaches the taps of its pooled positions).
public enum SpikeRouting {
    /// Pulls per-output-element values back to the input: input element i gets the sum over the output
    /// elements it routes to. Nil when the node is not a routing node.
    static func pullBack(_ perOutput: [Int], through node: Node, inputShape: [Int], outputShape: [Int]) -> [Int]? {
        switch node.kind {
        case .flatten, .delay:
            return perOutput
        case .sumPool2d(let pool), .avgPool2d(let pool):
            var perInput = [Int](repeating: 0, count: inputShape.reduce(1, *))
            forEachWindowMember(pool, inputShape: inputShape, outputShape: outputShape) { input, output in
                perInput[input] += perOutput[output]
            }
            return perInput
        default:
            return nil
        }
    }

    /// Pushes per-input-element counts forward: output element o gets the sum over the inputs routed to it.
    static func pushForward(_ perInput: [Int], through node: Node, inputShape: [Int], outputShape: [Int]) -> [Int]? {
        switch node.kind {
        case .flatten, .delay:
            return perInput
        case .sumPool2d(let pool), .avgPool2d(let pool):
            var perOutput = [Int](repeating: 0, count: outputShape.reduce(1, *))
            forEachWindowMember(pool, inputShape: inputShape, outputShape: outputShape) { input, output in
                perOutput[output] += perInput[input]
            }
            return perOutput
        default:
            return nil
        }
    }

    /// Calls `body(inputIndex, outputIndex)` for every input element inside every pooling window (padding skipped).
    /// Inlinable, so that the planner's passes over a large pool's windows get `body` inlined rather than called per
    /// member (about a third of building the VGG-16's pool routes).
    @inlinable
    public static func forEachWindowMember(_ pool: PoolingParameters, inputShape: [Int], outputShape: [Int],
                                    _ body: (Int, Int) -> Void) {
        let channels = inputShape[0], height = inputShape[1], width = inputShape[2]
        let outHeight = outputShape[1], outWidth = outputShape[2]
        for channel in 0..<channels {
            for py in 0..<outHeight {
                for px in 0..<outWidth {
                    let output = (channel * outHeight + py) * outWidth + px
                    for dy in 0..<pool.kernelSize[0] {
                        let y = py * pool.stride[0] - pool.padding[0] + dy
                        guard y >= 0, y < height else { continue }
                        for dx in 0..<pool.kernelSize[1] {
                            let x = px * pool.stride[1] - pool.padding[1] + dx
                            guard x >= 0, x < width else { continue }
                            body((channel * height + y) * width + x, output)
                        }
                    }
                }
            }
        }
    }
}
