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

    @Test("cache-line memory and every block of a plan's arena start on a cache line", arguments: counts)
    func cacheLines(count: Int) {
        let floats = CacheLineMemory.allocate(Float.self, count: count)
        defer { CacheLineMemory.release(floats) }
        floats.initialize(repeating: 1, count: max(count, 1))  // all of it is writable
        #expect(Int(bitPattern: UnsafeRawPointer(floats)) % 64 == 0)

        let arena = BufferArena()
        let copied = arena.store((0..<count).map(Float.init))
        let zeroed: ImmutableBuffer<Float> = arena.store(count: count) { _ in }
        let filled: ImmutableBuffer<UInt32> = arena.store(overwritingEvery: count) { $0.update(repeating: 7) }
        let names = arena.store((0..<min(count, 100)).map { "value \($0)" })  // not plain numbers: deinitialised on release
        for start in [UnsafeRawPointer(copied.pointer), UnsafeRawPointer(zeroed.pointer), UnsafeRawPointer(filled.pointer),
                      UnsafeRawPointer(names.pointer)] {
            #expect(Int(bitPattern: start) % 64 == 0)
        }
        #expect((0..<count).allSatisfy { copied[$0] == Float($0) && zeroed[$0] == 0 && filled[$0] == 7 })
        #expect(names.count == min(count, 100) && (count == 0 || names[names.count - 1] == "value \(names.count - 1)"))
    }
}
