import Testing
@testable import Simulator

/// `ZeroedMemory` stands in for allocate-then-zero in the workers' buffers and the plan's arena, which rely on every
/// value starting at zero: fresh pages and recycled heap memory alike must come back zeroed, and on a cache line.
@Suite struct ZeroedMemoryTests {
    /// Sizes from one value to several mapped pages (large blocks come from fresh pages, small ones from the heap).
    static let counts = [0, 1, 7, 4096, 70_000, 1 << 20]

    @Test("every value is zero, for fresh and recycled memory, small and large", arguments: counts)
    func zeroed(count: Int) {
        // Dirty the heap with blocks of this size first, so that the allocation below can reuse written memory.
        for _ in 0..<3 {
            let dirty = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            dirty.initialize(repeating: .nan, count: max(count, 1))
            dirty.deallocate()
            let zeroedThenDirtied = ZeroedMemory.allocate(UInt64.self, count: count)
            zeroedThenDirtied.update(repeating: .max, count: max(count, 1))
            ZeroedMemory.release(zeroedThenDirtied)
        }
        let floats = ZeroedMemory.allocate(Float.self, count: count)
        let flags = ZeroedMemory.allocate(Bool.self, count: count)
        let words = ZeroedMemory.allocate(UInt64.self, count: count)
        defer {
            ZeroedMemory.release(floats)
            ZeroedMemory.release(flags)
            ZeroedMemory.release(words)
        }
        let length = max(count, 1)  // at least one value, as `allocate` promises
        #expect(UnsafeBufferPointer(start: floats, count: length).allSatisfy { $0.bitPattern == 0 })
        #expect(UnsafeBufferPointer(start: flags, count: length).allSatisfy { !$0 })
        #expect(UnsafeBufferPointer(start: words, count: length).allSatisfy { $0 == 0 })
        // On a cache line, for the vector kernels' whole-line rows (`CacheLineMemory`).
        for start in [UnsafeRawPointer(floats), UnsafeRawPointer(flags), UnsafeRawPointer(words)] {
            #expect(Int(bitPattern: start) % 64 == 0)
        }
    }
}
