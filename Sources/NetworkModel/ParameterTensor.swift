/// A floating-point parameter array exactly as a network file stores it: its shape (rank 0 for a scalar)
/// and its values in row-major order, at the file's precision so that writing it back changes nothing.
public struct ParameterTensor: Sendable, Equatable {
    /// Values at the precision the file used.
    public enum Storage: Sendable, Equatable {
        case float32([Float])
        case float64([Double])
    }

    public let shape: [Int]
    public let storage: Storage
    /// Number of values that are not exactly zero: pruned weights stay zero and cost nothing. Counted once, when
    /// the tensor is made, in the same pass as the finiteness check (analysis, planning and pricing all ask).
    public let nonZeroCount: Int
    /// The flat index of the first NaN or infinite value, if any (found in that same pass).
    public let firstNonFiniteIndex: Int?
    /// The non-zero values and their flat indices, ascending, for a large tensor that is mostly zeros (else nil).
    /// Found in that same pass, so that `forEachNonZero`, which planning runs several times over every weight,
    /// walks the 155 k non-zeros of a pruned VGG-16 in two compact arrays instead of reading its 61 MB of values
    /// again each time (reading each non-zero from the dense array costs a cache miss per value).
    @usableFromInline let nonZeros: NonZeroList?

    /// A sparse tensor's non-zeros in row-major order, at the tensor's precision.
    @usableFromInline enum NonZeroList: Sendable, Equatable {
        case float32(indices: [Int32], values: [Float])
        case float64(indices: [Int32], values: [Double])
    }

    /// The flat indices of the non-zero values when the tensor keeps them (see `nonZeros`).
    var nonZeroIndices: [Int32]? {
        switch nonZeros {
        case .float32(let indices, _), .float64(let indices, _): return indices
        case nil: return nil
        }
    }

    /// Whether the tensor keeps a list of its non-zeros, so that `forEachNonZero` visits only them (a large tensor
    /// of which at most one value in `indexedDensityDivisor` is non-zero); else it scans every value.
    public var keepsNonZeroList: Bool { nonZeros != nil }

    /// Tensors of fewer values are scanned directly: an index list would save nothing measurable.
    static let smallestIndexedCount = 1 << 12
    /// An index list is kept while at most one value in `indexedDensityDivisor` is non-zero (4 bytes per index and
    /// a copy of the value, so at most 1 (float32) or 1.5 (float64) bytes per value on top of the values themselves).
    static let indexedDensityDivisor = 8

    /// Creates a tensor; the value count must equal the product of the shape (1 for rank 0).
    public init(shape: [Int], storage: Storage) throws(NetworkError) {
        guard let expected = ShapeArithmetic.elementCount(shape) else {
            throw NetworkError("tensor shape \(shape) has a negative dimension or a size that overflows")
        }
        let count: Int
        switch storage {
        case .float32(let values): count = values.count
        case .float64(let values): count = values.count
        }
        guard shape.allSatisfy({ $0 >= 0 }), count == expected else {
            throw NetworkError("tensor of shape \(shape) needs \(expected) values, got \(count)")
        }
        self.init(uncheckedShape: shape, storage: storage)
    }

    /// A float32 tensor.
    public init(shape: [Int], float32 values: [Float]) throws(NetworkError) {
        try self.init(shape: shape, storage: .float32(values))
    }

    /// A float64 tensor.
    public init(shape: [Int], float64 values: [Double]) throws(NetworkError) {
        try self.init(shape: shape, storage: .float64(values))
    }

    /// A rank-0 float32 tensor.
    public static func scalar(_ value: Float) -> ParameterTensor {
        ParameterTensor(uncheckedShape: [], storage: .float32([value]))
    }

    init(uncheckedShape shape: [Int], storage: Storage) {
        self.shape = shape
        self.storage = storage
        switch storage {
        case .float32(let values):
            let census = values.withUnsafeBufferPointer { Self.census(of: $0) }
            (nonZeroCount, firstNonFiniteIndex) = (census.0, census.1)
            nonZeros = census.2.map { NonZeroList.float32(indices: $0.indices, values: $0.values) }
        case .float64(let values):
            let census = values.withUnsafeBufferPointer { Self.census(of: $0) }
            (nonZeroCount, firstNonFiniteIndex) = (census.0, census.1)
            nonZeros = census.2.map { NonZeroList.float64(indices: $0.indices, values: $0.values) }
        }
    }

    /// Whether a tensor of `count` values gets an index list if it proves sparse enough.
    private static func indexable(_ count: Int) -> Bool {
        count >= smallestIndexedCount && count <= Int(Int32.max)
    }

