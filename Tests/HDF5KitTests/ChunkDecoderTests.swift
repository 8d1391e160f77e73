import Foundation
import HDF5Kit
import Testing

/// HDF5Kit's own decoding of deflate-compressed chunks (libdeflate or zlib, several threads) must give exactly
/// what libhdf5's filter pipeline gives, for every chunking: edge chunks, chunks spanning whole rows, chunks of
/// single-value runs as exporters write for 3×3 convolutions, and a damaged chunk must be an error naming it.
@Suite("Chunk decoder")
struct ChunkDecoderTests {
    /// (shape, chunks): whole rows, partial edges on every axis, runs of one value, one chunk, rank 1 and 5, and an
    /// exporter's chunking of a 3×3 convolution (runs of 128 values nine apart, scanned in blocks of 64).
    static let layouts: [([Int], [Int])] = [
        ([512, 64, 3, 3], [64, 16, 1, 1]),
        ([256, 128, 3, 3], [64, 128, 1, 1]),
        ([300, 200], [64, 64]),
        ([300, 200], [7, 200]),
        ([37, 5, 3, 3], [37, 5, 3, 3]),
        ([37, 5, 3, 3], [8, 2, 2, 2]),
        ([1000], [96]),
        ([3, 4, 5, 6, 7], [2, 3, 1, 4, 7]),
        ([12, 256], [8, 256]),
    ]

    /// `count` floats, one in 13 non-zero (as pruned weights are), the rest positive zeros.
    static func prunedFloats(count: Int) -> [Float] {
        var floats = [Float](repeating: 0, count: count)
        for index in stride(from: 0, to: count, by: 13) { floats[index] = Float(index % 977) / 8 - 40 }
        return floats
    }

