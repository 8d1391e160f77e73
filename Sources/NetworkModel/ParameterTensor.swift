/// A floating-point parameter array exactly as a network file stores it: its shape (rank 0 for a scalar)
/// and its values in row-major order, at the file's precision so that writing it back changes nothing.
public struct ParameterTensor: Sendable, Equatable {
    /// Values at the precision the file used.
    public enum Storage: Sendable, Equatable {
        case float32([Float])
        case float64([Double])
    }

    public let shape: [Int]
    /// Number of stored values (the product of the shape; 1 for rank 0).
    public let count: Int
    /// True when the file stored this parameter at double precision.
    public let isDoublePrecision: Bool
    /// The values, dense; nil for a tensor kept as its non-zeros alone (`nonZeros` and `negativeZeros`).
    private let denseStorage: Storage?
    /// Number of values that are not exactly zero: pruned weights stay zero and cost nothing. Counted once, when
    /// the tensor is made, in the same pass as the finiteness check (analysis, planning and pricing all ask).
    public let nonZeroCount: Int
    /// The flat index of the first NaN or infinite value, if any (found in that same pass).
    public let firstNonFiniteIndex: Int?
    /// The non-zero values and their flat indices, ascending, for a large tensor that is mostly zeros (else nil).
    /// Found in that same pass, so that `forEachNonZero`, which planning runs several times over every weight,
    /// walks the 155 k non-zeros of a pruned VGG-16 in two compact arrays instead of reading its 61 MB of values
    /// again each time (reading each non-zero from the dense array costs a cache miss per value). Such a tensor keeps
    /// only this list (and `negativeZeros`), not its dense values, which `storage` rebuilds when a reader asks.
    @usableFromInline let nonZeros: NonZeroList?
    /// With `nonZeros` and no dense values: bit `i % 64` of word `i / 64` is set when value `i` is a negative zero
    /// (pruning multiplies negative weights by a zero mask), so that `storage` gives back the file's bits; nil when
    /// there is none.
    private let negativeZeros: [UInt64]?

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

    /// Whether the tensor holds its dense values; a tensor that keeps its non-zero list does not (`storage` builds
    /// them on each call).
    public var holdsDenseValues: Bool { denseStorage != nil }

    /// Tensors of fewer values are scanned directly: an index list would save nothing measurable.
    static let smallestIndexedCount = 1 << 12
    /// An index list is kept while at most one value in `indexedDensityDivisor` is non-zero (4 bytes per index and
    /// a copy of the value, so at most 1 (float32) or 1.5 (float64) bytes per value on top of the values themselves).
    static let indexedDensityDivisor = 8

    /// The most non-zero values a tensor of `count` values may have and still keep its non-zero list (nil when a
    /// tensor of that size never keeps one): a reader can then ask for the non-zeros alone
    /// (`init(shape:nonZeroIndices:float32:negativeZeros:)`) instead of the dense values.
    public static func nonZeroListLimit(count: Int) -> Int? {
        indexable(count) ? count / indexedDensityDivisor : nil
    }

    /// Creates a tensor; the value count must equal the product of the shape (1 for rank 0).
    public init(shape: [Int], storage: Storage) throws(NetworkError) {
        let expected = try Self.checkedCount(shape)
        let count: Int
        switch storage {
        case .float32(let values): count = values.count
        case .float64(let values): count = values.count
        }
        guard count == expected else {
            throw NetworkError("tensor of shape \(shape) needs \(expected) values, got \(count)")
        }
        self.init(uncheckedShape: shape, storage: storage)
    }