    /// Appends a block's non-zero values and their indices while the tensor still looks sparse enough to index;
    /// gives up (returns false) once more than one value in `indexedDensityDivisor` seen so far is non-zero.
    /// The block has just been counted, so it is read again from the cache, not from memory.
    private static func collect<Value>(_ block: Range<Int>, nonZerosSoFar: Int,
                                       into list: inout (indices: [Int32], values: [Value]),
                                       scan: (Range<Int>, (Int, Value) -> Void) -> Void) -> Bool {
        guard nonZerosSoFar <= block.upperBound / indexedDensityDivisor else { return false }
        scan(block) { index, value in
            list.indices.append(Int32(truncatingIfNeeded: index))
            list.values.append(value)
        }
        return true
    }

    /// Non-zero values and the first non-finite one, from the bit patterns in one pass: a value is zero when its
    /// bits other than the sign are, and not finite when its exponent bits are all ones. Blocks of 4096 values are
    /// branch-free (the compiler vectorises them); only a block holding a non-finite value is searched again.
    private static func census(of values: UnsafeBufferPointer<Float>) -> (Int, Int?, (indices: [Int32], values: [Float])?) {
        let exponent: UInt32 = 0x7f80_0000
        guard let base = values.baseAddress else { return (0, nil, nil) }
        var list: (indices: [Int32], values: [Float])? = indexable(values.count) ? ([], []) : nil
        var nonZeros = 0
        var firstNonFinite: Int?
        var start = 0
        while start < values.count {
            let end = min(start &+ 4096, values.count)
            var blockNonZeros: UInt32 = 0
            var nonFinite: UInt32 = 0
            var index = start
            while index < end {
                let value = base[index].bitPattern
                blockNonZeros &+= value & 0x7fff_ffff != 0 ? 1 : 0
                nonFinite |= value & exponent == exponent ? 1 : 0
                index &+= 1
            }
            nonZeros &+= Int(blockNonZeros)
            if blockNonZeros != 0, list != nil,
               !collect(start..<end, nonZerosSoFar: nonZeros, into: &list!, scan: { block, found in
                   forEachNonZero(in: UnsafeBufferPointer(rebasing: values[block])) { offset, value in
                       found(block.lowerBound &+ offset, value)
                   }
               }) {
                list = nil
            }
            if nonFinite != 0, firstNonFinite == nil {
                firstNonFinite = (start..<end).first { base[$0].bitPattern & exponent == exponent }
            }
            start = end
        }
        return (nonZeros, firstNonFinite, list)
    }

    /// The same for float64 values.
    private static func census(of values: UnsafeBufferPointer<Double>) -> (Int, Int?, (indices: [Int32], values: [Double])?) {
        let exponent: UInt64 = 0x7ff0_0000_0000_0000
        guard let base = values.baseAddress else { return (0, nil, nil) }
        var list: (indices: [Int32], values: [Double])? = indexable(values.count) ? ([], []) : nil
        var nonZeros = 0
        var firstNonFinite: Int?
        var start = 0
        while start < values.count {
            let end = min(start &+ 4096, values.count)
            var blockNonZeros: UInt64 = 0
            var nonFinite: UInt64 = 0
            var index = start
            while index < end {
                let value = base[index].bitPattern
                blockNonZeros &+= value & 0x7fff_ffff_ffff_ffff != 0 ? 1 : 0
                nonFinite |= value & exponent == exponent ? 1 : 0
                index &+= 1
            }
            nonZeros &+= Int(blockNonZeros)
            if blockNonZeros != 0, list != nil,
               !collect(start..<end, nonZerosSoFar: nonZeros, into: &list!, scan: { block, found in
                   forEachNonZero(in: UnsafeBufferPointer(rebasing: values[block])) { offset, value in
                       found(block.lowerBound &+ offset, value)
                   }
               }) {
                list = nil
            }
            if nonFinite != 0, firstNonFinite == nil {
                firstNonFinite = (start..<end).first { base[$0].bitPattern & exponent == exponent }
            }
            start = end
        }
        return (nonZeros, firstNonFinite, list)
    }

    /// Number of stored values.
    public var count: Int {
        switch storage {
        case .float32(let values): return values.count
        case .float64(let values): return values.count
        }
    }

    /// True when the file stored this parameter at double precision.
    public var isDoublePrecision: Bool {
        if case .float64 = storage { return true }
        return false
    }

    /// The value at a flat row-major index, widened to Double.
    @inline(__always)
    public func value(at index: Int) -> Double {
        switch storage {
        case .float32(let values): return Double(values[index])
        case .float64(let values): return values[index]
        }
    }