    @Test("every decoder gives libhdf5's values", arguments: layouts.indices)
    func decodersAgreeWithLibrary(layout: Int) throws {
        let (shape, chunks) = Self.layouts[layout]
        let count = shape.reduce(1, *)
        // Mostly zeros with a few values, as pruned weights are, plus negative zero and extremes.
        var floats = Self.prunedFloats(count: count)
        floats[count / 2] = -0.0
        floats[count - 1] = .greatestFiniteMagnitude
        let doubles: [Double] = (0..<count).map { Double($0) * 0.37 - 11 }
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                try file.writeDataset("f", floats, shape: shape, chunks: chunks, deflateLevel: 4)
                try file.writeDataset("d", doubles, shape: shape, chunks: chunks, deflateLevel: 1)
            }
            let file = try HDF5File(path: path, mode: .readOnly)
            for decoding in HDF5ChunkDecoding.allCases {
                let readFloats = try file.openDataset("f").read(as: Float.self, decoding: decoding)
                #expect(readFloats.map(\.bitPattern) == floats.map(\.bitPattern), "\(shape) in \(chunks), \(decoding)")
                #expect(try file.openDataset("d").read(as: Double.self, decoding: decoding) == doubles)
            }
            // A stored type that needs converting goes through libhdf5 and still converts.
            #expect(try file.openDataset("f").read(as: Double.self) == floats.map(Double.init))
        }
    }

    @Test("rows read through the decoder are libhdf5's rows, wherever they start and end", arguments: layouts.indices)
    func rowReadsAgreeWithLibrary(layout: Int) throws {
        let (shape, chunks) = Self.layouts[layout]
        let count = shape.reduce(1, *)
        let rowElements = count / shape[0]
        let floats: [Float] = (0..<count).map { Float($0 % 1009) * 0.25 - 100 }
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                try file.writeDataset("f", floats, shape: shape, chunks: chunks, deflateLevel: 4)
                // Rows of a dataset the decoder does not read (no compression) come from libhdf5, as before.
                try file.writeDataset("plain", floats, shape: shape)
            }
            let file = try HDF5File(path: path, mode: .readOnly)
            let rows = shape[0]
            // Within one chunk, across chunk boundaries, aligned, the last partial chunk, one row, all rows.
            let ranges = [0..<1, 0..<min(2, rows), 1..<min(rows, chunks[0] + 2), (rows - 1)..<rows,
                          (rows / 2)..<rows, 0..<rows, (chunks[0] < rows ? chunks[0] : 0)..<rows]
            for name in ["f", "plain"] {
                let dataset = try file.openDataset(name)
                for range in ranges where !range.isEmpty {
                    let read = try dataset.readRows(range, as: Float.self)
                    let expected = Array(floats[(range.lowerBound * rowElements)..<(range.upperBound * rowElements)])
                    #expect(read.map(\.bitPattern) == expected.map(\.bitPattern), "\(name) \(shape) in \(chunks), rows \(range)")
                }
            }
            // A type that needs converting still goes through libhdf5.
            #expect(try file.openDataset("f").readRows(0..<1, as: Double.self) == floats.prefix(rowElements).map(Double.init))
        }
    }

    @Test("the decoder's census of a dense float array counts what a plain scan counts", arguments: layouts.indices)
    func denseCensusMatchesAPlainScan(layout: Int) throws {
        let (shape, chunks) = Self.layouts[layout]
        let count = shape.reduce(1, *)
        // Dense values with zeros and negative zeros among them, then the same with an infinity in the last value
        // (inside an edge chunk where the layout has them) and with a NaN in the middle.
        let base: [Float] = (0..<count).map { (index: Int) -> Float in
            if index % 5 == 0 { return 0 }
            if index % 11 == 0 { return -0.0 }
            return Float(index % 997) * 0.5 - 200
        }
        var lastInfinite = base
        lastInfinite[count - 1] = -.infinity
        var middleNaN = base
        middleNaN[count / 2] = .nan
        let arrays = [base, lastInfinite, middleNaN, Self.prunedFloats(count: count)]
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                for (index, floats) in arrays.enumerated() {
                    try file.writeDataset("f\(index)", floats, shape: shape, chunks: chunks, deflateLevel: 4)
                    try file.writeDataset("d\(index)", floats.map(Double.init), shape: shape, chunks: chunks, deflateLevel: 1)
                }
            }
            let file = try HDF5File(path: path, mode: .readOnly)
            for (index, floats) in arrays.enumerated() {
                let expected = HDF5FloatCensus(nonZeroCount: floats.filter { $0 != 0 || $0.isNaN }.count,
                                               anyNonFinite: floats.contains { !$0.isFinite })
                for decoding in HDF5ChunkDecoding.allCases {
                    // A limit of no non-zeros: every one of these arrays is decoded dense.
                    let single = try file.openDataset("f\(index)").readMostlyZeroCounted(as: Float.self, decoding: decoding,
                                                                                       sparseLimit: 0)
                    let double = try file.openDataset("d\(index)").readMostlyZeroCounted(as: Double.self, decoding: decoding,
                                                                                       sparseLimit: 0)
                    #expect(Self.denseBits(single.values) == floats.map(\.bitPattern))
                    // libhdf5's pipeline takes no census; HDF5Kit's decoder always does for a dense float array.
                    #expect(single.census == (decoding == .library ? nil : expected), "\(shape) in \(chunks), array \(index), \(decoding)")
                    #expect(double.census == (decoding == .library ? nil : expected), "\(shape) in \(chunks), array \(index), \(decoding)")
                }
            }
        }
    }

    /// The dense array a `readMostlyZero` result stands for.
    static func dense<T: BinaryFloatingPoint & HDF5Numeric>(_ values: HDF5StoredValues<T>) -> [T] {
        switch values {
        case .dense(let dense): return dense
        case .sparse(let indices, let listed, let negativeZeros, let count):
            var all = [T](repeating: 0, count: count)
            for index in 0..<count where (negativeZeros?[index / 64] ?? 0) >> UInt64(index % 64) & 1 == 1 {
                all[index] = -T.zero
            }
            for (position, index) in indices.enumerated() { all[Int(index)] = listed[position] }
            return all
        }
    }

    /// The dense array a `readMostlyZero` result stands for, as bit patterns.
    static func denseBits(_ values: HDF5StoredValues<Float>) -> [UInt32] { dense(values).map(\.bitPattern) }

    @Test("a weight pruned by a mask (one value in a hundred, -0 for half the rest) reads bit for bit",
          arguments: layouts.indices)
    func maskPrunedReadsAgreeWithLibrary(layout: Int) throws {
        let (shape, chunks) = Self.layouts[layout]
        let count = shape.reduce(1, *)
        // A pruning mask times the weights leaves -0 where a pruned weight was negative: about half of the zeros,
        // here in a pseudo-random pattern, so that groups of eight see every mix of +0, -0 and values.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(layout)
        var floats = [Float](repeating: 0, count: count)
        for index in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let draw = state >> 33
            floats[index] = draw % 100 == 0 ? Float(Int(draw % 2001) - 1000) / 64 : (draw & 1 == 1 ? -0.0 : 0)
        }
        let nonZeros = floats.filter { $0 != 0 }.count
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                try file.writeDataset("f", floats, shape: shape, chunks: chunks, deflateLevel: 4)
            }
            let file = try HDF5File(path: path, mode: .readOnly)
            let expected = try file.openDataset("f").read(as: Float.self, decoding: .library).map(\.bitPattern)
            #expect(expected == floats.map(\.bitPattern))
            for decoding in [HDF5ChunkDecoding.fastest, .zlib] {
                // Small chunks deflate too poorly for the sparse decode to be tried (`worthDecodingSparse`); either
                // way the values are libhdf5's.
                let read = try file.openDataset("f").readMostlyZero(as: Float.self, decoding: decoding, sparseLimit: nonZeros)
                if case .sparse(let indices, _, let negativeZeros, _) = read {
                    #expect(indices.count == nonZeros && negativeZeros != nil)
                } else {
                    #expect(chunks.reduce(1, *) < 4096, "\(shape) in \(chunks): large chunks, yet read dense")
                }
                #expect(Self.denseBits(read) == expected, "\(shape) in \(chunks), \(decoding)")
            }
        }
    }

    @Test("a mostly-zero array read as its non-zeros gives libhdf5's values bit for bit", arguments: layouts.indices)
    func mostlyZeroReadsAgreeWithLibrary(layout: Int) throws {
        let (shape, chunks) = Self.layouts[layout]
        let count = shape.reduce(1, *)
        // One value in 13 non-zero, negative zeros among the zeros (a pruning mask times negative weights), a NaN,
        // the largest float, and the last value set so that edge chunks matter.
        var floats = Self.prunedFloats(count: count)
        for index in stride(from: 5, to: count, by: 7) where floats[index] == 0 { floats[index] = -0.0 }
        floats[count / 3] = .nan
        floats[count - 1] = .greatestFiniteMagnitude
        let nonZeros = floats.filter { $0 != 0 || $0.isNaN }.count
        let allZero = [Float](repeating: 0, count: count)
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                try file.writeDataset("f", floats, shape: shape, chunks: chunks, deflateLevel: 4)
                try file.writeDataset("z", allZero, shape: shape, chunks: chunks, deflateLevel: 4)
                try file.writeDataset("d", floats.map(Double.init), shape: shape, chunks: chunks, deflateLevel: 4)
            }
            let file = try HDF5File(path: path, mode: .readOnly)
            let expected = try file.openDataset("f").read(as: Float.self, decoding: .library).map(\.bitPattern)
            #expect(expected == floats.map(\.bitPattern))
            let expectedDoubles = try file.openDataset("d").read(as: Double.self, decoding: .library).map(\.bitPattern)
            for decoding in [HDF5ChunkDecoding.fastest, .zlib] {
                // 8-byte elements: the same non-zeros, found 8 to a 64-byte block instead of 16.
                let doubles = try file.openDataset("d").readMostlyZero(as: Double.self, decoding: decoding, sparseLimit: nonZeros)
                guard case .sparse = doubles else { Issue.record("doubles within the limit, yet dense"); continue }
                #expect(Self.dense(doubles).map(\.bitPattern) == expectedDoubles, "\(shape) in \(chunks), \(decoding), doubles")
                let roomy = try file.openDataset("f").readMostlyZero(as: Float.self, decoding: decoding, sparseLimit: nonZeros)
                #expect(Self.denseBits(roomy) == expected, "\(shape) in \(chunks), \(decoding)")
                if case .sparse(let indices, _, let negativeZeros, _) = roomy {
                    #expect(indices.count == nonZeros)
                    #expect(zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 })
                    #expect(negativeZeros != nil)
                }
                // One non-zero too many for the limit: the same values, dense.
                let tight = try file.openDataset("f").readMostlyZero(as: Float.self, decoding: decoding, sparseLimit: nonZeros - 1)
                guard case .dense(let dense) = tight else { Issue.record("over the limit, yet sparse"); continue }
                #expect(dense.map(\.bitPattern) == expected)
                // All zeros: nothing listed, no negative zeros.
                let zeros = try file.openDataset("z").readMostlyZero(as: Float.self, decoding: decoding, sparseLimit: 0)
                #expect(Self.denseBits(zeros) == allZero.map(\.bitPattern))
                if case .sparse(let indices, _, let negativeZeros, _) = zeros {
                    #expect(indices.isEmpty && negativeZeros == nil)
                }
            }
            // The library's pipeline only ever gives the dense array.
            guard case .dense = try file.openDataset("f").readMostlyZero(as: Float.self, decoding: .library,
                                                                          sparseLimit: count) else {
                Issue.record("libhdf5's pipeline gave a sparse result")
                return
            }
        }
    }

    @Test("a pruned weight comes back as its non-zeros, in row-major order, whatever the chunking")
    func prunedWeightIsReadSparse() throws {
        let shape = [256, 128, 3, 3], count = 256 * 128 * 9
        var floats = [Float](repeating: 0, count: count)
        var state: UInt64 = 12_345
        for index in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            if state >> 58 == 0 { floats[index] = Float(Int(state >> 40 & 0xffff) - 32_768) / 4096 }
        }
        let nonZeros = floats.filter { $0 != 0 }.count
        try withTemporaryHDF5Path { path in
            let chunkings = [[64, 128, 1, 1], [32, 32, 2, 2], [256, 128, 3, 3], [7, 128, 3, 3]]
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                for (index, chunks) in chunkings.enumerated() {
                    try file.writeDataset("w\(index)", floats, shape: shape, chunks: chunks, deflateLevel: 4)
                }
            }
            let file = try HDF5File(path: path, mode: .readOnly)
            for index in chunkings.indices {
                let read = try file.openDataset("w\(index)").readMostlyZero(as: Float.self, decoding: .fastest,
                                                                             threads: 2, sparseLimit: count / 8)
                guard case .sparse(let indices, let values, let negativeZeros, let total) = read else {
                    Issue.record("\(chunkings[index]): read dense")
                    continue
                }
                #expect(total == count && negativeZeros == nil && indices.count == nonZeros)
                let expected = floats.indices.filter { floats[$0] != 0 }
                #expect(indices.map { Int($0) } == expected, "\(chunkings[index])")
                #expect(values.map(\.bitPattern) == expected.map { floats[$0].bitPattern }, "\(chunkings[index])")
            }
        }
    }

    @Test("a damaged chunk is an error naming the chunk when read as non-zeros too")
    func damagedChunkIsNamedInSparseReads() throws {
        var values = [Float](repeating: 0, count: 64 * 64)
        for index in stride(from: 0, to: values.count, by: 50) { values[index] = Float(index) }
        try withTemporaryHDF5Path { path in
            try writeTwoChunkDataset(values, at: path)
            try damageSecondChunk(at: path)
            let dataset = try HDF5File(path: path, mode: .readOnly).openDataset("w")
            for decoding in [HDF5ChunkDecoding.fastest, .zlib] {
                #expect {
                    _ = try dataset.readMostlyZero(as: Float.self, decoding: decoding, sparseLimit: values.count)
                } throws: { error in
                    let message = "\(error)"
                    return message.contains(path) && message.contains("/w") && message.contains("damaged chunk at (32, 0)")
                }
            }
        }
    }

    @Test("a damaged chunk is an error naming the chunk, whichever decoder reads it")
    func damagedChunkIsNamed() throws {
        let values = (0..<(64 * 64)).map { Float($0 % 31) }
        try withTemporaryHDF5Path { path in
            try writeTwoChunkDataset(values, at: path)
            let sound = try HDF5File(path: path, mode: .readOnly).openDataset("w").read(as: Float.self, decoding: .library)
            #expect(sound == values)
            try damageSecondChunk(at: path)
            let dataset = try HDF5File(path: path, mode: .readOnly).openDataset("w")
            for decoding in [HDF5ChunkDecoding.fastest, .zlib] {
                #expect {
                    _ = try dataset.read(as: Float.self, decoding: decoding)
                } throws: { error in
                    let message = "\(error)"
                    return message.contains(path) && message.contains("/w") && message.contains("damaged chunk at (32, 0)")
                }
            }
            // Rows are read by the same decoder: the damaged chunk is named by its place in the dataset, and rows
            // of the sound chunk still read.
            #expect {
                _ = try dataset.readRows(40..<42, as: Float.self)
            } throws: { error in
                let message = "\(error)"
                return message.contains(path) && message.contains("/w") && message.contains("damaged chunk at (32, 0)")
            }
            #expect(try dataset.readRows(3..<5, as: Float.self) == Array(values[(3 * 64)..<(5 * 64)]))
        }
    }
}