    /// Dense values whose census a reader took as it decoded them (HDF5Kit's chunk decoder counts each chunk on its
    /// decoding thread while the chunk is in cache): `nonZeroCount` values with bits other than the sign set, and
    /// whether any value is an infinity or a NaN. The tensor is the one `init(shape:storage:)` makes. The census
    /// stands in for that init's pass over every value only where it settles all the pass would find: no value is
    /// non-finite (else the first one's index is needed), and either the tensor never keeps a non-zero list or more
    /// than one value in `indexedDensityDivisor` is non-zero (the pass then gives the list up at the latest at the
    /// last block holding a non-zero, where the non-zeros so far are all of them). Otherwise the values are counted
    /// here as usual. A dense VGG-16's 61 MB were read back from memory on one thread for nothing but this count.
    public init(shape: [Int], storage: Storage, nonZeroCount: Int, anyNonFinite: Bool) throws(NetworkError) {
        let expected = try Self.checkedCount(shape)
        let count: Int
        let isDouble: Bool
        switch storage {
        case .float32(let values): (count, isDouble) = (values.count, false)
        case .float64(let values): (count, isDouble) = (values.count, true)
        }
        let settled = !anyNonFinite && (0...expected).contains(nonZeroCount)
            && (!Self.indexable(expected) || nonZeroCount > expected / Self.indexedDensityDivisor)
        guard settled, count == expected else {
            try self.init(shape: shape, storage: storage)
            return
        }
        self.init(shape: shape, count: count, isDoublePrecision: isDouble, denseStorage: storage, nonZeroCount: nonZeroCount)
    }

    /// A float32 tensor.
    public init(shape: [Int], float32 values: [Float]) throws(NetworkError) {
        try self.init(shape: shape, storage: .float32(values))
    }

    /// A float64 tensor.
    public init(shape: [Int], float64 values: [Double]) throws(NetworkError) {
        try self.init(shape: shape, storage: .float64(values))
    }

    /// A float32 tensor given by its non-zero values (bits other than the sign not all zero) at strictly ascending
    /// flat row-major `indices`, every other value zero: +0, or -0 where its bit is set in `negativeZeros` (bit
    /// `i % 64` of word `i / 64`). The tensor is the same as one made from the dense values: one that is not sparse
    /// enough to keep its non-zero list is made dense.
    public init(shape: [Int], nonZeroIndices indices: [Int32], float32 values: [Float],
                negativeZeros: [UInt64]?) throws(NetworkError) {
        try self.init(shape: shape, list: .float32(indices: indices, values: values), negativeZeros: negativeZeros)
    }

    /// The same at double precision.
    public init(shape: [Int], nonZeroIndices indices: [Int32], float64 values: [Double],
                negativeZeros: [UInt64]?) throws(NetworkError) {
        try self.init(shape: shape, list: .float64(indices: indices, values: values), negativeZeros: negativeZeros)
    }

    private init(shape: [Int], list: NonZeroList, negativeZeros: [UInt64]?) throws(NetworkError) {
        let count = try Self.checkedCount(shape)
        let census = try Self.listCensus(list, count: count, negativeZeros: negativeZeros)
        let isDouble: Bool
        if case .float64 = list { isDouble = true } else { isDouble = false }
        // The same representation as from dense values: the list only where the census would keep it.
        guard census.keepsList else {
            self.init(uncheckedShape: shape, storage: Self.dense(list, count: count, negativeZeros: negativeZeros))
            return
        }
        self.init(shape: shape, count: count, isDoublePrecision: isDouble, nonZeroCount: census.nonZeros,
                  firstNonFiniteIndex: census.firstNonFinite, nonZeros: list,
                  negativeZeros: census.anyNegativeZero ? negativeZeros : nil)
    }

    /// A tensor of dense values, all finite, that keeps no non-zero list.
    private init(shape: [Int], count: Int, isDoublePrecision: Bool, denseStorage: Storage, nonZeroCount: Int) {
        self.shape = shape
        self.count = count
        self.isDoublePrecision = isDoublePrecision
        self.denseStorage = denseStorage
        self.nonZeroCount = nonZeroCount
        self.firstNonFiniteIndex = nil
        self.nonZeros = nil
        self.negativeZeros = nil
    }

