/// Maps flat indices of a target shape back to flat indices of a source shape that broadcasts to it
/// numpy-style: dimensions are right-aligned and a source dimension of 1 (or a missing one) repeats.
public struct BroadcastIndexMap: Sendable {
    public let targetShape: [Int]
    public let targetCount: Int
    /// Per target dimension, the source stride (0 where the source repeats).
    private let sourceStrides: [Int]

    public init(from source: [Int], to target: [Int]) throws(NetworkError) {
        guard source.count <= target.count else {
            throw NetworkError("shape \(source) does not broadcast to \(target): more dimensions")
        }
        let offset = target.count - source.count
        var strides = [Int](repeating: 0, count: target.count)
        var runningStride = 1
        for axis in stride(from: source.count - 1, through: 0, by: -1) {
            let size = source[axis]
            let targetSize = target[axis + offset]
            if size == targetSize {
                strides[axis + offset] = size == 1 ? 0 : runningStride
            } else if size != 1 {
                throw NetworkError("shape \(source) does not broadcast to \(target)")
            }
            runningStride *= size
        }
        self.targetShape = target
        self.targetCount = target.reduce(1, *)
        self.sourceStrides = strides
    }

    /// The source flat index holding the value of target flat index `flatIndex`.
    public func sourceIndex(of flatIndex: Int) -> Int {
        var remainder = flatIndex
        var result = 0
        for axis in stride(from: targetShape.count - 1, through: 0, by: -1) {
            let size = targetShape[axis]
            result += (remainder % size) * sourceStrides[axis]
            remainder /= size
        }
        return result
    }
}
