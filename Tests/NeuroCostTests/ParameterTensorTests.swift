import Foundation
@testable import NetworkModel
import Testing

/// `ParameterTensor`'s census (non-zero count, first non-finite value) and `forEachNonZero`, against a plain scan
/// of the values, for tensors that take the index list made at construction and tensors that do not.
@Suite struct ParameterTensorTests {
    /// Every (index, value) a plain loop finds non-zero (negative zero counts as zero, as in the census).
    static func plainNonZeros(_ values: [Double]) -> [(Int, Double)] {
        values.enumerated().compactMap { $0.element != 0 ? ($0.offset, $0.element) : nil }
    }

    static func visited(_ tensor: ParameterTensor) -> [(Int, Double)] {
        var found: [(Int, Double)] = []
        tensor.forEachNonZero { found.append(($0, $1)) }
        return found
    }

    /// Values of which about one in `every` is non-zero, at positions from a fixed-seed generator, with some
    /// negative zeros among the zeros.
    static func sparseValues(count: Int, every: Int, seed: UInt64) -> [Double] {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        return (0..<count).map { _ in
            let draw = next()
            if draw % UInt64(every) == 0 { return Double(Int(draw % 2001) - 1000) / 256 + 0.5 }
            return draw % 7 == 0 ? -0.0 : 0
        }
    }

    @Test(arguments: [(5_000, 100), (70_000, 3), (70_000, 7), (70_000, 9), (70_000, 1_000), (4_095, 50), (8_192, 1)])
    func nonZerosMatchAPlainScan(count: Int, every: Int) throws {
        let values = Self.sparseValues(count: count, every: every, seed: UInt64(count * 31 + every))
        let expected = Self.plainNonZeros(values)
        for tensor in [try ParameterTensor(shape: [count], float64: values),
                       try ParameterTensor(shape: [count], float32: values.map { Float($0) })] {
            #expect(tensor.nonZeroCount == expected.count)
            #expect(tensor.firstNonFiniteIndex == nil)
            let found = Self.visited(tensor)
            #expect(found.map(\.0) == expected.map(\.0))
            #expect(found.map(\.1) == expected.map(\.1))
            // The index list is kept exactly for large tensors that stay sparse enough throughout.
            let prefixesSparse = stride(from: 4096, through: count + 4095, by: 4096).allSatisfy { end in
                expected.prefix { $0.0 < min(end, count) }.count <= min(end, count) / ParameterTensor.indexedDensityDivisor
            }
            #expect((tensor.nonZeroIndices != nil) == (count >= ParameterTensor.smallestIndexedCount && prefixesSparse))
        }
    }

    @Test func aTensorThatTurnsDenseLaterHasNoIndexListButTheSameNonZeros() throws {
        let values = Self.sparseValues(count: 40_000, every: 500, seed: 7) + (0..<40_000).map { Double($0 % 5) }
        let tensor = try ParameterTensor(shape: [2, 40_000], float32: values.map { Float($0) })
        #expect(tensor.nonZeroIndices == nil)
        #expect(Self.visited(tensor).map(\.0) == Self.plainNonZeros(values).map(\.0))
        #expect(tensor.nonZeroCount == Self.plainNonZeros(values).count)
    }

    @Test func nonFiniteValuesAreFoundAndVisited() throws {
        var values = Self.sparseValues(count: 20_000, every: 200, seed: 3)
        values[12_345] = .infinity
        values[15_000] = .nan
        let tensor = try ParameterTensor(shape: [20_000], float32: values.map { Float($0) })
        #expect(tensor.firstNonFiniteIndex == 12_345)
        let found = Self.visited(tensor).map(\.0)
        #expect(found == Self.plainNonZeros(values).map(\.0))
        #expect(found.contains(15_000))
    }

    /// The non-zeros (and negative-zero bitmap) of float32 values, as a reader of a file hands them over.
    static func list(of values: [Float]) -> (indices: [Int32], values: [Float], negativeZeros: [UInt64]?) {
        var indices: [Int32] = [], listed: [Float] = []
        var bitmap = [UInt64](repeating: 0, count: (values.count + 63) / 64)
        for (index, value) in values.enumerated() {
            if value != 0 || value.isNaN {
                indices.append(Int32(index))
                listed.append(value)
            } else if value.sign == .minus {
                bitmap[index / 64] |= 1 << UInt64(index % 64)
            }
        }
        return (indices, listed, bitmap.contains { $0 != 0 } ? bitmap : nil)
    }

    @Test(arguments: [(70_000, 1_000), (70_000, 9), (70_000, 3), (5_000, 100), (100, 10)])
    func aTensorMadeFromItsNonZerosIsTheTensorMadeFromItsValues(count: Int, every: Int) throws {
        var values = Self.sparseValues(count: count, every: every, seed: UInt64(count + every)).map { Float($0) }
        values[count / 2] = .infinity
        let dense = try ParameterTensor(shape: [count], float32: values)
        let list = Self.list(of: values)
        let listed = try ParameterTensor(shape: [count], nonZeroIndices: list.indices, float32: list.values,
                                         negativeZeros: list.negativeZeros)
        #expect(listed == dense)
        #expect(listed.keepsNonZeroList == dense.keepsNonZeroList)
        // A tensor that keeps its list holds nothing else; its dense values come back bit for bit.
        #expect(listed.holdsDenseValues == !listed.keepsNonZeroList)
        #expect(dense.holdsDenseValues == !dense.keepsNonZeroList)
        for tensor in [listed, dense] {
            guard case .float32(let stored) = tensor.storage else { Issue.record("not float32"); continue }
            #expect(stored.map(\.bitPattern) == values.map(\.bitPattern))
            #expect(tensor.nonZeroCount == values.filter { $0 != 0 }.count)
            #expect(tensor.firstNonFiniteIndex == count / 2)
            #expect(Self.visited(tensor).map(\.0) == Self.plainNonZeros(values.map(Double.init)).map(\.0))
            for index in [0, 1, count / 2, count - 1] + list.indices.prefix(20).map({ Int($0) }) {
                #expect(tensor.value(at: index).bitPattern == Double(values[index]).bitPattern)
            }
            #expect(tensor.firstIndex { $0 > 100 } == values.firstIndex { $0 > 100 })
            #expect(tensor.firstIndex { $0 == 0 } == values.firstIndex { $0 == 0 })
            #expect(tensor.firstIndex { $0.sign == .minus && $0 == 0 } == values.firstIndex { $0.sign == .minus && $0 == 0 })
        }
    }

