import HDF5Kit
import Testing

/// Every numeric type written and read back at ranks 0 through 4, through a closed and reopened file.
@Suite("Numeric round trip")
struct NumericRoundTripTests {
    /// Writes samples of `T` with the shape for `rank`, reopens read-only, and checks values, shape and type.
    private func roundTrip<T: SampleValues>(_ type: T.Type, rank: Int) throws {
        let shape = try #require(shapesByRank[rank])
        let values = T.samples(count: elementCount(of: shape))
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .createNew)
                try file.writeDataset("values", values, shape: shape)
            }
            let file = try HDF5File(path: path, mode: .readOnly)
            let dataset = try file.openDataset("values")
            #expect(try dataset.shape == shape)
            #expect(try dataset.maxShape == shape.map { Optional($0) })
            #expect(try dataset.elementType == T.hdf5NumericKind.elementType)
            #expect(try dataset.elementCount == values.count)
            #expect(try dataset.chunkShape == nil)
            #expect(try dataset.read(as: T.self) == values)
        }
    }

    @Test(arguments: 0...4) func int8(rank: Int) throws { try roundTrip(Int8.self, rank: rank) }
    @Test(arguments: 0...4) func int16(rank: Int) throws { try roundTrip(Int16.self, rank: rank) }
    @Test(arguments: 0...4) func int32(rank: Int) throws { try roundTrip(Int32.self, rank: rank) }
    @Test(arguments: 0...4) func int64(rank: Int) throws { try roundTrip(Int64.self, rank: rank) }
    @Test(arguments: 0...4) func int(rank: Int) throws { try roundTrip(Int.self, rank: rank) }
    @Test(arguments: 0...4) func uint8(rank: Int) throws { try roundTrip(UInt8.self, rank: rank) }
    @Test(arguments: 0...4) func uint16(rank: Int) throws { try roundTrip(UInt16.self, rank: rank) }
    @Test(arguments: 0...4) func uint32(rank: Int) throws { try roundTrip(UInt32.self, rank: rank) }
    @Test(arguments: 0...4) func uint64(rank: Int) throws { try roundTrip(UInt64.self, rank: rank) }
    @Test(arguments: 0...4) func float(rank: Int) throws { try roundTrip(Float.self, rank: rank) }
    @Test(arguments: 0...4) func double(rank: Int) throws { try roundTrip(Double.self, rank: rank) }

    @Test func intIsStoredAsInt64() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let dataset = try file.writeDataset("ints", [Int.min, -1, 0, Int.max], shape: [4])
            #expect(try dataset.elementType == .signedInteger(bytes: 8))
            #expect(try dataset.read(as: Int64.self) == [Int64.min, -1, 0, Int64.max])
        }
    }

    @Test func createThenWriteWholeDataset() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let dataset = try file.createDataset("grid", of: Double.self, shape: [2, 2])
            #expect(try dataset.read(as: Double.self) == [0, 0, 0, 0], "new datasets read as zeros")
            try dataset.write([1.5, -2.5, 3.5, -4.5])
            #expect(try dataset.read(as: Double.self) == [1.5, -2.5, 3.5, -4.5])
        }
    }

    @Test func emptyDatasetRoundTrips() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let dataset = try file.writeDataset("empty", [Float](), shape: [0, 3])
            #expect(try dataset.shape == [0, 3])
            #expect(try dataset.read(as: Float.self) == [])
        }
    }

    @Test func writeWithWrongCountFails() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let error = expectHDF5Error { try file.writeDataset("bad", [1, 2, 3] as [Int32], shape: [2, 2]) }
            #expect(error?.objectPath == "/bad")
            #expect(!file.exists("bad"), "nothing is created when the values do not fit the shape")
            let dataset = try file.createDataset("fixed", of: Int32.self, shape: [2])
            expectHDF5Error { try dataset.write([1, 2, 3] as [Int32]) }
        }
    }
}
