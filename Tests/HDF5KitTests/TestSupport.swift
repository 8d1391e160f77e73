import Foundation
import HDF5Kit
import Testing

/// Runs `body` with a fresh, uniquely named temporary directory and removes it afterwards.
///
/// A closure scope rather than an object with `deinit`, so the directory cannot disappear while still in use.
func withTemporaryDirectory<Result>(_ body: (URL) throws -> Result) throws -> Result {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("HDF5KitTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory)
}

/// Runs `body` with the path of a not-yet-existing `.h5` file inside a fresh temporary directory.
func withTemporaryHDF5Path<Result>(_ body: (String) throws -> Result) throws -> Result {
    try withTemporaryDirectory { directory in
        try body(directory.appendingPathComponent("test.h5").path)
    }
}

/// Shapes used by the rank tests: rank 0 (scalar) through rank 4, with uneven extents to catch axis mix-ups.
let shapesByRank: [Int: [Int]] = [0: [], 1: [5], 2: [2, 3], 3: [2, 3, 4], 4: [2, 1, 3, 2]]

/// Product of a shape's extents (1 for a scalar).
func elementCount(of shape: [Int]) -> Int {
    shape.reduce(1, *)
}

/// Deterministic test values per numeric type, including the extremes of each type.
protocol SampleValues: HDF5Numeric, Equatable {
    static func samples(count: Int) -> [Self]
}

extension SampleValues where Self: FixedWidthInteger {
    static func samples(count: Int) -> [Self] {
        var values = (0..<count).map { Self(truncatingIfNeeded: $0 &* 37 &- 50) }
        if count >= 2 {
            values[0] = .min
            values[count - 1] = .max
        }
        return values
    }
}

extension SampleValues where Self: BinaryFloatingPoint {
    static func samples(count: Int) -> [Self] {
        var values = (0..<count).map { Self($0) * 1.25 - 3.5 }
        if count >= 3 {
            values[0] = -.greatestFiniteMagnitude
            values[1] = .leastNonzeroMagnitude
            values[count - 1] = .infinity
        }
        return values
    }
}

extension Int8: SampleValues {}
extension Int16: SampleValues {}
extension Int32: SampleValues {}
extension Int64: SampleValues {}
extension Int: SampleValues {}
extension UInt8: SampleValues {}
extension UInt16: SampleValues {}
extension UInt32: SampleValues {}
extension UInt64: SampleValues {}
extension Float: SampleValues {}
extension Double: SampleValues {}

/// Runs `body` and returns the `HDF5Error` it throws; records a test failure if it throws nothing or something else.
@discardableResult
func expectHDF5Error(
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> HDF5Error? {
    do {
        try body()
        let context = comment.map { ": \($0.rawValue)" } ?? ""
        Issue.record(Comment(rawValue: "expected an HDF5Error, but nothing was thrown\(context)"),
                     sourceLocation: sourceLocation)
    } catch let error as HDF5Error {
        return error
    } catch {
        Issue.record(Comment(rawValue: "expected an HDF5Error, got \(type(of: error)): \(error)"),
                     sourceLocation: sourceLocation)
    }
    return nil
}

/// Offsets of zlib stream headers (0x78 0x5e/0x9c/0x01/0xda, the pair a multiple of 31) in `bytes`, in file order.
func zlibStreamOffsets(in bytes: Data) -> [Int] {
    var offsets: [Int] = []
    let array = [UInt8](bytes)
    for index in 0..<(array.count - 1) where array[index] == 0x78 {
        let header = UInt16(array[index]) << 8 | UInt16(array[index + 1])
        if header % 31 == 0, [0x01, 0x5e, 0x9c, 0xda].contains(array[index + 1]) { offsets.append(index) }
    }
    return offsets
}

/// Writes 64 × 64 `values` at `path` as dataset "w" in two deflated chunks of 32 rows (the chunk-damage tests' file).
func writeTwoChunkDataset(_ values: [Float], at path: String) throws {
    let file = try HDF5File(path: path, mode: .truncate)
    try file.writeDataset("w", values, shape: [64, 64], chunks: [32, 64], deflateLevel: 4)
}

/// Flips bytes inside the second chunk's compressed stream of `writeTwoChunkDataset`'s file: its structure stays
/// intact, and only inflating the chunk at (32, 0) fails.
func damageSecondChunk(at path: String) throws {
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let streams = zlibStreamOffsets(in: bytes)
    try #require(streams.count == 2, "expected two zlib streams, found \(streams)")
    for offset in (streams[1] + 8)..<(streams[1] + 24) { bytes[offset] ^= 0x5a }
    try bytes.write(to: URL(fileURLWithPath: path))
}
