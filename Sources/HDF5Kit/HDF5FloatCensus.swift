/// What HDF5Kit's chunk decoder counted of a floating-point array while it decoded it (`HDF5Dataset.
/// readMostlyZeroCounted`): each chunk was counted on its decoding thread while it was still in cache.
public struct HDF5FloatCensus: Sendable, Equatable {
    /// Elements whose bits other than the sign are not all zero (a NaN counts; a negative zero does not).
    public let nonZeroCount: Int
    /// Whether some element has its exponent bits all ones (an infinity or a NaN).
    public let anyNonFinite: Bool

    public init(nonZeroCount: Int, anyNonFinite: Bool) {
        self.nonZeroCount = nonZeroCount
        self.anyNonFinite = anyNonFinite
    }
}
