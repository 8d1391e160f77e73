/// The elements of one node that spiked at one step, in ascending order (an element listed n times emitted n
/// spikes). Preallocated for one spike per element plus a vector's worth of slack, so a step's vector kernels can
/// store whole vectors at the end of the list; grows only for multi-spike outputs. Per worker, reused every step.
final class SpikeList {
    private(set) var indices: UnsafeMutablePointer<Int32>
    private(set) var capacity: Int
    /// Number of spikes listed.
    var count = 0

    /// Room for `elements` spikes and 16 indices of slack.
    init(elements: Int) {
        capacity = elements + Self.slack
        indices = .allocate(capacity: capacity)
    }

    deinit { indices.deallocate() }

    /// Slack after `count` that kernels may overwrite (a 512-bit vector of indices).
    static let slack = 16

    var buffer: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(start: indices, count: count) }

    @inline(__always)
    func removeAll() { count = 0 }

    @inline(__always)
    func append(_ index: Int32) {
        if count == capacity &- Self.slack { grow(to: count &+ 1) }
        indices[count] = index
        count &+= 1
    }

    /// Appends `index` `times` times (multi-spike outputs, whole spike counts through a delay).
    func append(_ index: Int32, times: Int) {
        if count &+ times > capacity &- Self.slack { grow(to: count &+ times) }
        (indices + count).initialize(repeating: index, count: times)
        count &+= times
    }

    private func grow(to needed: Int) {
        let newCapacity = max(needed, 2 * (capacity - Self.slack)) + Self.slack
        let larger = UnsafeMutablePointer<Int32>.allocate(capacity: newCapacity)
        larger.update(from: indices, count: count)
        indices.deallocate()
        indices = larger
        capacity = newCapacity
    }
}
