#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Zero-filled memory for plain numbers and flags, taken from `calloc` rather than allocated and then cleared: a
/// large block comes from fresh pages, which the kernel hands out zeroed, so `calloc` skips writing them, and a page
/// is only faulted in when something first touches it. A worker's buffers are sized for the worst case (every
/// element active at every step), and on a 99%-sparse network a short run touches few pages of some of them (a
/// sparse convolution's per-step outputs, an IF population's unused synaptic current): clearing those right after
/// allocation faulted in and wrote about 15 MB per start-up that nothing read. The values are exactly
/// those of `allocate` followed by `initialize(repeating: 0)` (all-zero bytes are 0, 0.0 and `false`).
enum ZeroedMemory {
    /// `count` zeroed values (at least one), to be given back with `release`.
    static func allocate<Element: BitwiseCopyable>(_: Element.Type = Element.self, count: Int) -> UnsafeMutablePointer<Element> {
        precondition(count >= 0, "a negative count (\(count)) of zeroed values")
        // calloc aligns for any fundamental type (16 bytes here), as `UnsafeMutablePointer.allocate` does for these.
        precondition(MemoryLayout<Element>.alignment <= 16, "zeroed memory for \(Element.self): alignment over 16 bytes")
        guard let raw = calloc(max(count, 1), MemoryLayout<Element>.stride) else {
            fatalError("out of memory: \(max(count, 1)) zeroed values of \(MemoryLayout<Element>.stride) bytes")
        }
        return raw.bindMemory(to: Element.self, capacity: max(count, 1))
    }

    /// Gives back memory from `allocate`.
    static func release<Element>(_ pointer: UnsafeMutablePointer<Element>) {
        free(pointer)
    }
}
