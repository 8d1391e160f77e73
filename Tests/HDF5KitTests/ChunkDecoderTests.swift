import Foundation
import HDF5Kit
import Testing

/// HDF5Kit's own decoding of deflate-compressed chunks (libdeflate or zlib, several threads) must give exactly
/// what libhdf5's filter pipeline gives, for every chunking: edge chunks, chunks spanning whole rows, chunks of
/// single-value runs as exporters write for 3×3 convolutions, and a damaged chunk must be an error naming it.
@Suite("Chunk decoder")
struct ChunkDecoderTests {
    /// (shape, chunks): whole rows, partial edges on every axis, runs of one value, one chunk, rank 1 and 5.
    static let layouts: [([Int], [Int])] = [
        ([512, 64, 3, 3], [64, 16, 1, 1]),
        ([300, 200], [64, 64]),
        ([300, 200], [7, 200]),
        ([37, 5, 3, 3], [37, 5, 3, 3]),
        ([37, 5, 3, 3], [8, 2, 2, 2]),
        ([1000], [96]),
        ([3, 4, 5, 6, 7], [2, 3, 1, 4, 7]),
        ([12, 256], [8, 256]),
    ]

    @Test("every decoder gives libhdf5's values", arguments: layouts.indices)
    func decodersAgreeWithLibrary(layout: Int) throws {
        let (shape, chunks) = Self.layouts[layout]
        let count = shape.reduce(1, *)
        // Mostly zeros with a few values, as pruned weights are, plus negative zero and extremes.
        var floats = [Float](repeating: 0, count: count)
        for index in stride(from: 0, to: count, by: 13) { floats[index] = Float(index % 977) / 8 - 40 }
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

    @Test("a damaged chunk is an error naming the chunk, whichever decoder reads it")
    func damagedChunkIsNamed() throws {
        let values = (0..<(64 * 64)).map { Float($0 % 31) }
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                try file.writeDataset("w", values, shape: [64, 64], chunks: [32, 64], deflateLevel: 4)
            }
            // Flip bytes inside the second chunk's stream: the file's structure stays intact.
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let firstChunk = try HDF5File(path: path, mode: .readOnly).openDataset("w").read(as: Float.self, decoding: .library)
            #expect(firstChunk == values)
            let streams = zlibStreamOffsets(in: bytes)
            try #require(streams.count == 2, "expected two zlib streams, found \(streams)")
            for offset in (streams[1] + 8)..<(streams[1] + 24) { bytes[offset] ^= 0x5a }
            try bytes.write(to: URL(fileURLWithPath: path))
            let dataset = try HDF5File(path: path, mode: .readOnly).openDataset("w")
            for decoding in [HDF5ChunkDecoding.fastest, .zlib] {
                #expect {
                    _ = try dataset.read(as: Float.self, decoding: decoding)
                } throws: { error in
                    let message = "\(error)"
                    return message.contains(path) && message.contains("/w") && message.contains("damaged chunk at (32, 0)")
                }
            }
        }
    }

    /// Offsets of zlib stream headers (0x78 0x5e/0x9c/0x01/0xda) followed by a deflate block start, in file order.
    private func zlibStreamOffsets(in bytes: Data) -> [Int] {
        var offsets: [Int] = []
        let array = [UInt8](bytes)
        for index in 0..<(array.count - 1) where array[index] == 0x78 {
            let header = UInt16(array[index]) << 8 | UInt16(array[index + 1])
            if header % 31 == 0, [0x01, 0x5e, 0x9c, 0xda].contains(array[index + 1]) { offsets.append(index) }
        }
        return offsets
    }
}
