import Foundation
import HDF5Kit
import Testing

/// Bad files and bad paths produce `HDF5Error`s naming the file and object, never crashes or stderr noise.
@Suite("File and path errors")
struct FileErrorTests {
    @Test(arguments: [HDF5FileMode.readOnly, .readWrite])
    func missingFile(mode: HDF5FileMode) throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("does-not-exist.h5").path
            let error = expectHDF5Error { _ = try HDF5File(path: path, mode: mode) }
            #expect(error?.file == path)
            #expect(error?.objectPath == "/")
            #expect(error?.message == "no such file")
            #expect(error?.description == "\(path): /: no such file")
        }
    }

    @Test func textFileIsNotHDF5() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("notes.h5").path
            try "this is plain text, not HDF5\n".write(toFile: path, atomically: true, encoding: .utf8)
            let error = expectHDF5Error { _ = try HDF5File(path: path, mode: .readOnly) }
            #expect(error?.description.contains(path) == true)
            #expect(error?.message.contains("not an HDF5 file") == true)
        }
    }

    @Test func truncatedFileFailsCleanly() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("truncated.h5").path
            do {
                let file = try HDF5File(path: path, mode: .createNew)
                try file.writeDataset("data", (0..<50_000).map(Double.init), shape: [50_000])
                try file.setAttribute("note", string: "padding the file")
            }
            let fullContents = try Data(contentsOf: URL(fileURLWithPath: path))
            try fullContents.prefix(fullContents.count / 2).write(to: URL(fileURLWithPath: path))
            let error = expectHDF5Error { _ = try HDF5File(path: path, mode: .readOnly) }
            #expect(error?.description.contains(path) == true)
            #expect(error?.message.contains("truncated") == true)
            #expect(error?.description.contains("\n") == false, "the description is a single line")
        }
    }

    @Test func directoryIsNotAFile() throws {
        try withTemporaryDirectory { directory in
            let error = expectHDF5Error { _ = try HDF5File(path: directory.path, mode: .readOnly) }
            #expect(error?.message.contains("directory") == true)
        }
    }

    @Test func createNewRefusesExistingFileButTruncateOverwrites() throws {
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .createNew)
                try file.createGroup("old")
            }
            let error = expectHDF5Error { _ = try HDF5File(path: path, mode: .createNew) }
            #expect(error?.message == "file already exists")
            let file = try HDF5File(path: path, mode: .truncate)
            #expect(try file.memberNames() == [])
        }
    }

    @Test func createInMissingDirectoryFails() throws {
        try withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("no/such/dir/out.h5").path
            let error = expectHDF5Error { _ = try HDF5File(path: path, mode: .truncate) }
            #expect(error?.file == path)
            #expect(error?.message.contains("cannot create file") == true)
        }
    }

    @Test func missingDatasetNamesTheObjectPath() throws {
        try withTemporaryHDF5Path { path in
            let file = try HDF5File(path: path, mode: .truncate)
            let group = try file.createGroup("net")
            let error = expectHDF5Error { _ = try group.openDataset("layers/weights") }
            #expect(error?.objectPath == "/net/layers/weights")
            #expect(error?.message == "no such dataset")
            #expect(error?.description == "\(path): /net/layers/weights: no such dataset")
            let missingGroup = expectHDF5Error { _ = try file.openGroup("/absent") }
            #expect(missingGroup?.objectPath == "/absent")
            #expect(missingGroup?.message == "no such group")
        }
    }

    @Test func writingToReadOnlyFileFails() throws {
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                try file.writeDataset("x", [1] as [Int32], shape: [1])
            }
            let file = try HDF5File(path: path, mode: .readOnly)
            let error = expectHDF5Error { _ = try file.createGroup("new") }
            #expect(error?.objectPath == "/new")
            expectHDF5Error { try file.openDataset("x").write([2] as [Int32]) }
            expectHDF5Error { try file.setAttribute("a", Int32(1)) }
        }
    }

    @Test func concurrentFailuresOnOtherThreadsAreTyped() async throws {
        // libhdf5 keeps one error stack per thread; detached tasks run on other threads than the test itself.
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for index in 0..<4 {
                tasks.addTask {
                    try withTemporaryDirectory { directory in
                        let path = directory.appendingPathComponent("missing-\(index).h5").path
                        try "not hdf5".write(toFile: path, atomically: true, encoding: .utf8)
                        let error = expectHDF5Error { _ = try HDF5File(path: path, mode: .readOnly) }
                        #expect(error?.file == path)
                    }
                }
            }
            try await tasks.waitForAll()
        }
    }
}
