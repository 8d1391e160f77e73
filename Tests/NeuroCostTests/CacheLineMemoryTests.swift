import Testing
@testable import Simulator

/// The vector kernels read and write whole 64-byte rows: `CacheLineMemory` and every block of a plan's arena (weight
/// tiles, packed tiles, routes) must start on a cache line, whatever the size and the element type.
@Suite struct CacheLineMemoryTests {
    /// Sizes from one value to several mapped pages (large blocks come from fresh pages, small ones from the heap).
    static let counts = ZeroedMemoryTests.counts

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
