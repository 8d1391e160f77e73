/// A group's routed spike inputs of a sparse convolution, per input element and step of the group (at most eight):
/// an element that receives spikes at several steps walks its synapses once and adds its step values eight lanes at
/// a time to an output laid out (element, step), instead of once per step. In a converted network a neuron that
/// fires in a group fires at two or three of its eight steps. Per worker and node, allocated once.
final class SteppedInputs {
    /// Per input element: its value at each step of the group (lanes past the group's last step stay zero).
    private let values: UnsafeMutablePointer<SIMD8<Float>>
    /// One byte per input element, 1 when it received something this group (a byte, not a bit: consecutive spikes
    /// would chain read-modify-writes of one word), read eight at a time by `drain`.
    private let touched: UnsafeMutablePointer<UInt64>
    private let wordCount: Int

    init(elements: Int) {
        values = .allocate(capacity: max(elements, 1))
        values.initialize(repeating: .zero, count: max(elements, 1))
        wordCount = (elements + 7) / 8
        touched = .allocate(capacity: max(wordCount, 1))
        touched.initialize(repeating: 0, count: max(wordCount, 1))
    }

    deinit {
        values.deallocate()
        touched.deallocate()
    }

    /// Adds `amount` to input element `element` at the group's step `step`.
    @inline(__always)
    func add(element: Int, step: Int, amount: Float) {
        UnsafeMutableRawPointer(values).assumingMemoryBound(to: Float.self)[element &* 8 &+ step] += amount
        UnsafeMutableRawPointer(touched).storeBytes(of: UInt8(1), toByteOffset: element, as: UInt8.self)
    }

    /// Calls `body(element, step values)` for every element added since the last call, in increasing order (so
    /// channels only move forward), and clears.
    @inline(__always)
    func drain(_ body: (Int, SIMD8<Float>) -> Void) {
        for word in 0..<wordCount where touched[word] != 0 {
            var bits = touched[word]
            touched[word] = 0
            while bits != 0 {
                let byte = bits.trailingZeroBitCount &>> 3
                bits &= ~(UInt64(0xFF) &<< UInt64(byte &* 8))
                let element = word &* 8 &+ byte
                body(element, values[element])
                values[element] = .zero
            }
        }
    }
}
