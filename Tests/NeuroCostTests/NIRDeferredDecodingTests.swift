import Foundation
import NeuroCost
import Testing

/// The reader inflates tensors on other threads while its walk of the file goes on; a bad file must still be reported
/// by the first problem in the walk's order, as when each tensor was decoded where the walk met it.
@Suite struct NIRDeferredDecodingTests {
    /// A copy of the sample MLP with every deflate stream damaged: its first node in the walk (`fc1`) holds float
    /// tensors, decoded later, and a node met after it (`input`) holds an integer shape, read on the spot.
    private static func damagedMLP() throws -> String {
        let original = RepositoryPaths.sharedSamples.appendingPathComponent("mlp_if_affine.nir")
        let path = try Fixtures.scratchDirectory().appendingPathComponent("damaged_streams.nir").path
        var bytes = [UInt8](try Data(contentsOf: original))
        // zlib headers (0x78 then a byte making the pair a multiple of 31); bytes 2 and 3 start the deflate block.
        let streams = zlibStreamHeaders(in: bytes)
        try #require(streams.count == 11, "expected the sample's 11 deflate streams, found \(streams.count)")
        for stream in streams {
            bytes[stream + 2] ^= 0xff
            bytes[stream + 3] ^= 0xa5
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("a damaged tensor met first is the error, though a later node's own damage is found first")
    func firstDamageInWalkOrderIsReported() throws {
        let path = try Self.damagedMLP()
        do {
            _ = try NIRReader.read(path: path)
            Issue.record("read a file whose every deflate stream is damaged")
        } catch {
            #expect(error.node == "fc1" && error.field == "weight", "\(error)")
            #expect(error.description.hasPrefix(path) && error.description.contains("damaged chunk at (0, 0)"), "\(error)")
        }
        // With one thread nothing runs beside the walk: the same error.
        do {
            _ = try NIRReader.read(path: path, options: NIRReadOptions(threads: 1))
            Issue.record("read a file whose every deflate stream is damaged, on one thread")
        } catch {
            #expect(error.node == "fc1" && error.field == "weight" && error.message.contains("damaged chunk at (0, 0)"), "\(error)")
        }
    }
}

/// Offsets of zlib stream headers (0x78, then a byte that makes the pair a multiple of 31 and names a level).
private func zlibStreamHeaders(in bytes: [UInt8]) -> [Int] {
    let levels: Set<UInt8> = [0x01, 0x5e, 0x9c, 0xda]
    var offsets: [Int] = []
    for index in 0..<(bytes.count - 1) where bytes[index] == 0x78 && levels.contains(bytes[index + 1]) {
        let header: UInt16 = UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
        if header % 31 == 0 { offsets.append(index) }
    }
    return offsets
}
