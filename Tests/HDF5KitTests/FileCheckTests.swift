import Foundation
import HDF5Kit
import Testing

/// `HDF5FileCheck` (what the CLI's worker runs over a data file before reading it) must make libhdf5 walk every chunk index and report damage
/// there, while leaving compressed chunk bytes to the real read, which reports a corrupt stream itself.
@Suite("File check")
struct FileCheckTests {
    /// A file with one deflate-chunked dataset of eight chunks (its chunk index one v1 B-tree leaf), a string
    /// attribute, a contiguous dataset and a group nested two levels below a hard link back to the root.
    private func writeSample(_ path: String) throws {
        let file = try HDF5File(path: path, mode: .truncate)
        try file.writeDataset("w", (0..<(64 * 64)).map { Float($0 % 31) }, shape: [64, 64], chunks: [8, 64], deflateLevel: 4)
        try file.writeDataset("plain", [1.0, 2.0, 3.0], shape: [3])
        try file.setAttribute("note", string: "sample")
        let inner = try file.createGroup("a").createGroup("b")
        try inner.writeDataset("v", [Int64(7)], shape: [1])
        try inner.createHardLink("root", to: "/")
    }

    /// Offset of the first v1 B-tree node of raw-data chunks ("TREE", node type 1) in the file.
    private func chunkTreeOffset(in bytes: [UInt8]) -> Int? {
        let signature = Array("TREE".utf8)
        return bytes.indices.dropLast(6).first { offset in
            Array(bytes[offset..<(offset + 4)]) == signature && bytes[offset + 4] == 1
        }
    }

    @Test("a sound file passes, hard-link cycles included")
    func soundFilePasses() throws {
        try withTemporaryHDF5Path { path in
            try writeSample(path)
            try HDF5FileCheck.walk(path: path, maxValueBytes: 1 << 20)
        }
    }

    /// Damages the sample file's chunk index in place: `"address"` moves the first chunk's address past the end of
    /// the file, `"size"` makes its size key huge, anything else destroys the index node's signature.
    private func damageChunkIndex(_ damage: String, ofFileAt path: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let tree = try #require(chunkTreeOffset(in: bytes), "no chunk B-tree found")
        // v1 B-tree node: signature, type, level, entries (2), two sibling addresses (8 each), then keys and
        // children alternating; a rank-2 chunk key is size (4), filter mask (4) and three 8-byte offsets.
        let firstKey = tree + 24
        let firstChild = firstKey + 8 + 3 * 8
        switch damage {
        case "address":
            for index in 0..<8 { bytes[firstChild + index] = index == 5 ? 0x10 : 0 }  // 2^40: far past the end
        case "size":
            for index in 0..<4 { bytes[firstKey + index] = 0xff }
        default:
            bytes[tree] = UInt8(ascii: "X")
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Damage in the chunk index: a chunk's address moved past the end of the file, its size key made huge, or
    /// the index node's signature destroyed. Each must end the walk with an error naming the file.
    @Test("damage in the chunk index is reported", arguments: ["address", "size", "signature"])
    func damagedChunkIndexIsReported(damage: String) throws {
        try withTemporaryHDF5Path { path in
            try writeSample(path)
            try damageChunkIndex(damage, ofFileAt: path)
            #expect {
                try HDF5FileCheck.walk(path: path, maxValueBytes: 1 << 20)
            } throws: { error in
                "\(error)".contains(path)
            }
        }
    }

    /// The chunk decoder reads chunks by their grid coordinates without the check's walk of every index entry:
    /// the same damage must still end a read in an error naming the file (never a crash or other values).
    @Test("damage in the chunk index ends a read in an error", arguments: ["address", "size", "signature"])
    func damagedChunkIndexFailsTheRead(damage: String) throws {
        try withTemporaryHDF5Path { path in
            try writeSample(path)
            try damageChunkIndex(damage, ofFileAt: path)
            let dataset = try HDF5File(path: path, mode: .readOnly).openDataset("w")
            #expect {
                _ = try dataset.read(as: Float.self)
            } throws: { error in
                "\(error)".contains(path)
            }
            #expect {
                _ = try dataset.readMostlyZero(as: Float.self, decoding: .fastest, sparseLimit: 64 * 64)
            } throws: { error in
                "\(error)".contains(path)
            }
        }
    }

    @Test("a corrupt deflate stream is left to the real read, which names the chunk")
    func corruptStreamIsLeftToTheRead() throws {
        try withTemporaryHDF5Path { path in
            try writeSample(path)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            // The chunks' zlib streams start with 0x78; damage the middle of the last one only.
            let header = try #require(bytes.indices.dropLast(32).last { bytes[$0] == 0x78 && bytes[$0 + 1] == 0x5e })
            for offset in (header + 8)..<(header + 16) { bytes[offset] ^= 0x5a }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            try HDF5FileCheck.walk(path: path, maxValueBytes: 1 << 20)
            #expect(throws: HDF5Error.self) {
                _ = try HDF5File(path: path, mode: .readOnly).openDataset("w").read(as: Float.self)
            }
        }
    }

    @Test("the decoder's thread count follows the caller's limit and gives the same values")
    func threadLimitGivesSameValues() throws {
        try withTemporaryHDF5Path { path in
            try writeSample(path)
            let dataset = try HDF5File(path: path, mode: .readOnly).openDataset("w")
            let all = try dataset.read(as: Float.self, decoding: .fastest)
            for threads in [1, 2, 64] {
                #expect(try dataset.read(as: Float.self, decoding: .fastest, threads: threads) == all)
            }
        }
    }
}
