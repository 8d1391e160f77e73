import Foundation
import HDF5Kit
import Testing

/// Reads split in two (`readLater`: libhdf5's work now, inflating on a pool's threads later) must give exactly what a
/// whole read gives, in any order they are waited for, with any number of threads, and a damaged chunk must be
/// reported by the decoding that met it, named as the whole read names it.
@Suite("Decoding pool")
struct DecodingPoolTests {
    /// Datasets of several layouts and densities: pruned floats (read as non-zeros), doubles (dense), all zeros.
    private static func writeDatasets(to path: String) throws -> [String: (shape: [Int], values: [Double])] {
        var written: [String: (shape: [Int], values: [Double])] = [:]
        let file = try HDF5File(path: path, mode: .truncate)
        for (index, (shape, chunks)) in ChunkDecoderTests.layouts.enumerated() {
            let count = shape.reduce(1, *)
            var floats = ChunkDecoderTests.prunedFloats(count: count)
            floats[count / 2] = -0.0
            try file.writeDataset("f\(index)", floats, shape: shape, chunks: chunks, deflateLevel: 4)
            let doubles: [Double] = (0..<count).map { Double($0 % 101) * 0.37 - 11 }
            try file.writeDataset("d\(index)", doubles, shape: shape, chunks: chunks, deflateLevel: 1)
            written["f\(index)"] = (shape, floats.map(Double.init))
            written["d\(index)"] = (shape, doubles)
        }
        return written
    }

    private static func bits(_ values: HDF5StoredValues<Float>) -> [UInt32] {
        switch values {
        case .dense(let dense): return dense.map(\.bitPattern)
        case .sparse(let indices, let values, let negativeZeros, let count):
            var dense = [UInt32](repeating: 0, count: count)
            for (index, value) in zip(indices, values) { dense[Int(index)] = value.bitPattern }
            if let negativeZeros {
                for index in 0..<count where negativeZeros[index / 64] >> (index % 64) & 1 == 1 {
                    dense[index] = (-Float.zero).bitPattern
                }
            }
            return dense
        }
    }

    @Test("reads decoded on a pool equal whole reads, waited for in any order", arguments: [1, 2, 3, nil] as [Int?])
    func pooledReadsEqualWholeReads(threads: Int?) throws {
        try withTemporaryHDF5Path { path in
            let written = try Self.writeDatasets(to: path)
            let file = try HDF5File(path: path, mode: .readOnly)
            let pool = HDF5DecodingPool(threads: threads)
            defer { pool.close() }
            let names = written.keys.sorted()
            // Everything started before anything is waited for, as the NIR reader does; then waited in reverse.
            var floatReads: [(String, Int?, HDF5Decoding<Float>)] = []
            var doubleReads: [(String, HDF5Decoding<Double>)] = []
            for name in names {
                let dataset = try file.openDataset(name)
                if name.hasPrefix("f") {
                    for limit in [nil, written[name]!.values.count / 8] as [Int?] {
                        let pending = try dataset.readLater(as: Float.self, decoding: .fastest, threads: threads,
                                                            sparseLimit: limit, census: limit != nil)
                        floatReads.append((name, limit, pending.start(on: pool)))
                    }
                } else {
                    let pending = try dataset.readLater(as: Double.self, decoding: .fastest, threads: threads,
                                                        sparseLimit: nil, census: false)
                    doubleReads.append((name, pending.start(on: pool)))
                }
            }
            for (name, limit, decoding) in floatReads.reversed() {
                let later = try decoding.values()
                let dataset = try file.openDataset(name)
                if let limit {
                    let whole = try dataset.readMostlyZeroCounted(as: Float.self, decoding: .fastest, threads: threads,
                                                                  sparseLimit: limit)
                    #expect(Self.bits(later.values) == Self.bits(whole.values), "\(name), limit \(limit)")
                    #expect(later.census == whole.census, "\(name)")
                } else {
                    #expect(Self.bits(later.values) == written[name]!.values.map { Float($0).bitPattern }, "\(name)")
                    #expect(later.census == nil)
                }
            }
            for (name, decoding) in doubleReads.reversed() {
                guard case .dense(let values) = try decoding.values().values else {
                    Issue.record("\(name): doubles read sparse without a limit")
                    continue
                }
                #expect(values == written[name]!.values, "\(name)")
            }
        }
    }

    @Test("decodings never waited for are dropped or finished when the pool closes; a later wait still decodes")
    func closingDropsWhatIsLeft() throws {
        try withTemporaryHDF5Path { path in
            let written = try Self.writeDatasets(to: path)
            let file = try HDF5File(path: path, mode: .readOnly)
            let pool = HDF5DecodingPool(threads: 2)
            let decodings = try written.keys.sorted().filter { $0.hasPrefix("d") }.map { name in
                (name, try file.openDataset(name).readLater(as: Double.self, decoding: .fastest, sparseLimit: nil,
                                                            census: false).start(on: pool))
            }
            pool.close()
            for (name, decoding) in decodings {
                guard case .dense(let values) = try decoding.values().values else {
                    Issue.record("\(name): read sparse")
                    continue
                }
                #expect(values == written[name]!.values, "\(name)")
            }
        }
    }

    @Test("a damaged chunk decoded on a pool is reported by its decoding, named as a whole read names it")
    func damagedChunkIsReportedByItsDecoding() throws {
        let values = (0..<(64 * 64)).map { Float($0 % 31) }
        try withTemporaryHDF5Path { path in
            try writeTwoChunkDataset(values, at: path)
            try damageSecondChunk(at: path)
            let dataset = try HDF5File(path: path, mode: .readOnly).openDataset("w")
            var whole = ""
            do { _ = try dataset.read(as: Float.self, decoding: .fastest) } catch { whole = "\(error)" }
            #expect(whole.contains("damaged chunk at (32, 0)"))
            for threads in [1, 2] {
                let pool = HDF5DecodingPool(threads: threads)
                defer { pool.close() }
                for limit in [nil, values.count] as [Int?] {
                    // The libhdf5 half finds nothing wrong: the stream is only inflated later.
                    let decoding = try dataset.readLater(as: Float.self, decoding: .fastest, sparseLimit: limit,
                                                         census: limit != nil).start(on: pool)
                    #expect {
                        _ = try decoding.values()
                    } throws: { error in
                        "\(error)" == whole
                    }
                }
            }
        }
    }
}