    /// A tensor kept as its non-zero list alone.
    private init(shape: [Int], count: Int, isDoublePrecision: Bool, nonZeroCount: Int, firstNonFiniteIndex: Int?,
                 nonZeros: NonZeroList, negativeZeros: [UInt64]?) {
        self.shape = shape
        self.count = count
        self.isDoublePrecision = isDoublePrecision
        self.denseStorage = nil
        self.nonZeroCount = nonZeroCount
        self.firstNonFiniteIndex = firstNonFiniteIndex
        self.nonZeros = nonZeros
        self.negativeZeros = negativeZeros
    }

    /// A rank-0 float32 tensor.
    public static func scalar(_ value: Float) -> ParameterTensor {
        ParameterTensor(uncheckedShape: [], storage: .float32([value]))
    }

    private static func checkedCount(_ shape: [Int]) throws(NetworkError) -> Int {
        guard let expected = ShapeArithmetic.elementCount(shape), shape.allSatisfy({ $0 >= 0 }) else {
            throw NetworkError("tensor shape \(shape) has a negative dimension or a size that overflows")
        }
        return expected
    }

    init(uncheckedShape shape: [Int], storage: Storage) {
        self.shape = shape
        switch storage {
        case .float32(let values):
            count = values.count
            isDoublePrecision = false
            let census = values.withUnsafeBufferPointer { Self.census(of: $0) }
            (nonZeroCount, firstNonFiniteIndex) = (census.0, census.1)
            nonZeros = census.2.map { NonZeroList.float32(indices: $0.indices, values: $0.values) }
            negativeZeros = census.2?.negativeZeros
        case .float64(let values):
            count = values.count
            isDoublePrecision = true
            let census = values.withUnsafeBufferPointer { Self.census(of: $0) }
            (nonZeroCount, firstNonFiniteIndex) = (census.0, census.1)
            nonZeros = census.2.map { NonZeroList.float64(indices: $0.indices, values: $0.values) }
            negativeZeros = census.2?.negativeZeros
        }
        // A tensor that keeps its non-zeros needs nothing else (the negative zeros were noted in the same pass).
        denseStorage = nonZeros == nil ? storage : nil
    }

    /// Checks a non-zero list from a reader and takes its census: the count, the first non-finite value, whether a
    /// tensor made from the same dense values would keep the list (at every block of 4096 values, at most one value
    /// in `indexedDensityDivisor` so far non-zero), and whether `negativeZeros` marks any value.
    private static func listCensus(_ list: NonZeroList, count: Int, negativeZeros: [UInt64]?)
        throws(NetworkError) -> (nonZeros: Int, firstNonFinite: Int?, keepsList: Bool, anyNegativeZero: Bool) {
        // The values' checks, at either precision: every value non-zero, and the first non-finite one's index.
        func valueCensus<Value: BinaryFloatingPoint>(_ listed: [Int32], _ values: [Value]) throws(NetworkError) -> Int? {
            guard listed.count == values.count else {
                throw NetworkError("a non-zero list of \(listed.count) indices has \(values.count) values")
            }
            var firstNonFinite: Int?
            for (position, value) in values.enumerated() {
                if value == 0 { throw NetworkError("a non-zero list holds a zero value") }
                if firstNonFinite == nil, !value.isFinite { firstNonFinite = Int(listed[position]) }
            }
            return firstNonFinite
        }
        let indices: [Int32]
        let firstNonFinite: Int?
        switch list {
        case .float32(let listed, let values): (indices, firstNonFinite) = (listed, try valueCensus(listed, values))
        case .float64(let listed, let values): (indices, firstNonFinite) = (listed, try valueCensus(listed, values))
        }
        var previous = -1
        for index in indices {
            guard Int(index) > previous, Int(index) < count else {
                throw NetworkError("non-zero indices must be strictly ascending and below \(count), found \(index) after \(previous)")
            }
            previous = Int(index)
        }
        var anyNegativeZero = false
        if let negativeZeros {
            guard negativeZeros.count >= (count + 63) / 64 else {
                throw NetworkError("a negative-zero bitmap of \(negativeZeros.count) words is too short for \(count) values")
            }
            anyNegativeZero = negativeZeros.contains { $0 != 0 }
        }
        // The block rule of `census(of:)`: after each block of 4096 values holding a non-zero, the non-zeros so far
        // must be at most one in `indexedDensityDivisor` of the values so far.
        var keepsList = indexable(count)
        var position = 0
        while keepsList, position < indices.count {
            let blockEnd = min((Int(indices[position]) / 4096 + 1) * 4096, count)
            while position < indices.count, Int(indices[position]) < blockEnd { position += 1 }
            if position > blockEnd / indexedDensityDivisor { keepsList = false }
        }
        return (indices.count, firstNonFinite, keepsList, anyNegativeZero)
    }

