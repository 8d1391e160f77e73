import HDF5Kit
import Testing

/// Chunking, compression filters, and growing datasets with `append`.
@Suite("Chunked storage and append")
struct ChunkedStorageTests {
    @Test func chunkedShuffledDeflatedDatasetReportsLayoutAndRoundTrips() throws {
        let values = (0..<(300 * 200)).map { Float($0 % 977) / 8 }
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                try file.writeDataset("W", values, shape: [300, 200], chunks: [64, 64], deflateLevel: 4, shuffle: true)
            }
            let dataset = try HDF5File(path: path, mode: .readOnly).openDataset("W")
            #expect(try dataset.chunkShape == [64, 64])
            #expect(try dataset.filterNames == ["shuffle", "deflate"])
            #expect(try dataset.read(as: Float.self) == values)
        }
    }

    @Test func deflateWithoutChunksChoosesChunksAutomatically() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let values = [Int32](repeating: 7, count: 1000 * 600)
            let dataset = try file.writeDataset("auto", values, shape: [1000, 600], deflateLevel: 1)
            let chunks = try #require(try dataset.chunkShape)
            #expect(chunks.count == 2)
            #expect(chunks.reduce(4, *) <= 1 << 20, "automatic chunks stay within 1 MiB")
            #expect(try dataset.filterNames == ["deflate"])
            #expect(try dataset.read(as: Int32.self) == values)
        }
    }

    @Test func contiguousDatasetHasNoChunksOrFilters() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let dataset = try file.writeDataset("plain", [1, 2, 3] as [Double], shape: [3])
            #expect(try dataset.chunkShape == nil)
            #expect(try dataset.filterNames == [])
        }
    }

    @Test func unlimitedOneDimensionalDatasetGrowsInBlocks() throws {
        try withTemporaryHDF5Path { path in
            var expected: [Int32] = []
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                let events = try file.createDataset("events", of: Int32.self, shape: [0], maxShape: [nil],
                                                    chunks: [1000], deflateLevel: 1)
                for block in 0..<5 {
                    let values = (0..<(700 + block * 300)).map { Int32($0 * 7 + block) }
                    try events.append(values)
                    expected += values
                    #expect(try events.shape == [expected.count])
                }
                try events.append([Int32]())
                #expect(try events.shape == [expected.count], "appending nothing changes nothing")
            }
            let events = try HDF5File(path: path, mode: .readOnly).openDataset("events")
            #expect(try events.maxShape == [nil])
            #expect(try events.shape == [expected.count])
            #expect(try events.read(as: Int32.self) == expected)
        }
    }

    @Test func unlimitedTwoDimensionalDatasetGrowsByRows() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let trace = try file.createDataset("trace", of: Double.self, shape: [0, 3], maxShape: [nil, 3], chunks: [16, 3])
            try trace.append([1, 2, 3] as [Double])
            let block: [Double] = [4, 5, 6, 7, 8, 9]
            try block.withUnsafeBufferPointer { try trace.append($0) }
            try trace.append([10, 11, 12] as [Float])
            #expect(try trace.shape == [4, 3])
            #expect(try trace.maxShape == [nil, 3])
            #expect(try trace.read(as: Double.self) == (1...12).map(Double.init))
        }
    }

    @Test func automaticChunksForUnlimitedDataset() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let stream = try file.createDataset("stream", of: Int64.self, shape: [0], maxShape: [nil])
            #expect(try stream.chunkShape == [1024])
            try stream.append(Array(0..<5000) as [Int64])
            #expect(try stream.read(as: Int64.self) == Array(0..<5000))
        }
    }

    @Test func raggedAppendFailsAndLeavesDatasetUnchanged() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let trace = try file.createDataset("trace", of: Int16.self, shape: [1, 4], maxShape: [nil, 4], chunks: [8, 4])
            let error = expectHDF5Error { try trace.append([1, 2, 3, 4, 5, 6] as [Int16]) }
            #expect(error?.objectPath == "/trace")
            #expect(error?.message.contains("not a whole number of rows") == true)
            #expect(try trace.shape == [1, 4])
        }
    }

    @Test func appendBeyondFixedMaximumFails() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let fixed = try file.writeDataset("fixed", [1, 2] as [Int32], shape: [2])
            let error = expectHDF5Error { try fixed.append([3] as [Int32]) }
            #expect(error?.message.contains("maxShape") == true)
            let bounded = try file.createDataset("bounded", of: Int32.self, shape: [0], maxShape: [3])
            try bounded.append([1, 2, 3] as [Int32])
            expectHDF5Error { try bounded.append([4] as [Int32]) }
            #expect(try bounded.read(as: Int32.self) == [1, 2, 3])
            let scalar = try file.writeDataset("scalar", [1] as [Int32], shape: [])
            expectHDF5Error { try scalar.append([2] as [Int32]) }
        }
    }

    @Test func invalidCreationOptionsFailClearly() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            expectHDF5Error("scalar chunks") { _ = try file.createDataset("a", of: Float.self, shape: [], chunks: [1]) }
            expectHDF5Error("chunk rank") { _ = try file.createDataset("b", of: Float.self, shape: [4, 4], chunks: [2]) }
            expectHDF5Error("zero chunk") { _ = try file.createDataset("c", of: Float.self, shape: [4], chunks: [0]) }
            expectHDF5Error("deflate level") { _ = try file.createDataset("d", of: Float.self, shape: [4], deflateLevel: 10) }
            expectHDF5Error("max rank") { _ = try file.createDataset("e", of: Float.self, shape: [4], maxShape: [nil, nil]) }
            expectHDF5Error("max < shape") { _ = try file.createDataset("f", of: Float.self, shape: [4], maxShape: [2]) }
            expectHDF5Error("negative") { _ = try file.createDataset("g", of: Float.self, shape: [-1]) }
            #expect(try file.memberNames() == [])
        }
    }
}

@Suite("Reading row blocks")
struct RowBlockReadTests {
    @Test func readsRowRangesWithConversion() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .createNew)
            let values = (0..<60).map { Int32($0) }
            try file.writeDataset("grid", values, shape: [5, 3, 4], chunks: [2, 3, 4], deflateLevel: 1)
            let dataset = try file.openDataset("grid")
            #expect(try dataset.readRows(1..<3, as: Double.self) == (12..<36).map { Double($0) })
            #expect(try dataset.readRows(4..<5, as: Int64.self) == (48..<60).map { Int64($0) })
            #expect(try dataset.readRows(2..<2, as: Float.self).isEmpty)
            #expect(throws: HDF5Error.self) { try dataset.readRows(4..<6, as: Float.self) }
        }
    }
}
