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
    /// `count` zeroed values (at least one), starting on a cache line (as `CacheLineMemory`'s:
    /// `calloc` alone aligns to 16 bytes), to be given back with `release`.
    static func allocate<Element: BitwiseCopyable>(_: Element.Type = Element.self, count: Int) -> UnsafeMutablePointer<Element> {
        precondition(count >= 0, "a negative count (\(count)) of zeroed values")
        let alignment = CacheLineMemory.alignment
        precondition(MemoryLayout<Element>.alignment <= alignment, "zeroed memory for \(Element.self): alignment over \(alignment) bytes")
        // calloc's block, padded so that an aligned start lies at least one pointer past its beginning: the block's
        // own address is kept in the pointer just before the aligned start, for `release`.
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
        let padding = alignment + MemoryLayout<UnsafeMutableRawPointer>.size
        guard !overflow, bytes <= Int.max - padding, let block = calloc(bytes + padding, 1) else {
            fatalError("out of memory: \(max(count, 1)) zeroed values of \(MemoryLayout<Element>.stride) bytes")
        }
        let first = UInt(bitPattern: block) + UInt(MemoryLayout<UnsafeMutableRawPointer>.size)
        let start = UnsafeMutableRawPointer(bitPattern: (first + UInt(alignment - 1)) & ~UInt(alignment - 1))!
        start.storeBytes(of: block, toByteOffset: -MemoryLayout<UnsafeMutableRawPointer>.size, as: UnsafeMutableRawPointer.self)
        return start.bindMemory(to: Element.self, capacity: max(count, 1))
    }

    /// Gives back memory from `allocate`.
    static func release<Element>(_ pointer: UnsafeMutablePointer<Element>) {
        let start = UnsafeMutableRawPointer(pointer)
        free(start.load(fromByteOffset: -MemoryLayout<UnsafeMutableRawPointer>.size, as: UnsafeMutableRawPointer.self))
    }
}
