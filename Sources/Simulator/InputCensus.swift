/// The summed input of one Affine, Linear or convolution node at one step of one sample, kept element by element
/// so that NeuroBench's synaptic operations can be counted exactly: NeuroBench binarises a layer's input tensor and
/// counts, for every non-zero input element, the non-zero weights it meets; the operations are accumulates when
/// every non-zero element is ±1 (a spike tensor) and multiply-accumulates otherwise (after a pool, or analog input).
/// Spike arrivals alone cannot give this: four spikes into one 2 × 2 pool window are one non-zero pooled value.
final class InputCensus {
    private let sums: UnsafeMutablePointer<Float>
    private let marked: UnsafeMutablePointer<Bool>
    /// The elements touched since the last drain, each once (so `elements` entries suffice); a plain buffer, not
    /// an array: an array's append checks its uniqueness on every call, once per spike reaching the node.
    private let touched: UnsafeMutablePointer<Int32>
    private var touchedCount = 0
    private let elements: Int

    init(elements: Int) {
        self.elements = elements
        sums = UnsafeMutablePointer<Float>.allocate(capacity: max(elements, 1))
        sums.initialize(repeating: 0, count: max(elements, 1))
        marked = UnsafeMutablePointer<Bool>.allocate(capacity: max(elements, 1))
        marked.initialize(repeating: false, count: max(elements, 1))
        touched = UnsafeMutablePointer<Int32>.allocate(capacity: max(elements, 1))
    }

    deinit {
        sums.deallocate()
        marked.deallocate()
        touched.deallocate()
    }

    /// Adds `amount` to input element `element`.
    @inline(__always)
    func add(_ element: Int, _ amount: Float) {
        if !marked[element] {
            marked[element] = true
            touched[touchedCount] = Int32(truncatingIfNeeded: element)
            touchedCount &+= 1
        }
        sums[element] += amount
    }

    /// The census of a node whose only input is one spike list through an identity route, without summing: each
    /// listed element's value is its number of listings, so it counts once (`taps` operations) and is binary unless
    /// listed twice. Spike lists are ascending, so repeats are adjacent; the census is nil if this list is not (then
    /// sum as usual). In the same walk, the synaptic operations of the spikes (`synopsPerSpike` per element; 0
    /// without it): one pass over the list instead of two.
    @inline(__always)
    static func countListed(_ spikes: UnsafeBufferPointer<Int32>, taps: UnsafePointer<Int32>, synopsPerSpike: UnsafePointer<Int>?)
        -> (synops: Int, census: (operations: Int, binary: Bool)?) {
        var synops = 0
        var operations = 0
        var repeats = false, ordered = true
        var previous: Int32 = -1
        for spike in spikes {
            if let synopsPerSpike { synops &+= synopsPerSpike[Int(spike)] }
            if spike > previous {
                operations &+= Int(taps[Int(spike)])
            } else if spike == previous {
                repeats = true
            } else {
                ordered = false
            }
            previous = spike
        }
        return (synops, ordered ? (operations, !repeats) : nil)
    }

    /// The non-zero weights met by the non-zero elements (`taps` per element), and whether every non-zero element
    /// was −1 or 1; then starts the next step empty.
    func drain(taps: UnsafePointer<Int32>) -> (operations: Int, binary: Bool) {
        var operations = 0
        var binary = true
        for index in 0..<touchedCount {
            let element = Int(touched[index])
            let value = sums[element]
            if value != 0 {
                operations &+= Int(taps[element])
                if value != 1 && value != -1 { binary = false }
            }
            sums[element] = 0
            marked[element] = false
        }
        touchedCount = 0
        return (operations, binary)
    }
}
