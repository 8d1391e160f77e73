/// A group's inputs to a dense Affine/Linear matrix, gathered so that each weight row is read once for every slot
/// (step × lane) in which its input fired, rather than once per spike.
///
/// A dense matrix is stored transposed (`WeightedKernel.denseMatrix`): an input's row holds its weight to every
/// output. Scattered spike by spike, a layer such as a 4096 → 1024 classifier streams a 4 KB row from memory for
/// every spike of every step; an input that fires in k slots of a group now costs one such read and k adds from the
/// per-core cache.
///
/// Exactness: each output still receives the same additions (`factor × weight`, rounded, then added) in the same
/// order. A slot's inputs are recorded in the order they would have been scattered; a slot whose inputs are strictly
/// ascending (one ascending spike list, as producers list them) is scattered input by input together with the other
/// such slots, which keeps its own order. Any other slot is scattered on its own, in its recorded order.
final class DenseRowGroup {
    private let inputCount: Int
    private let outputCount: Int
    /// Every recorded (input, factor) pair of the group, slot after slot.
    private var inputs: [Int32] = []
    private var factors: [Float] = []
    /// Per recorded slot: where its output starts and where its pairs start in `inputs`.
    private var targets: [UnsafeMutablePointer<Float>] = []
    private var pairStarts: [Int] = []
    /// Per input, then cumulated: where its bucket starts in `bucketTargets`/`bucketFactors`.
    private var bucketStarts: [Int32]
    private var bucketTargets: [UnsafeMutablePointer<Float>] = []
    private var bucketFactors: [Float] = []

    init(inputs: Int, outputs: Int) {
        inputCount = inputs
        outputCount = outputs
        bucketStarts = Array(repeating: 0, count: inputs + 1)
    }

    /// Starts recording the inputs of a slot whose output (already holding its bias, or zero) is `target`.
    func begin(target: UnsafeMutablePointer<Float>) {
        targets.append(target)
        pairStarts.append(inputs.count)
    }

    /// Records one step's spikes of a producer, routed by `route`, for the slot begun last.
    @inline(__always)
    func add(spikes: UnsafeBufferPointer<Int32>, route: SignalRoute) {
        // The common identity route copies the list whole: appending pair by pair from a closure pays a dynamic
        // exclusivity check on each array per spike.
        if route.isIdentity {
            inputs.append(contentsOf: spikes)
            factors.append(contentsOf: repeatElement(1, count: spikes.count))
            return
        }
        route.forEachTarget(ofEach: spikes) { input, factor in
            inputs.append(Int32(truncatingIfNeeded: input))
            factors.append(factor)
        }
    }

    /// Adds every recorded input of the group to its slot's output through the transposed matrix `rows`, then
    /// forgets them.
    func scatter(rows: UnsafePointer<Float>) {
        defer {
            inputs.removeAll(keepingCapacity: true)
            factors.removeAll(keepingCapacity: true)
            targets.removeAll(keepingCapacity: true)
            pairStarts.removeAll(keepingCapacity: true)
        }
        let slotCount = targets.count
        guard slotCount > 0 else { return }
        pairStarts.append(inputs.count)
        let outputs = outputCount
        inputs.withUnsafeBufferPointer { inputs in
            factors.withUnsafeBufferPointer { factors in
                // Which slots list their inputs strictly ascending; the others go alone, in their own order.
                var bucketed = 0
                for slot in 0..<slotCount {
                    let pairs = pairStarts[slot]..<pairStarts[slot &+ 1]
                    if Self.isStrictlyAscending(inputs, pairs) {
                        for pair in pairs { bucketStarts[Int(inputs[pair]) &+ 1] &+= 1 }
                        bucketed &+= pairs.count
                    } else {
                        for pair in pairs {
                            Self.addRow(rows + Int(inputs[pair]) &* outputs, times: factors[pair], into: targets[slot], count: outputs)
                        }
                    }
                }
                guard bucketed > 0 else { return }
                for input in 0..<inputCount { bucketStarts[input &+ 1] &+= bucketStarts[input] }
                if bucketTargets.count < bucketed {
                    bucketTargets = Array(repeating: targets[0], count: bucketed)
                    bucketFactors = Array(repeating: 0, count: bucketed)
                }
                // Fills each bucket by advancing its start; afterwards input j's bucket ends at bucketStarts[j].
                for slot in 0..<slotCount {
                    let pairs = pairStarts[slot]..<pairStarts[slot &+ 1]
                    guard Self.isStrictlyAscending(inputs, pairs) else { continue }
                    for pair in pairs {
                        let input = Int(inputs[pair])
                        let entry = Int(bucketStarts[input])
                        bucketTargets[entry] = targets[slot]
                        bucketFactors[entry] = factors[pair]
                        bucketStarts[input] = Int32(truncatingIfNeeded: entry &+ 1)
                    }
                }
                var start = 0
                for input in 0..<inputCount {
                    let end = Int(bucketStarts[input])
                    if end > start {
                        let row = rows + input &* outputs
                        for entry in start..<end {
                            Self.addRow(row, times: bucketFactors[entry], into: bucketTargets[entry], count: outputs)
                        }
                    }
                    start = end
                }
                for index in 0...inputCount { bucketStarts[index] = 0 }
            }
        }
    }

    private static func isStrictlyAscending(_ inputs: UnsafeBufferPointer<Int32>, _ pairs: Range<Int>) -> Bool {
        guard pairs.count > 1 else { return true }
        for pair in pairs.lowerBound &+ 1..<pairs.upperBound where inputs[pair] <= inputs[pair &- 1] { return false }
        return true
    }

    /// `output[i] += factor × row[i]`: the same expression, element for element, as the spike-by-spike scatter.
    @inline(__always)
    private static func addRow(_ row: UnsafePointer<Float>, times factor: Float, into output: UnsafeMutablePointer<Float>, count: Int) {
        for index in 0..<count { output[index] += factor * row[index] }
    }
}
