/// One step's routed spike inputs of a sparse convolution, summed per input element before the scatter: through a
/// pool, several spikes of a window reach the same element, and one pass through its synapses with the summed
/// value replaces one pass per spike. Per worker and node, allocated once; elements keep their first-arrival order.
final class MergedInputs {
    private let values: UnsafeMutablePointer<Float>
    private let touched: UnsafeMutablePointer<Bool>
    let elements: UnsafeMutablePointer<Int32>
    private(set) var count = 0

    init(elements capacity: Int) {
        values = .allocate(capacity: max(capacity, 1))
        values.initialize(repeating: 0, count: max(capacity, 1))
        touched = .allocate(capacity: max(capacity, 1))
        touched.initialize(repeating: false, count: max(capacity, 1))
        elements = .allocate(capacity: max(capacity, 1) + 1)  // + the slot a repeated element is written to
    }

    deinit {
        values.deallocate()
        touched.deallocate()
        elements.deallocate()
    }

    /// Adds every element a step's spikes reach through `route`, in the route's order. Branch-free: the element is
    /// always written at the end of the list, which only grows when it is new (whether a pooled element is new is a
    /// coin toss the branch predictor loses). The list length is held in a register: as a stored property it was
    /// loaded and stored for every element, a chain of store-to-load forwards.
    @inline(__always)
    func add(spikes: UnsafeBufferPointer<Int32>, route: SignalRoute) {
        let values = values, touched = touched, elements = elements
        var listed = count
        route.forEachTarget(ofEach: spikes) { element, amount in
            elements[listed] = Int32(truncatingIfNeeded: element)
            listed &+= touched[element] ? 0 : 1
            touched[element] = true
            values[element] += amount
        }
        count = listed
    }

    /// NeuroBench's census of the summed values added since the last drain (see `InputCensus`): the non-zero weights
    /// (`taps` per element) met by the non-zero elements, and whether every non-zero element is −1 or 1. When every
    /// input of the node arrives through this merge, its sums are the census's sums, added in the same order.
    func census(taps: UnsafePointer<Int32>) -> (operations: Int, binary: Bool) {
        var operations = 0
        var binary = true
        for index in 0..<count {
            let element = Int(elements[index])
            let value = values[element]
            if value != 0 {
                operations &+= Int(taps[element])
                if value != 1 && value != -1 { binary = false }
            }
        }
        return (operations, binary)
    }

    /// Calls `body(element, summed value)` for every element added since the last call, in arrival order, and clears.
    @inline(__always)
    func drain(_ body: (Int, Float) -> Void) {
        for index in 0..<count {
            let element = Int(elements[index])
            body(element, values[element])
            values[element] = 0
            touched[element] = false
        }
        count = 0
    }
}
