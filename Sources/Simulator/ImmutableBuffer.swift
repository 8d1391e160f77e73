/// A fixed array in its own allocation, read through a raw pointer in the hot loops (no bounds checks,
/// no copy-on-write checks). Written once at plan time, then only read, so it is safe to share across threads.
final class ImmutableBuffer<Element>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(_ values: [Element]) {
        count = values.count
        pointer = UnsafeMutablePointer<Element>.allocate(capacity: max(values.count, 1))
        _ = UnsafeMutableBufferPointer(start: pointer, count: values.count).initialize(from: values)
    }

    deinit {
        pointer.deinitialize(count: count)
        pointer.deallocate()
    }

    @inline(__always)
    subscript(index: Int) -> Element { pointer[index] }
}
