/// Uninitialised memory that starts on a cache line. The vector kernels read a dense convolution's
/// weight rows (64 floats, 256 bytes) and write a slot's output rows in 64-byte registers: from a line boundary a
/// row is four whole lines and no load straddles two. `UnsafeMutablePointer.allocate` aligns only to 16 bytes, and
/// glibc starts its large blocks 16 bytes into a page, so every row then touched five lines and every 512-bit load
/// was split: the float32 dense VGG-16 simulated 1.3× slower for it (RESULTS.md, fourteenth session).
enum CacheLineMemory {
    /// Bytes in a cache line on current x86-64 and arm64 cores.
    static let alignment = 64

    /// `count` values (at least one), not initialised, starting on a cache line; give them back with `release` (after
    /// deinitialising any that need it).
    static func allocate<Element>(_: Element.Type = Element.self, count: Int) -> UnsafeMutablePointer<Element> {
        precondition(count >= 0, "a negative count (\(count)) of values")
        precondition(MemoryLayout<Element>.alignment <= alignment, "cache-line memory for \(Element.self): alignment over \(alignment) bytes")
        let capacity = max(count, 1)
        return UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Element>.stride, alignment: alignment)
            .bindMemory(to: Element.self, capacity: capacity)
    }

    /// Gives back memory from `allocate`.
    static func release<Element>(_ pointer: UnsafeMutablePointer<Element>) {
        UnsafeMutableRawPointer(pointer).deallocate()
    }
}
