/// The summed input of one Affine, Linear or convolution node at one step of one sample, kept element by element
/// so that NeuroBench's synaptic operations can be counted exactly: NeuroBench binarises a layer's input tensor and
/// counts, for every non-zero input element, the non-zero weights it meets; the operations are accumulates when
/// every non-zero element is ±1 (a spike tensor) and multiply-accumulates otherwise (after a pool, or analog input).
/// Spike arrivals alone cannot give this: four spikes into one 2 × 2 pool window are one non-zero pooled value.
final class InputCensus {
    private let sums: UnsafeMutablePointer<Float>
    private let marked: UnsafeMutablePointer<Bool>
    private var touched: [Int32] = []
    private let elements: Int

    init(elements: Int) {
        self.elements = elements
        sums = UnsafeMutablePointer<Float>.allocate(capacity: max(elements, 1))
        sums.initialize(repeating: 0, count: max(elements, 1))
        marked = UnsafeMutablePointer<Bool>.allocate(capacity: max(elements, 1))
        marked.initialize(repeating: false, count: max(elements, 1))
        touched.reserveCapacity(elements)
    }

    deinit {
        sums.deallocate()
        marked.deallocate()
    }

    /// Adds `amount` to input element `element`.
    @inline(__always)
    func add(_ element: Int, _ amount: Float) {
        if !marked[element] {
            marked[element] = true
            touched.append(Int32(element))
        }
        sums[element] += amount
    }

    /// The non-zero weights met by the non-zero elements (`taps` per element), and whether every non-zero element
    /// was −1 or 1; then starts the next step empty.
    func drain(taps: UnsafePointer<Int32>) -> (operations: Int, binary: Bool) {
        var operations = 0
        var binary = true
        for entry in touched {
            let element = Int(entry)
            let value = sums[element]
            if value != 0 {
                operations &+= Int(taps[element])
                if value != 1 && value != -1 { binary = false }
            }
            sums[element] = 0
            marked[element] = false
        }
        touched.removeAll(keepingCapacity: true)
        return (operations, binary)
    }
}
