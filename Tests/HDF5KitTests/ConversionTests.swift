import HDF5Kit
import Testing

/// Reading with a different numeric type than stored: libhdf5 converts types and widths.
@Suite("Type conversion on read")
struct ConversionTests {
    @Test func int32ReadAsDouble() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let dataset = try file.writeDataset("ints", [-7, 0, 42, Int32.max], shape: [2, 2])
            #expect(try dataset.read(as: Double.self) == [-7, 0, 42, Double(Int32.max)])
        }
    }

    @Test func float64ReadAsFloat() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let values: [Double] = [0.1, -2.5, 1e10, 3.0]
            let dataset = try file.writeDataset("doubles", values, shape: [4])
            #expect(try dataset.read(as: Float.self) == values.map { Float($0) })
        }
    }

    @Test func uint8ReadAsInt64() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let dataset = try file.writeDataset("bytes", [0, 1, 128, 255] as [UInt8], shape: [4])
            #expect(try dataset.read(as: Int64.self) == [0, 1, 128, 255])
        }
    }

    @Test func int64ReadAsUInt16AndInt8() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let dataset = try file.writeDataset("wide", [1, 300, 65_000] as [Int64], shape: [3])
            #expect(try dataset.read(as: UInt16.self) == [1, 300, 65_000])
            #expect(try dataset.read(as: Int8.self).first == 1)
        }
    }

    @Test func writeConvertsToStoredType() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let dataset = try file.createDataset("stored_as_float", of: Float.self, shape: [3])
            try dataset.write([1, -2, 3] as [Int16])
            #expect(try dataset.elementType == .float(bytes: 4))
            #expect(try dataset.read(as: Float.self) == [1, -2, 3])
        }
    }

    @Test func stringDatasetReadAsNumbersFails() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let dataset = try file.writeStringDataset("names", ["a", "b"], shape: [2])
            let error = expectHDF5Error { _ = try dataset.read(as: Float.self) }
            #expect(error?.message.contains("cannot read as Float") == true)
            #expect(error?.message.contains("string") == true)
            #expect(error?.objectPath == "/names")
            expectHDF5Error { try dataset.write([1.0] as [Double]) }
        }
    }

    @Test func numericDatasetReadAsStringsFails() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let dataset = try file.writeDataset("numbers", [1, 2] as [Int32], shape: [2])
            let error = expectHDF5Error { _ = try dataset.readStrings() }
            #expect(error?.message.contains("int32") == true)
        }
    }
}
