import CostAnalysis
import NetworkModel

/// The synaptic work of a weighted node, laid out for scattering one input element at a time:
/// a spike (or a non-zero analog value) at input `j` adds `scale × w` to every output its non-zero weights reach.
enum WeightedKernel: Sendable {
    /// Affine/Linear stored transposed and dense: row `j` holds the weights from input `j` to every output.
    case denseMatrix(transposed: ImmutableBuffer<Float>, outputs: Int)
    /// Affine/Linear stored as compressed columns: only the non-zero weights from input `j`.
    case sparseMatrix(columnStarts: ImmutableBuffer<Int32>, rows: ImmutableBuffer<Int32>, values: ImmutableBuffer<Float>)
    case convolution(ConvolutionScatter)
    /// Elementwise: output `j` gets `scale × s[j]`.
    case elementwise(ImmutableBuffer<Float>)

    /// Dense storage wins above this fraction of non-zeros (adding a zero changes nothing, and is cheaper than an index).
    static let denseStorageDensity = 0.25

    init(node: Node, inputShape: [Int], outputShape: [Int], arena: BufferArena) {
        switch node.kind {
        case .affine(let weight, _), .linear(let weight):
            let outputs = weight.shape[0], inputs = weight.shape[1]
            let density = Double(weight.nonZeroCount) / Double(max(weight.count, 1))
            if density > Self.denseStorageDensity {
                let values = weight.floatValues
                let transposed = arena.store(count: inputs * outputs) { transposed in
                    values.withUnsafeBufferPointer { values in
                        // In blocks of 32 × 32 so that both the reads and the writes stay in cache.
                        let block = 32
                        for rowStart in stride(from: 0, to: outputs, by: block) {
                            for columnStart in stride(from: 0, to: inputs, by: block) {
                                for row in rowStart..<min(rowStart + block, outputs) {
                                    for column in columnStart..<min(columnStart + block, inputs) {
                                        transposed[column &* outputs &+ row] = values[row &* inputs &+ column]
                                    }
                                }
                            }
                        }
                    }
                }
                self = .denseMatrix(transposed: transposed, outputs: outputs)
            } else {
                // Columns of rows in ascending order, by a counting sort over the non-zeros in memory (row-major)
                // order: a column-by-column walk strides through the whole matrix for every column. The Float values
                // decide (a float64 weight too small for Float is a zero here), narrowed from the value handed over,
                // so that a pruned weight kept as its non-zeros is never made dense.
                var starts = [Int32](repeating: 0, count: inputs + 1)
                weight.forEachNonZero { index, value in if Float(value) != 0 { starts[index % inputs + 1] += 1 } }
                for column in 0..<inputs { starts[column + 1] += starts[column] }
                var cursor = Array(starts.dropLast())
                var rows = [Int32](repeating: 0, count: Int(starts[inputs])), nonZeros = [Float](repeating: 0, count: Int(starts[inputs]))
                weight.forEachNonZero { index, value in
                    let narrowed = Float(value)
                    guard narrowed != 0 else { return }
                    let column = index % inputs
                    let entry = Int(cursor[column])
                    cursor[column] += 1
                    rows[entry] = Int32(index / inputs)
                    nonZeros[entry] = narrowed
                }
                self = .sparseMatrix(columnStarts: arena.store(starts), rows: arena.store(rows), values: arena.store(nonZeros))
            }
        case .convolution(let conv):
            self = .convolution(ConvolutionScatter(conv, inputShape: inputShape, outputShape: outputShape, arena: arena))
        case .scale(let scale):
            let broadcast = (try? scale.broadcast(to: inputShape)) ?? scale.doubleValues
            self = .elementwise(arena.store(broadcast.map { Float($0) }))
        default:
            self = .elementwise(arena.store([Float]()))
        }
    }

    /// Calls `body` with every output element a non-zero weight from input element `input` reaches.
    func forEachTarget(input: Int, _ body: (Int) -> Void) {
        switch self {
        case .denseMatrix(let transposed, let outputs):
            let row = transposed.pointer + input * outputs
            for index in 0..<outputs where row[index] != 0 { body(index) }
        case .sparseMatrix(let starts, let rows, _):
            for entry in Int(starts[input])..<Int(starts[input + 1]) { body(Int(rows[entry])) }
        case .convolution(let scatter):
            scatter.forEachTarget(input: input, body)
        case .elementwise(let values):
            if values[input] != 0 { body(input) }
        }
    }

    /// Whether `scatter` writes channels-last (dense convolutions); the caller transposes to (C, H, W) afterwards.
    var writesChannelsLast: Bool {
        if case .convolution(let scatter) = self { return scatter.writesChannelsLast }
        return false
    }

    /// Adds one step's spikes of a producer, routed by `route`, to `output`. The kernel's kind is decided once
    /// for the whole list rather than once per spike.
    func scatter(spikes: UnsafeBufferPointer<Int32>, route: SignalRoute, into output: UnsafeMutablePointer<Float>) {
        switch self {
        case .convolution(let convolution):
            convolution.scatter(spikes: spikes, route: route, into: output)
        case .denseMatrix(let transposed, let outputs):
            route.forEachTarget(ofEach: spikes) { input, factor in
                let row = transposed.pointer + input &* outputs
                for index in 0..<outputs { output[index] += factor * row[index] }
            }
        case .sparseMatrix(let starts, let rows, let values):
            route.forEachTarget(ofEach: spikes) { input, factor in
                for entry in Int(starts[input])..<Int(starts[input &+ 1]) { output[Int(rows[entry])] += factor * values[entry] }
            }
        case .elementwise(let values):
            route.forEachTarget(ofEach: spikes) { input, factor in output[input] += factor * values[input] }
        }
    }

    /// Adds the contribution of input element `input` with value `scale` to `output`.
    @inline(__always)
    func scatter(input: Int, scale: Float, into output: UnsafeMutablePointer<Float>) {
        switch self {
        case .denseMatrix(let transposed, let outputs):
            let row = transposed.pointer + input * outputs
            for index in 0..<outputs { output[index] += scale * row[index] }
        case .sparseMatrix(let starts, let rows, let values):
            for entry in Int(starts[input])..<Int(starts[input + 1]) {
                output[Int(rows[entry])] += scale * values[entry]
            }
        case .convolution(let scatter):
            scatter.scatter(input: input, scale: scale, into: output)
        case .elementwise(let values):
            output[input] += scale * values[input]
        }
    }
}
