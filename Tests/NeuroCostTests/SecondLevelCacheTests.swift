import Foundation
@testable import Simulator
import Testing

/// Reading the per-core L2 size that decides which dense layers keep packed rows (`PackedTapTiles`).
@Suite struct SecondLevelCacheTests {
    @Test("sysfs sizes: kilobytes, megabytes, plain bytes; anything else is unknown")
    func parsesSizes() {
        #expect(SecondLevelCache.parseSize("1024K") == 1_048_576)
        #expect(SecondLevelCache.parseSize("2048K") == 2_097_152)
        #expect(SecondLevelCache.parseSize("2M") == 2_097_152)
        #expect(SecondLevelCache.parseSize("524288") == 524_288)
        #expect(SecondLevelCache.parseSize("") == nil)
        #expect(SecondLevelCache.parseSize("K") == nil)
        #expect(SecondLevelCache.parseSize("12Q") == nil)
        #expect(SecondLevelCache.parseSize("99999999999999999G") == nil)
    }

    @Test("the level-2 data or unified cache is found among the index directories")
    func readsSysfsDirectory() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("neurocost-l2-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        func index(_ number: Int, level: Int, type: String, size: String) throws {
            let directory = root.appendingPathComponent("index\(number)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try "\(level)\n".write(to: directory.appendingPathComponent("level"), atomically: true, encoding: .utf8)
            try "\(type)\n".write(to: directory.appendingPathComponent("type"), atomically: true, encoding: .utf8)
            try "\(size)\n".write(to: directory.appendingPathComponent("size"), atomically: true, encoding: .utf8)
        }
        #expect(SecondLevelCache.sysfsBytes(cpuDirectory: root.path) == nil, "no directories: unknown")
        try index(0, level: 1, type: "Data", size: "32K")
        try index(1, level: 1, type: "Instruction", size: "32K")
        #expect(SecondLevelCache.sysfsBytes(cpuDirectory: root.path) == nil, "no level 2: unknown")
        try index(2, level: 2, type: "Unified", size: "1024K")
        try index(3, level: 3, type: "Unified", size: "32768K")
        #expect(SecondLevelCache.sysfsBytes(cpuDirectory: root.path) == 1_048_576)
    }

    @Test("implausible sizes fall back; this machine's size is plausible or the fallback")
    func plausibility() {
        #expect(SecondLevelCache.plausible(nil) == nil)
        #expect(SecondLevelCache.plausible(0) == nil)
        #expect(SecondLevelCache.plausible(4096) == nil)
        #expect(SecondLevelCache.plausible(1 << 40) == nil)
        #expect(SecondLevelCache.plausible(1_048_576) == 1_048_576)
        let bytes = SecondLevelCache.bytesPerCore
        #expect(SecondLevelCache.plausible(bytes) == bytes)
        #expect(PackedTapTiles.defaultMinimumFloatBytes == bytes)
    }
}
