import HDF5Kit
import Testing

/// Attributes of every kind on files, groups and datasets (one shared implementation, tested on all three).
@Suite("Attributes")
struct AttributeTests {
    enum Owner: String, CaseIterable, Sendable {
        case file, group, dataset
    }

    /// Writes one attribute of every kind on the chosen owner, reopens the file and reads them all back.
    @Test(arguments: Owner.allCases)
    func everyKindRoundTrips(on owner: Owner) throws {
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                let target = try Self.makeOwner(owner, in: file)
                try target.setAttribute("count", Int64(42))
                try target.setAttribute("rate", 0.25 as Float)
                try target.setAttribute("flags", [1, 0, 255] as [UInt8])
                try target.setAttribute("weights", [1.5, -2.5] as [Double])
                try target.setAttribute("small", Int8(-3))
                try target.setAttribute("title", string: "Grüße ✓")
                try target.setAttribute("code", string: "fixed-ascii", variableLength: false)
                try target.setAttribute("labels", strings: ["α", "β", "γ"])
            }
            let file = try HDF5File(path: path, mode: .readOnly)
            let target = try Self.openOwner(owner, in: file)
            #expect(try target.attribute("count", as: Int64.self) == [42])
            #expect(try target.attribute("count", as: Double.self) == [42], "numeric attributes convert on read")
            #expect(try target.attribute("rate", as: Float.self) == [0.25])
            #expect(try target.attribute("flags", as: UInt8.self) == [1, 0, 255])
            #expect(try target.attribute("flags", as: Int32.self) == [1, 0, 255])
            #expect(try target.attribute("weights", as: Double.self) == [1.5, -2.5])
            #expect(try target.attribute("small", as: Int8.self) == [-3])
            #expect(try target.stringAttribute("title") == "Grüße ✓")
            #expect(try target.stringAttribute("code") == "fixed-ascii")
            #expect(try target.stringArrayAttribute("labels") == ["α", "β", "γ"])
            #expect(try target.attributeElementType("count") == .signedInteger(bytes: 8))
            #expect(try target.attributeElementType("flags") == .unsignedInteger(bytes: 1))
            #expect(try target.attributeElementType("code") == .string(variableLength: false))
            #expect(try target.attributeNames() == ["code", "count", "flags", "labels", "rate", "small", "title", "weights"])
            #expect(target.hasAttribute("title"))
            #expect(!target.hasAttribute("missing"))
        }
    }

    @Test(arguments: Owner.allCases)
    func settingAnExistingAttributeReplacesIt(on owner: Owner) throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let target = try Self.makeOwner(owner, in: file)
            try target.setAttribute("value", Int32(1))
            try target.setAttribute("value", [1.5, 2.5, 3.5] as [Double])
            #expect(try target.attribute("value", as: Double.self) == [1.5, 2.5, 3.5])
            try target.setAttribute("value", string: "now text")
            #expect(try target.stringAttribute("value") == "now text")
            #expect(try target.attributeElementType("value") == .string(variableLength: true))
            try target.setAttribute("value", string: "fixed", variableLength: false)
            #expect(try target.stringAttribute("value") == "fixed")
            #expect(try target.attributeNames() == ["value"])
            try target.removeAttribute("value")
            #expect(try target.attributeNames() == [])
        }
    }

    @Test func missingAndMistypedAttributesFailWithContext() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let dataset = try file.createGroup("net").writeDataset("w", [1, 2] as [Float], shape: [2])
            let missing = expectHDF5Error { _ = try dataset.attribute("gain", as: Float.self) }
            #expect(missing?.objectPath == "/net/w")
            #expect(missing?.message.contains("attribute \"gain\"") == true)
            #expect(missing?.message.contains("no such attribute") == true)
            #expect(missing?.description.hasPrefix(path) == true)

            try dataset.setAttribute("unit", string: "mV")
            let mistyped = expectHDF5Error { _ = try dataset.attribute("unit", as: Double.self) }
            #expect(mistyped?.message.contains("string") == true)
            try dataset.setAttribute("gain", 2.0)
            expectHDF5Error { _ = try dataset.stringAttribute("gain") }
            expectHDF5Error { try dataset.removeAttribute("absent") }
            expectHDF5Error { try dataset.setAttribute("", Int32(1)) }
        }
    }

    @Test func emptyNumericArrayAttribute() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            try file.setAttribute("none", [Int32]())
            #expect(try file.attribute("none", as: Int32.self) == [])
        }
    }

    static func makeOwner(_ owner: Owner, in file: HDF5File) throws -> HDF5Object {
        switch owner {
        case .file: file
        case .group: try file.createGroup("group")
        case .dataset: try file.writeDataset("dataset", [1, 2, 3] as [Int32], shape: [3])
        }
    }

    static func openOwner(_ owner: Owner, in file: HDF5File) throws -> HDF5Object {
        switch owner {
        case .file: file
        case .group: try file.openGroup("group")
        case .dataset: try file.openDataset("dataset")
        }
    }
}