    /// All values as Float (the simulator's compute type).
    public var floatValues: [Float] {
        switch storage {
        case .float32(let values): return values
        case .float64(let values): return values.map { Float($0) }
        }
    }

    /// All values as Double.
    public var doubleValues: [Double] {
        switch storage {
        case .float32(let values): return values.map { Double($0) }
        case .float64(let values): return values
        }
    }

    /// Calls `body(flat index, value)` for every value that is not exactly zero, in row-major order.
    /// Runs of zeros are skipped several values at a time: a pruned network's tensors are mostly zeros, and start-up
    /// reads every weight of them (a VGG-16 holds 15 million).
    @inlinable
    public func forEachNonZero(_ body: (Int, Double) throws -> Void) rethrows {
        switch nonZeros {
        case .float32(let indices, let values):
            for position in indices.indices { try body(Int(indices[position]), Double(values[position])) }
            return
        case .float64(let indices, let values):
            for position in indices.indices { try body(Int(indices[position]), values[position]) }
            return
        case nil:
            break
        }
        switch storage {
        case .float32(let values):
            try values.withUnsafeBufferPointer { buffer in
                try Self.forEachNonZero(in: buffer) { index, value in try body(index, Double(value)) }
            }
        case .float64(let values):
            try values.withUnsafeBufferPointer { buffer in try Self.forEachNonZero(in: buffer, body) }
        }
    }

    /// Float32: eight values (four 64-bit words) per test; a value is zero when its bits other than the sign are.
    @inlinable
    static func forEachNonZero(in buffer: UnsafeBufferPointer<Float>, _ body: (Int, Float) throws -> Void) rethrows {
        guard let base = buffer.baseAddress else { return }
        let words = UnsafeRawPointer(base)
        let magnitude: UInt64 = 0x7fff_ffff_7fff_ffff
        var index = 0
        while index &+ 8 <= buffer.count {
            let offset = index &* 4
            let any = (words.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                | words.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt64.self)
                | words.loadUnaligned(fromByteOffset: offset &+ 16, as: UInt64.self)
                | words.loadUnaligned(fromByteOffset: offset &+ 24, as: UInt64.self)) & magnitude
            if any != 0 {
                for position in index..<(index &+ 8) where base[position] != 0 { try body(position, base[position]) }
            }
            index &+= 8
        }
        while index < buffer.count {
            if base[index] != 0 { try body(index, base[index]) }
            index &+= 1
        }
    }

    /// Float64: four values per test.
    @inlinable
    static func forEachNonZero(in buffer: UnsafeBufferPointer<Double>, _ body: (Int, Double) throws -> Void) rethrows {
        guard let base = buffer.baseAddress else { return }
        let words = UnsafeRawPointer(base)
        let magnitude: UInt64 = 0x7fff_ffff_ffff_ffff
        var index = 0
        while index &+ 4 <= buffer.count {
            let offset = index &* 8
            let any = (words.loadUnaligned(fromByteOffset: offset, as: UInt64.self) & magnitude)
                | (words.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt64.self) & magnitude)
                | (words.loadUnaligned(fromByteOffset: offset &+ 16, as: UInt64.self) & magnitude)
                | (words.loadUnaligned(fromByteOffset: offset &+ 24, as: UInt64.self) & magnitude)
            if any != 0 {
                for position in index..<(index &+ 4) where base[position] != 0 { try body(position, base[position]) }
            }
            index &+= 4
        }
        while index < buffer.count {
            if base[index] != 0 { try body(index, base[index]) }
            index &+= 1
        }
    }

    /// The flat index of the first value, widened to Double, that satisfies `predicate`.
    public func firstIndex(where predicate: (Double) -> Bool) -> Int? {
        switch storage {
        case .float32(let values): return values.firstIndex { predicate(Double($0)) }
        case .float64(let values): return values.firstIndex(where: predicate)
        }
    }

    /// The values broadcast numpy-style (right-aligned) to `target`, widened to Double.
    public func broadcast(to target: [Int]) throws(NetworkError) -> [Double] {
        // Per-neuron parameters usually have the population's shape already, or are one value.
        if shape == target { return doubleValues }
        let map = try BroadcastIndexMap(from: shape, to: target)
        if count == 1 { return [Double](repeating: value(at: 0), count: map.targetCount) }
        return (0..<map.targetCount).map { value(at: map.sourceIndex(of: $0)) }
    }

    /// Whether the shape broadcasts to `target` numpy-style.
    public func broadcasts(to target: [Int]) -> Bool {
        (try? BroadcastIndexMap(from: shape, to: target)) != nil
    }
}
