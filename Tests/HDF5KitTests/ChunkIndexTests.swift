import Foundation
@testable import HDF5Kit
import Testing

/// The chunk decoder finds a dataset's chunks by walking the file's chunk index itself and decodes them where they
/// lie, mapped (`HDF5ChunkIndex`). It must find exactly the chunks libhdf5 finds, in the same order with the same
/// sizes, for every chunking and for the header formats h5py writes; a format it does not read must be left to
/// libhdf5 with the same values. Damage to the index is covered by `FileCheckTests`.
@Suite("Chunk index walk")
struct ChunkIndexTests {
    /// The chunk decoder's layouts, and a grid of 8,192 chunks: more than one B-tree leaf holds (at most 64 with
    /// libhdf5's default), so the walk goes down from internal nodes.
    static let layouts: [([Int], [Int])] = ChunkDecoderTests.layouts + [([4096, 64], [4, 8])]

    /// The walk's chunks against libhdf5's for dataset `name` of the file at `path` (nil: the walk declined).
    private func walkAgreesWithLibrary(path: String, name: String, elementSize: Int) throws -> Bool? {
        let dataset = try HDF5File(path: path, mode: .readOnly).openDataset(name)
        let decoder = HDF5ChunkDecoder(dataset: try dataset.handle.identifierForUse(), context: dataset.handle.context)
        let layout = try #require(try decoder.layout(memoryType: nil, elementSize: elementSize))
        guard let walked = HDF5ChunkIndex.mappedChunks(dataset: decoder.dataset, layout: layout, elementSize: elementSize,
                                                       context: decoder.context)
        else { return nil }
        let mapped = try #require(walked.mapping.start)
        let located = try #require(try decoder.locateChunks(layout))
        guard walked.chunks.origins == located.origins, walked.chunks.sizes == located.sizes,
              walked.chunks.totalBytes == located.totalBytes else { return false }
        // Each chunk's bytes start as a zlib stream (deflate, 32 KiB window: 0x78) where the walk says they lie.
        return zip(walked.chunks.starts, walked.chunks.sizes).allSatisfy { start, size in
            start >= 0 && mapped[start] == 0x78
        }
    }

    @Test("the walk finds the chunks libhdf5 finds, and they decode to libhdf5's values", arguments: layouts.indices)
    func walkFindsLibraryChunks(layout: Int) throws {
        let (shape, chunks) = Self.layouts[layout]
        let count = shape.reduce(1, *)
        var floats = ChunkDecoderTests.prunedFloats(count: count)
        floats[count / 2] = -0.0
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                try file.writeDataset("w", floats, shape: shape, chunks: chunks, deflateLevel: 4)
            }
            #expect(try walkAgreesWithLibrary(path: path, name: "w", elementSize: 4) == true, "\(shape) in \(chunks)")
            let dataset = try HDF5File(path: path, mode: .readOnly).openDataset("w")
            #expect(try dataset.read(as: Float.self, decoding: .fastest).map(\.bitPattern) == floats.map(\.bitPattern))
            guard case .sparse(let indices, let values, _, _) = try dataset.readMostlyZero(as: Float.self, decoding: .fastest,
                                                                                           sparseLimit: count) else {
                Issue.record("a pruned array read dense")
                return
            }
            let expected = floats.indices.filter { floats[$0] != 0 }
            #expect(indices.map { Int($0) } == expected)
            #expect(values.map(\.bitPattern) == expected.map { floats[$0].bitPattern })
        }
    }

    /// h5py writes each variant; the walk must read the first three (a version-2 object header, with creation order
    /// tracked, and a user block before the HDF5 data) and decline the last (the 1.10 format's chunk indexes), and
    /// every read must give h5py's values.
    static let variants = ["v108", "v108-ordered", "userblock", "v110"]

    static let h5pyWriterScript = """
    import sys, h5py, numpy as np
    path, variant = sys.argv[1], sys.argv[2]
    data = np.zeros((300, 200), dtype=np.float32)
    flat = data.reshape(-1)
    index = np.arange(0, flat.size, 13)
    flat[index] = (index % 977) / 8 - 40
    options = {"v108": dict(libver=("v108", "v108")), "v108-ordered": dict(libver=("v108", "v108"), track_order=True),
               "userblock": dict(userblock_size=512), "v110": dict(libver=("v110", "v110"))}[variant]
    with h5py.File(path, "w", **options) as f:
        extra = dict(track_order=True) if variant == "v108-ordered" else {}
        d = f.create_dataset("w", data=data, chunks=(64, 64), compression="gzip", **extra)
        for k in range(40):  # attributes enough to move messages into a continuation block
            d.attrs["a%d" % k] = np.arange(k + 1, dtype=np.int64)
    """

    @Test("files h5py writes in other formats: walked where the format is the walk's, else left to libhdf5",
          arguments: variants)
    func h5pyVariants(variant: String) throws {
        var expected = [Float](repeating: 0, count: 300 * 200)
        for index in stride(from: 0, to: expected.count, by: 13) { expected[index] = Float(index % 977) / 8 - 40 }
        try withTemporaryHDF5Path { path in
            _ = try PythonRunner.run(script: Self.h5pyWriterScript, arguments: [path, variant])
            let walked = try walkAgreesWithLibrary(path: path, name: "w", elementSize: 4)
            #expect(walked == (variant == "v110" ? nil : true), "\(variant)")
            let dataset = try HDF5File(path: path, mode: .readOnly).openDataset("w")
            for decoding in HDF5ChunkDecoding.allCases {
                #expect(try dataset.read(as: Float.self, decoding: decoding) == expected, "\(variant), \(decoding)")
            }
        }
    }

    @Test("chunks decoded where they lie hold no copy of their bytes")
    func mappedChunksAreNotCopies() throws {
        try withTemporaryHDF5Path { path in
            do {
                let file = try HDF5File(path: path, mode: .truncate)
                try file.writeDataset("w", ChunkDecoderTests.prunedFloats(count: 512 * 64), shape: [512, 64],
                                      chunks: [64, 64], deflateLevel: 4)
            }
            let dataset = try HDF5File(path: path, mode: .readOnly).openDataset("w")
            let pending = try dataset.readLater(as: Float.self, decoding: .fastest, sparseLimit: nil, census: false)
            #expect(pending.rawBytes == 0)
            let pool = HDF5DecodingPool(threads: 2)
            defer { pool.close() }
            guard case .dense(let values) = try pending.start(on: pool).values().values else {
                Issue.record("a dense read came back sparse")
                return
            }
            #expect(values == ChunkDecoderTests.prunedFloats(count: 512 * 64))
        }
    }
}
