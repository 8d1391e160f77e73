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
        elements = .allocate(capacity: max(capacity, 1))
    }

    deinit {
        values.deallocate()
        touched.deallocate()
        elements.deallocate()
    }

    @inline(__always)
    func add(element: Int, amount: Float) {
        if !touched[element] {
            touched[element] = true
            elements[count] = Int32(truncatingIfNeeded: element)
            count &+= 1
        }
        values[element] += amount
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
