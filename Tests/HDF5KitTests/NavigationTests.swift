import HDF5Kit
import Testing

/// Member listing, existence checks, object kinds, paths and handle lifetimes.
@Suite("Navigation and lifetime")
struct NavigationTests {
    /// `/b_group/{inner/deep, values}`, `/a_values`, `/c_text`.
    private func makeTree(at path: String) throws {
        let file = try HDF5File(path: path, mode: .truncate)
        let group = try file.createGroup("b_group")
        try group.createGroup("inner/deep")
        try group.writeDataset("values", [1, 2] as [Int32], shape: [2])
        try file.writeDataset("a_values", [1.0] as [Double], shape: [1])
        try file.writeStringDataset("c_text", ["x"], shape: [])
    }

    @Test func memberNamesAreSortedByName() throws {
        try withTemporaryHDF5Path { path in
            try makeTree(at: path)
            let file = try HDF5File(path: path, mode: .readOnly)
            #expect(try file.memberNames() == ["a_values", "b_group", "c_text"])
            #expect(try file.openGroup("b_group").memberNames() == ["inner", "values"])
            #expect(try file.openGroup("b_group/inner/deep").memberNames() == [])
        }
    }

    @Test func existsHandlesNestedAndMissingPaths() throws {
        try withTemporaryHDF5Path { path in
            try makeTree(at: path)
            let file = try HDF5File(path: path, mode: .readOnly)
            #expect(file.exists("b_group"))
            #expect(file.exists("b_group/inner/deep"))
            #expect(file.exists("/b_group/values"))
            #expect(file.exists("/"))
            #expect(!file.exists(""))
            #expect(!file.exists("missing"))
            #expect(!file.exists("missing/a/b/c"), "a missing first level is just false")
            #expect(!file.exists("b_group/missing/deeper"))
            #expect(!file.exists("a_values/not_a_group"), "a dataset in the middle of a path is just false")
            let group = try file.openGroup("b_group")
            #expect(group.exists("inner/deep"))
            #expect(group.exists("/a_values"), "absolute paths start at the file root")
            #expect(!group.exists("a_values"))
        }
    }

    @Test func kindDistinguishesGroupsAndDatasets() throws {
        try withTemporaryHDF5Path { path in
            try makeTree(at: path)
            let file = try HDF5File(path: path, mode: .readOnly)
            #expect(try file.kind(of: "b_group") == .group)
            #expect(try file.kind(of: "b_group/inner/deep") == .group)
            #expect(try file.kind(of: "b_group/values") == .dataset)
            #expect(try file.kind(of: "c_text") == .dataset)
            let error = expectHDF5Error { _ = try file.kind(of: "nope/deeper") }
            #expect(error?.objectPath == "/nope/deeper")
        }
    }

    @Test func openingTheWrongKindFails() throws {
        try withTemporaryHDF5Path { path in
            try makeTree(at: path)
            let file = try HDF5File(path: path, mode: .readOnly)
            let notGroup = expectHDF5Error { _ = try file.openGroup("a_values") }
            #expect(notGroup?.message == "is a dataset, not a group")
            let notDataset = expectHDF5Error { _ = try file.openDataset("b_group") }
            #expect(notDataset?.message == "is a group, not a dataset")
        }
    }

    @Test func objectsKnowTheirFileAndPath() throws {
        try withTemporaryHDF5Path { path in
            try makeTree(at: path)
            let file = try HDF5File(path: path, mode: .readWrite)
            #expect(file.path == "/")
            #expect(file.filePath == path)
            #expect(file.mode == .readWrite)
            let inner = try file.openGroup("b_group").openGroup("inner")
            #expect(inner.path == "/b_group/inner")
            #expect(inner.filePath == path)
            let values = try file.openGroup("b_group").openDataset("values")
            #expect(values.path == "/b_group/values")
            // Paths are kept in normal form whichever way they are written.
            #expect(try file.openGroup("b_group//inner/./").path == "/b_group/inner")
            #expect(try file.openGroup("/b_group/.").path == "/b_group")
            #expect(try inner.openGroup("./deep").path == "/b_group/inner/deep")
            #expect(try inner.openGroup(".").path == "/b_group/inner")
            #expect(try file.openDataset("//b_group/values").path == "/b_group/values")
            #expect(file.exists("b_group/./inner//deep/"))
            #expect(try file.openGroup("b_group").exists("inner"))
            let created = try inner.createGroup("new/nested")
            #expect(created.path == "/b_group/inner/new/nested")
            #expect(file.exists("b_group/inner/new/nested"))
            let duplicate = expectHDF5Error { _ = try inner.createGroup("new") }
            #expect(duplicate?.message == "already exists")
            expectHDF5Error { try inner.writeDataset("new", [1] as [Int8], shape: [1]) }
        }
    }

    @Test func objectsStayUsableAfterTheirParentIsClosed() throws {
        try withTemporaryHDF5Path { path in
            try makeTree(at: path)
            let file = try HDF5File(path: path, mode: .readOnly)
            let group = try file.openGroup("b_group")
            let dataset = try group.openDataset("values")
            file.close()
            group.close()
            #expect(!file.isOpen)
            #expect(try dataset.read(as: Int32.self) == [1, 2])
            dataset.close()
            dataset.close()
            let error = expectHDF5Error { _ = try dataset.read(as: Int32.self) }
            #expect(error?.message == "object has been closed")
            #expect(!file.exists("b_group"), "a closed file answers false instead of throwing")
            expectHDF5Error { _ = try file.memberNames() }
        }
    }

    @Test func writtenFileCanBeReopenedForWritingAfterFlush() throws {
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .createNew)
                try file.writeDataset("x", [1] as [UInt16], shape: [1])
                try file.flush()
            }
            do {
                let file = try HDF5File(path: path, mode: .readWrite)
                try file.openDataset("x").write([9] as [UInt16])
            }
            #expect(try HDF5File(path: path, mode: .readOnly).openDataset("x").read(as: UInt16.self) == [9])
        }
    }

    @Test func libraryFacts() {
        #expect(HDF5.libraryVersion.split(separator: ".").count == 3)
        #expect(HDF5.isDeflateAvailable)
        HDF5.silenceErrorStack()
        HDF5.silenceErrorStack()
    }
}