    @Test func aFloat64TensorMadeFromItsNonZerosIsTheSame() throws {
        let values = Self.sparseValues(count: 50_000, every: 300, seed: 11)
        var indices: [Int32] = [], listed: [Double] = []
        for (index, value) in values.enumerated() where value != 0 {
            indices.append(Int32(index))
            listed.append(value)
        }
        // The negative zeros left out: the tensor equals the values (a negative zero equals zero), its bits are +0.
        let tensor = try ParameterTensor(shape: [500, 100], nonZeroIndices: indices, float64: listed, negativeZeros: nil)
        #expect(tensor == (try ParameterTensor(shape: [500, 100], float64: values)))
        #expect(tensor.isDoublePrecision && !tensor.holdsDenseValues && tensor.count == 50_000)
        #expect(tensor.doubleValues == values)
    }

    @Test func aMalformedNonZeroListIsRefused() throws {
        #expect(throws: NetworkError.self) {
            try ParameterTensor(shape: [10_000], nonZeroIndices: [5, 3], float32: [1, 2], negativeZeros: nil)
        }
        #expect(throws: NetworkError.self) {
            try ParameterTensor(shape: [10_000], nonZeroIndices: [10_000], float32: [1], negativeZeros: nil)
        }
        #expect(throws: NetworkError.self) {
            try ParameterTensor(shape: [10_000], nonZeroIndices: [1, 2], float32: [1], negativeZeros: nil)
        }
        #expect(throws: NetworkError.self) {
            try ParameterTensor(shape: [10_000], nonZeroIndices: [1], float32: [0], negativeZeros: nil)
        }
        #expect(throws: NetworkError.self) {
            try ParameterTensor(shape: [10_000], nonZeroIndices: [1], float32: [1], negativeZeros: [0])
        }
    }

    /// Everything a tensor tells its readers, to compare two tensors made different ways.
    static func observed(_ tensor: ParameterTensor) -> String {
        let bits: [UInt64] = switch tensor.storage {
        case .float32(let values): values.map { UInt64($0.bitPattern) }
        case .float64(let values): values.map(\.bitPattern)
        }
        return "\(tensor.shape) \(tensor.count) \(tensor.isDoublePrecision) \(tensor.nonZeroCount) "
            + "\(String(describing: tensor.firstNonFiniteIndex)) \(tensor.keepsNonZeroList) \(tensor.holdsDenseValues) "
            + "\(String(describing: tensor.nonZeroIndices)) \(bits)"
    }

    /// A tensor made with the census a reader took is the tensor made from its values alone: where the census settles
    /// everything (all finite, too many non-zeros for a list, or too small for one) and where it does not (a NaN or an
    /// infinity, a tensor sparse enough for its index list, at either precision), so that it falls back to counting.
    @Test(arguments: [(70_000, 3), (70_000, 7), (70_000, 8), (70_000, 9), (70_000, 1_000), (4_095, 50), (8_192, 1),
                      (4_096, 2), (100, 10)])
    func aCensusFromTheReaderMakesTheSameTensor(count: Int, every: Int) throws {
        var values = Self.sparseValues(count: count, every: every, seed: UInt64(count * 17 + every))
        for nonFinite in [nil, Double.nan, .infinity, -.infinity] {
            if let nonFinite { values[count * 2 / 3] = nonFinite }
            let nonZeros = values.filter { $0 != 0 || $0.isNaN }.count
            let anyNonFinite = values.contains { !$0.isFinite }
            for storage in [ParameterTensor.Storage.float64(values), .float32(values.map { Float($0) })] {
                let counted = try ParameterTensor(shape: [count], storage: storage)
                let given = try ParameterTensor(shape: [count], storage: storage, nonZeroCount: nonZeros,
                                                anyNonFinite: anyNonFinite)
                #expect(Self.observed(given) == Self.observed(counted), "\(count) values, 1 in \(every), \(String(describing: nonFinite))")
                #expect(given.nonZeroCount == nonZeros)
            }
        }
        // A census that cannot be right (more non-zeros than values) is not taken: the values are counted.
        let storage = ParameterTensor.Storage.float32(values.map { Float($0) })
        let impossible = try ParameterTensor(shape: [count], storage: storage, nonZeroCount: count + 1, anyNonFinite: false)
        #expect(Self.observed(impossible) == Self.observed(try ParameterTensor(shape: [count], storage: storage)))
        // The shape is checked as always.
        #expect(throws: NetworkError.self) {
            try ParameterTensor(shape: [count + 1], storage: storage, nonZeroCount: count, anyNonFinite: false)
        }
    }
}