    /// The dense values of a non-zero list.
    private static func dense(_ list: NonZeroList, count: Int, negativeZeros: [UInt64]?) -> Storage {
        func fill<Value: BinaryFloatingPoint>(_ indices: [Int32], _ values: [Value]) -> [Value] {
            var dense = [Value](repeating: 0, count: count)
            if let negativeZeros {
                for (word, bits) in negativeZeros.enumerated() where bits != 0 {
                    var remaining = bits
                    while remaining != 0 {
                        let index = word &* 64 &+ remaining.trailingZeroBitCount
                        if index < count { dense[index] = -0.0 }
                        remaining &= remaining &- 1
                    }
                }
            }
            for (position, index) in indices.enumerated() { dense[Int(index)] = values[position] }
            return dense
        }
        switch list {
        case .float32(let indices, let values): return .float32(fill(indices, values))
        case .float64(let indices, let values): return .float64(fill(indices, values))
        }
    }

    /// The values at the file's precision. A tensor that keeps only its non-zeros (`holdsDenseValues` false) builds
    /// them on each call: readers on the paths every run takes use `forEachNonZero` instead.
    public var storage: Storage {
        if let denseStorage { return denseStorage }
        return Self.dense(nonZeros!, count: count, negativeZeros: negativeZeros)
    }

