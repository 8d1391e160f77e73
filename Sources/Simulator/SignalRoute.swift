import CostAnalysis
import NetworkModel

/// How a producer's output elements reach a consumer's input elements through routing nodes (Flatten,
/// pools). Folding the routing into one sparse map lets a spike go straight to the weights it meets,
/// instead of materialising every pool's output each step.
struct SignalRoute: Sendable {
    /// True when element `i` reaches element `i` with factor 1 (only Flatten on the way).
    let isIdentity: Bool
    /// CSR over producer elements: `offsets[i]..<offsets[i+1]` index `targets` and `factors`.
    let offsets: ImmutableBuffer<Int32>?
    let targets: ImmutableBuffer<Int32>?
    /// 1 through sum pools, 1/(kH·kW) per average pool.
    let factors: ImmutableBuffer<Float>?
    /// True when every producer element reaches exactly one element, its own entry (`offsets[i] == i`): a pool whose
    /// windows tile its input, straight after the producer. Its targets and factors are then indexed by the element.
    let oneTargetEach: Bool

    init(isIdentity: Bool, offsets: ImmutableBuffer<Int32>?, targets: ImmutableBuffer<Int32>?, factors: ImmutableBuffer<Float>?) {
        self.isIdentity = isIdentity
        self.offsets = offsets
        self.targets = targets
        self.factors = factors
        if let offsets, let targets, targets.count == offsets.count - 1 {
            let starts = offsets.pointer
            oneTargetEach = (0..<offsets.count).allSatisfy { starts[$0] == Int32($0) }
        } else {
            oneTargetEach = false
        }
    }

    static func identity(count: Int) -> SignalRoute {
        SignalRoute(isIdentity: true, offsets: nil, targets: nil, factors: nil)
    }

    /// This route followed by the routing node `node` (input shape → output shape).
    func through(_ node: Node, inputShape: [Int], outputShape: [Int], producerCount: Int, arena: BufferArena) -> SignalRoute {
        let pool: PoolingParameters
        let factor: Float
        switch node.kind {
        case .flatten:
            return self
        case .sumPool2d(let parameters):
            pool = parameters
            factor = 1
        case .avgPool2d(let parameters):
            pool = parameters
            factor = 1 / Float(parameters.windowSize)
        default:
            return self
        }
        let poolInputs = inputShape.reduce(1, *)
        let (windowStarts, windows) = Self.windowMap(pool, inputShape: inputShape, outputShape: outputShape)
        // Straight from the producer (the usual case: a pool right after a population), the composed route is the
        // pool's own map, each factor 1 · `factor`: stored as it is, without composing it entry by entry.
        if isIdentity && producerCount == poolInputs {
            return SignalRoute(isIdentity: false, offsets: arena.store(windowStarts), targets: arena.store(windows),
                               factors: arena.store(count: windows.count) { $0.initialize(repeating: factor) })
        }
        // The composed route's size, to fill it without growing.
        var total = 0
        for element in 0..<producerCount {
            forEachTarget(of: element) { middle, _ in total += Int(windowStarts[middle + 1] - windowStarts[middle]) }
        }
        var offsets: [Int32] = [0]
        var targets: [Int32] = []
        var factors: [Float] = []
        offsets.reserveCapacity(producerCount + 1)
        targets.reserveCapacity(total)
        factors.reserveCapacity(total)
        for element in 0..<producerCount {
            forEachTarget(of: element) { middle, middleFactor in
                for window in Int(windowStarts[middle])..<Int(windowStarts[middle + 1]) {
                    targets.append(windows[window])
                    factors.append(middleFactor * factor)
                }
            }
            offsets.append(Int32(targets.count))
        }
        return SignalRoute(isIdentity: false, offsets: arena.store(offsets), targets: arena.store(targets), factors: arena.store(factors))
    }

    /// The pool's own map, pool input element -> pooled positions whose window holds it, as a CSR (`starts` has one
    /// entry per input element and one more), each element's positions in the order of `forEachWindowMember`.
    static func windowMap(_ pool: PoolingParameters, inputShape: [Int], outputShape: [Int]) -> (starts: [Int32], windows: [Int32]) {
        let poolInputs = inputShape.reduce(1, *)
        var starts = [Int32](repeating: 0, count: poolInputs + 1)
        if inputShape.count == 3, outputShape.count == 3, pool.kernelSize.count == 2, pool.stride == pool.kernelSize,
           pool.padding.allSatisfy({ $0 == 0 }) {
            // Windows that tile the input without overlap or padding (the usual 2 × 2, stride 2): element (c, y, x)
            // is in window (c, y / kH, x / kW) when that window exists, else in none; one pass in element order.
            let (channels, height, width) = (inputShape[0], inputShape[1], inputShape[2])
            let (outHeight, outWidth) = (outputShape[1], outputShape[2])
            let (kh, kw) = (pool.kernelSize[0], pool.kernelSize[1])
            var windows: [Int32] = []
            windows.reserveCapacity(poolInputs)
            var input = 0
            for channel in 0..<channels {
                for y in 0..<height {
                    let py = y / kh
                    for x in 0..<width {
                        let px = x / kw
                        if py < outHeight && px < outWidth { windows.append(Int32((channel * outHeight + py) * outWidth + px)) }
                        input += 1
                        starts[input] = Int32(windows.count)
                    }
                }
            }
            return (starts, windows)
        }
        // Any other pool: two passes over the windows (a list per input element cost an allocation per element of a
        // large layer).
        SpikeRouting.forEachWindowMember(pool, inputShape: inputShape, outputShape: outputShape) { input, _ in
            starts[input + 1] += 1
        }
        for input in 0..<poolInputs { starts[input + 1] += starts[input] }
        var windows = [Int32](repeating: 0, count: Int(starts[poolInputs]))
        var filled = Array(starts.dropLast())
        SpikeRouting.forEachWindowMember(pool, inputShape: inputShape, outputShape: outputShape) { input, output in
            windows[Int(filled[input])] = Int32(output)
            filled[input] += 1
        }
        return (starts, windows)
    }

    /// Calls `body(target, factor)` for every element each listed producer element reaches, in list order.
    @inline(__always)
    func forEachTarget(ofEach elements: UnsafeBufferPointer<Int32>, _ body: (Int, Float) -> Void) {
        if isIdentity {
            for element in elements { body(Int(element), 1) }
            return
        }
        let offsets = offsets!.pointer, targets = targets!.pointer, factors = factors!.pointer
        for element in elements {
            for entry in Int(offsets[Int(element)])..<Int(offsets[Int(element) &+ 1]) {
                body(Int(targets[entry]), factors[entry])
            }
        }
    }

    /// Calls `body(target, factor)` for every element producer element `element` reaches.
    @inline(__always)
    func forEachTarget(of element: Int, _ body: (Int, Float) -> Void) {
        if isIdentity {
            body(element, 1)
            return
        }
        let offsets = offsets!, targets = targets!, factors = factors!
        for entry in Int(offsets[element])..<Int(offsets[element + 1]) {
            body(Int(targets[entry]), factors[entry])
        }
    }
}

/// One path from a producer node (not a routing node) to a consumer's input.
struct Projection: Sendable {
    /// Node index of the producer.
    let producer: Int
    /// Whether the producer emits binary spikes (otherwise analog values, counted as MACs downstream).
    let carriesSpikes: Bool
    let route: SignalRoute
    /// For spike projections: per producer element, the synaptic operations one spike causes at the consumer.
    let synopsPerSpike: ImmutableBuffer<Int>
}
