import Foundation
import NeuroCost
import Testing

/// A run checks its samples (`statistics`) and then reads them again to simulate them; the second read may be
/// served from the block the check read. Whatever serves it, every read must give the file's values.
@Suite struct SampleDatasetReadTests {
    @Test("reads after a data check give the same samples as reads of a freshly opened file")
    func readsAfterStatisticsMatchFreshReads() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("samples-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let count = 100, sampleShape = [3, 4, 4]
        let elements = sampleShape.reduce(1, *)
        let images: [Float] = (0..<(count * elements)).map { Float(($0 * 7919) % 1013) / 1013 }
        do {
            let file = try HDF5File(path: path, mode: .truncate)
            defer { file.close() }
            // Chunks of 16 samples, one channel and a whole plane: a check of a few samples inflates several.
            try file.writeDataset("images", images, shape: [count] + sampleShape, chunks: [16, 1, 4, 4], deflateLevel: 4)
            try file.writeDataset("labels", (0..<count).map { Int64($0 % 10) }, shape: [count])
        }
        func expected(_ range: Range<Int>) -> [Float] { Array(images[(range.lowerBound * elements)..<(range.upperBound * elements)]) }

        for checked in [0..<2, 0..<40, 5..<37, 0..<100] {
            let dataset = try SampleDataset(path: path)
            let statistics = try dataset.statistics(checked)
            #expect(statistics.minimum == expected(checked).min() && statistics.maximum == expected(checked).max())
            // Within the checked block, its end, past it, and back into it after it was dropped.
            let reads = [checked.lowerBound..<(checked.lowerBound + 1), checked, (checked.upperBound - 1)..<checked.upperBound,
                         checked.lowerBound..<min(count, checked.upperBound + 3), checked]
            for range in reads {
                #expect(try dataset.read(range) == expected(range), "checked \(checked), read \(range)")
            }
        }
    }
}
