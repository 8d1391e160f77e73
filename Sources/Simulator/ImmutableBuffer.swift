/// Owns the memory of a compiled plan's fixed arrays (weights, routes, parameters) and frees it with the plan.
final class BufferArena: @unchecked Sendable {
    private var releases: [() -> Void] = []

    /// Copies `values` into memory that lives as long as the arena. Only called while a plan is built.
    func store<Element>(_ values: [Element]) -> ImmutableBuffer<Element> {
        let pointer = UnsafeMutablePointer<Element>.allocate(capacity: max(values.count, 1))
        _ = UnsafeMutableBufferPointer(start: pointer, count: values.count).initialize(from: values)
        let count = values.count
        releases.append {
            pointer.deinitialize(count: count)
            pointer.deallocate()
        }
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
