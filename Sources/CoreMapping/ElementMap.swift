/// Which input elements of a working node each element of a source node reaches, through Flatten and pools:
/// a compressed list per source element (or the identity).
struct ElementMap: Sendable {
    let sourceCount: Int
    let targetCount: Int
    /// nil for the identity (Flatten only on the way).
    let offsets: [Int32]?
    let targets: [Int32]?

    static func identity(count: Int) -> ElementMap {
        ElementMap(sourceCount: count, targetCount: count, offsets: nil, targets: nil)
    }

    @inline(__always)
    func forEachTarget(of element: Int, _ body: (Int) -> Void) {
        guard let offsets, let targets else { body(element); return }
        for entry in Int(offsets[element])..<Int(offsets[element + 1]) { body(Int(targets[entry])) }
    }

    /// This map followed by a map from each of our targets to the next node's elements (`next[t]`).
    func then(_ next: [[Int32]], targetCount newCount: Int) -> ElementMap {
        var offsets: [Int32] = [0]
        var targets: [Int32] = []
        offsets.reserveCapacity(sourceCount + 1)
        for element in 0..<sourceCount {
            forEachTarget(of: element) { middle in targets.append(contentsOf: next[middle]) }
            offsets.append(Int32(targets.count))
        }
        return ElementMap(sourceCount: sourceCount, targetCount: newCount, offsets: offsets, targets: targets)
    }

    /// Source elements reaching each target element (its synapses per target, through the routing).
    func preimageCounts() -> [Int32] {
        var counts = [Int32](repeating: 0, count: targetCount)
        for element in 0..<sourceCount { forEachTarget(of: element) { counts[$0] += 1 } }
        return counts
    }
}
