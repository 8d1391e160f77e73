/// A whole numeric dataset as read by `HDF5Dataset.readMostlyZero`: the dense array, or, for an array that is
/// mostly zeros, only its non-zero elements.
public enum HDF5StoredValues<T: HDF5Numeric>: Sendable {
    /// Every element, row-major.
    case dense([T])
    /// The elements whose bits other than the sign are not all zero (a NaN is listed), exactly as stored, at their
    /// strictly ascending flat row-major `indices`; `count` is the dataset's element count. Every other element is
    /// +0, except those whose bit is set in `negativeZeros` (bit `i % 64` of word `i / 64` for element `i`; nil when
    /// there is none), which are negative zeros (pruning multiplies negative weights by a zero mask).
    case sparse(indices: [Int32], values: [T], negativeZeros: [UInt64]?, count: Int)
}