    public static func == (lhs: ParameterTensor, rhs: ParameterTensor) -> Bool {
        guard lhs.shape == rhs.shape, lhs.isDoublePrecision == rhs.isDoublePrecision else { return false }
        if lhs.denseStorage == nil, rhs.denseStorage == nil {
            // Both lists: the same non-zeros (a negative zero equals a zero, as for the dense values).
            return lhs.nonZeros == rhs.nonZeros
        }
        return lhs.storage == rhs.storage
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
    private static func census(of values: UnsafeBufferPointer<Float>)
        -> (Int, Int?, (indices: [Int32], values: [Float], negativeZeros: [UInt64]?)?) {
        let exponent: UInt32 = 0x7f80_0000
        guard let base = values.baseAddress else { return (0, nil, nil) }
        var negativeZeros: [UInt64]?
        var list: (indices: [Int32], values: [Float])? = indexable(values.count) ? ([], []) : nil
        var nonZeros = 0
        var firstNonFinite: Int?
        var start = 0
        while start < values.count {
            let end = min(start &+ 4096, values.count)
            var blockNonZeros: UInt32 = 0
            var blockStored: UInt32 = 0
            var nonFinite: UInt32 = 0
            var index = start
            while index < end {
                let value = base[index].bitPattern
                blockNonZeros &+= value & 0x7fff_ffff != 0 ? 1 : 0
                blockStored &+= value != 0 ? 1 : 0
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
            if blockStored != blockNonZeros, list != nil {
                markNegativeZeros(values, in: start..<end, into: &negativeZeros)
            }
            if nonFinite != 0, firstNonFinite == nil {
                firstNonFinite = (start..<end).first { base[$0].bitPattern & exponent == exponent }
            }
            start = end
        }
        return (nonZeros, firstNonFinite, list.map { ($0.indices, $0.values, negativeZeros) })
    }

    /// Sets the bits of `range`'s negative zeros in `negativeZeros` (made on first use, one bit per value), so that a
    /// tensor that keeps only its list gives back the file's bits.
    private static func markNegativeZeros<Value: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<Value>, in range: Range<Int>,
                                                                      into negativeZeros: inout [UInt64]?) {
        if negativeZeros == nil { negativeZeros = [UInt64](repeating: 0, count: (values.count + 63) / 64) }
        for position in range where values[position] == 0 && values[position].sign == .minus {
            negativeZeros![position / 64] |= 1 << UInt64(position % 64)
        }
    }

    /// The same for float64 values.
    private static func census(of values: UnsafeBufferPointer<Double>)
        -> (Int, Int?, (indices: [Int32], values: [Double], negativeZeros: [UInt64]?)?) {
        let exponent: UInt64 = 0x7ff0_0000_0000_0000
        guard let base = values.baseAddress else { return (0, nil, nil) }
        var negativeZeros: [UInt64]?
        var list: (indices: [Int32], values: [Double])? = indexable(values.count) ? ([], []) : nil
        var nonZeros = 0
        var firstNonFinite: Int?
        var start = 0
        while start < values.count {
            let end = min(start &+ 4096, values.count)
            var blockNonZeros: UInt64 = 0
            var blockStored: UInt64 = 0
            var nonFinite: UInt64 = 0
            var index = start
            while index < end {
                let value = base[index].bitPattern
                blockNonZeros &+= value & 0x7fff_ffff_ffff_ffff != 0 ? 1 : 0
                blockStored &+= value != 0 ? 1 : 0
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
            if blockStored != blockNonZeros, list != nil {
                markNegativeZeros(values, in: start..<end, into: &negativeZeros)
            }
            if nonFinite != 0, firstNonFinite == nil {
                firstNonFinite = (start..<end).first { base[$0].bitPattern & exponent == exponent }
            }
            start = end
        }
        return (nonZeros, firstNonFinite, list.map { ($0.indices, $0.values, negativeZeros) })
    }

    /// The value at a flat row-major index, widened to Double.
    /// (A tensor that keeps only its non-zeros finds the index in its list: a binary search.)
    public func value(at index: Int) -> Double {
        precondition(index >= 0 && index < count, "index \(index) is outside a tensor of \(count) values")
        switch denseStorage {
        case .float32(let values)?: return Double(values[index])
        case .float64(let values)?: return values[index]
        case nil: break
        }
        func search<Value: BinaryFloatingPoint>(_ indices: [Int32], _ values: [Value]) -> Double? {
            var low = 0, high = indices.count
            while low < high {
                let middle = (low + high) / 2
                if Int(indices[middle]) < index { low = middle + 1 } else { high = middle }
            }
            return low < indices.count && Int(indices[low]) == index ? Double(values[low]) : nil
        }
        let found: Double?
        switch nonZeros {
        case .float32(let indices, let values)?: found = search(indices, values)
        case .float64(let indices, let values)?: found = search(indices, values)
        case nil: found = nil
        }
        if let found { return found }
        if let negativeZeros, negativeZeros[index / 64] & (1 << UInt64(index % 64)) != 0 { return -0.0 }
        return 0
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
        if denseStorage == nil, !predicate(0), !predicate(-0.0) {
            // Only a non-zero can match: the list is enough.
            var found: Int?
            forEachNonZero { index, value in if found == nil, predicate(value) { found = index } }
            return found
        }
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
        let values = doubleValues
        return (0..<map.targetCount).map { values[map.sourceIndex(of: $0)] }
    }

    /// Whether the shape broadcasts to `target` numpy-style.
    public func broadcasts(to target: [Int]) -> Bool {
        (try? BroadcastIndexMap(from: shape, to: target)) != nil
    }
}
