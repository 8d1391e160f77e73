import HDF5Kit
import Testing

/// String datasets and string attributes, variable- and fixed-length, with non-ASCII UTF-8.
@Suite("Strings")
struct StringTests {
    static let samples = ["plain", "Grüße", "日本語", "emoji 🧠⚡️", "", "µ-ünïcode – dash"]

    @Test(arguments: [true, false])
    func oneDimensionalDataset(variableLength: Bool) throws {
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                try file.writeStringDataset("labels", Self.samples, shape: [Self.samples.count], variableLength: variableLength)
            }
            let dataset = try HDF5File(path: path, mode: .readOnly).openDataset("labels")
            #expect(try dataset.elementType == .string(variableLength: variableLength))
            #expect(try dataset.shape == [Self.samples.count])
            #expect(try dataset.readStrings() == Self.samples)
        }
    }

    @Test(arguments: [true, false])
    func twoDimensionalDataset(variableLength: Bool) throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let dataset = try file.writeStringDataset("grid", Self.samples, shape: [2, 3], variableLength: variableLength)
            #expect(try dataset.shape == [2, 3])
            #expect(try dataset.readStrings() == Self.samples)
        }
    }

    @Test(arguments: [true, false])
    func scalarDataset(variableLength: Bool) throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let dataset = try file.writeStringDataset("title", ["Größe ✓"], shape: [], variableLength: variableLength)
            #expect(try dataset.shape == [])
            #expect(try dataset.readStrings() == ["Größe ✓"])
        }
    }

    @Test func stringCountMustMatchShape() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            expectHDF5Error { try file.writeStringDataset("scalar", ["a", "b"], shape: []) }
            expectHDF5Error { try file.writeStringDataset("vector", ["a"], shape: [2]) }
            #expect(try file.memberNames() == [])
        }
    }

    @Test(arguments: [true, false])
    func scalarStringAttribute(variableLength: Bool) throws {
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                try file.setAttribute("title", string: "spike demo – µ-ünïcode", variableLength: variableLength)
                try file.setAttribute("empty", string: "", variableLength: variableLength)
            }
            let file = try HDF5File(path: path, mode: .readOnly)
            #expect(try file.stringAttribute("title") == "spike demo – µ-ünïcode")
            #expect(try file.stringAttribute("empty") == "")
            #expect(try file.stringArrayAttribute("title") == ["spike demo – µ-ünïcode"])
            #expect(try file.attributeElementType("title") == .string(variableLength: variableLength))
        }
    }

    @Test func stringArrayAttribute() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let group = try file.createGroup("layers")
            try group.setAttribute("names", strings: Self.samples)
            #expect(try group.stringArrayAttribute("names") == Self.samples)
            let error = expectHDF5Error { _ = try group.stringAttribute("names") }
            #expect(error?.message.contains("attribute \"names\"") == true)
            try group.setAttribute("none", strings: [])
            #expect(try group.stringArrayAttribute("none") == [])
        }
    }
}
