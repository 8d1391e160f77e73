/// Owns the memory of a compiled plan's fixed arrays (weights, routes, parameters) and frees it with the plan.
final class BufferArena: @unchecked Sendable {
    private var releases: [() -> Void] = []

    /// Copies `values` into memory that lives as long as the arena. Only called while a plan is built. Every block of
    /// the arena starts on a cache line (`CacheLineMemory`, `ZeroedMemory`).
    func store<Element>(_ values: [Element]) -> ImmutableBuffer<Element> {
        let pointer = CacheLineMemory.allocate(Element.self, count: values.count)
        _ = UnsafeMutableBufferPointer(start: pointer, count: values.count).initialize(from: values)
        let count = values.count
        releases.append {
            pointer.deinitialize(count: count)
            CacheLineMemory.release(pointer)
        }
        return ImmutableBuffer(pointer: pointer, count: count)
    }

    /// Allocates `count` zeroed values that live as long as the arena and lets `fill` write them in place
    /// (large weight layouts are built there directly rather than built in an array and copied).
    /// The zeroes are `ZeroedMemory`'s: fresh pages are not written, so a layout that fills few of its values (a
    /// transposed matrix of mostly pruned weights) faults in only the pages it writes.
    func store<Element: Numeric & BitwiseCopyable>(count: Int, _ fill: (UnsafeMutableBufferPointer<Element>) -> Void) -> ImmutableBuffer<Element> {
        let pointer = ZeroedMemory.allocate(Element.self, count: count)
        releases.append { ZeroedMemory.release(pointer) }
        fill(UnsafeMutableBufferPointer(start: pointer, count: count))
        return ImmutableBuffer(pointer: pointer, count: count)
    }

    /// Allocates `count` values that live as long as the arena and lets `fill` write every one of them: the memory is
    /// not zeroed first (a dense VGG-16's weight layouts are 90 MB, which zeroing wrote once more at start-up). Only
    /// for plain numbers, and `fill` must write each value before anything reads it.
    func store<Element: Numeric & BitwiseCopyable>(overwritingEvery count: Int, _ fill: (UnsafeMutableBufferPointer<Element>) -> Void) -> ImmutableBuffer<Element> {
        let pointer = CacheLineMemory.allocate(Element.self, count: count)
        releases.append { CacheLineMemory.release(pointer) }
        fill(UnsafeMutableBufferPointer(start: pointer, count: count))
        return ImmutableBuffer(pointer: pointer, count: count)
    }

    deinit {
        for release in releases { release() }
    }
}

/// A read-only array in arena memory, read through a raw pointer in the hot loops. A plain struct, so copying
/// or switching over it costs no reference counting (shared reference counts would make threads contend).
struct ImmutableBuffer<Element>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    @inline(__always)
    subscript(index: Int) -> Element { pointer[index] }
}
