internal import CKernels

/// The spike inputs of a dense matrix (Affine/Linear stored as `WeightedKernel.denseMatrix`) over every slot of a
/// group (each lane's steps), summed per input element within each slot and then added input by input: a weight
/// row is read from memory once for all the slots its input was active in, instead of once per spike (a VGG's first
/// fully connected layer holds 16 MB, so each read came from the last-level cache or memory). Through a pool, the
/// spikes of a window reach the same input, and their factors are summed before the one multiplication, as the
/// framework computes it (the pool, then the matrix product). Per slot and output, products are added in ascending
/// input order, which for a spike list through an identity route is the list's own order. Per worker and node,
/// allocated once.
final class MatrixGroupInputs {
    /// Slots per group this can hold (one bit each in a per-input mask).
    static let maximumSlots = UInt64.bitWidth

    let inputs: Int
    let slots: Int
    /// Summed value per (slot, input), slot-major; zero outside the group being collected.
    private let values: UnsafeMutablePointer<Float>
    /// Per input, the slots it received something in.
    private let slotMasks: UnsafeMutablePointer<UInt64>

    init(inputs: Int, slots: Int) {
        precondition((1...Self.maximumSlots).contains(slots), "a group of \(slots) slots: at most \(Self.maximumSlots)")
        self.inputs = inputs
        self.slots = slots
        values = .allocate(capacity: max(inputs * slots, 1))
        values.initialize(repeating: 0, count: max(inputs * slots, 1))
        slotMasks = .allocate(capacity: max(inputs, 1))
        slotMasks.initialize(repeating: 0, count: max(inputs, 1))
    }

    deinit {
        values.deallocate()
        slotMasks.deallocate()
    }

    /// Adds `amount` to input `element` of `slot`.
    @inline(__always)
    func add(slot: Int, element: Int, amount: Float) {
        values[slot &* inputs &+ element] += amount
        slotMasks[element] |= 1 &<< UInt64(truncatingIfNeeded: slot)
    }

    /// Adds every collected input, ascending, to the outputs of the slots it was active in (slot s's `outputs`
    /// values start `s · slotStride` into `output`): `value × row`, row `input` of `rows` (`outputs` long), through
    /// the scaled-row kernel of `kernels`. Clears everything for the next group.
    func scatter(rows: UnsafePointer<Float>, outputs: Int, into output: UnsafeMutablePointer<Float>, slotStride: Int,
                 kernels: Kernels) {
        let kernel = kernels.scaledRow
        for input in 0..<inputs {
            var mask = slotMasks[input]
            if mask == 0 { continue }
            slotMasks[input] = 0
            let row = rows + input &* outputs
            while mask != 0 {
                let slot = mask.trailingZeroBitCount
                mask &= mask &- 1
                let index = slot &* inputs &+ input
                let value = values[index]
                values[index] = 0
                // A spike's factor is never zero, so neither is a sum of them; a zero would add nothing anyway.
                if value != 0 { kernel(output + slot &* slotStride, row, value, Int64(outputs)) }
            }
        }
    }
}
