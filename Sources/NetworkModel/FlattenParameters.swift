/// Row-major merge of the dimensions `startDim...endDim` of an unbatched activation (NIR `Flatten`).
public struct FlattenParameters: Sendable, Equatable {
    public var startDim: Int
    public var endDim: Int
    /// The input shape when the file states it (`input_type`, nir ≥ 0.2).
    public var declaredInputShape: [Int]?

    public init(startDim: Int, endDim: Int, declaredInputShape: [Int]?) {
        self.startDim = startDim
        self.endDim = endDim
        self.declaredInputShape = declaredInputShape
    }

    /// The flattened shape of `input`, or nil when the dimensions are out of range.
    public func outputShape(input: [Int]) -> [Int]? {
        let rank = input.count
        let start = startDim < 0 ? startDim + rank : startDim
        let end = endDim < 0 ? endDim + rank : endDim
        guard rank > 0, start >= 0, end < rank, start <= end else { return rank == 0 ? [] : nil }
        return Array(input[..<start]) + [input[start...end].reduce(1, *)] + Array(input[(end + 1)...])
    }
}
