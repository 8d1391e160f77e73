#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The size of one core's second-level cache on the machine the process runs on, read once. Plan-time choices that
/// trade memory traffic against arithmetic (`PackedTapTiles`) depend on it; results never do.
enum SecondLevelCache {
    /// Used when the system does not say (or says something implausible): the Xeon the packed rows were measured on.
    static let fallbackBytes = 2 * 1024 * 1024

    /// Per-core L2 bytes of this machine, or `fallbackBytes` when unknown.
    static let bytesPerCore: Int = plausible(systemBytes()) ?? fallbackBytes

    /// `bytes` when it looks like a real L2 (64 KB to 64 MB), else nil.
    static func plausible(_ bytes: Int?) -> Int? {
        guard let bytes, bytes >= 64 * 1024, bytes <= 64 * 1024 * 1024 else { return nil }
        return bytes
    }

    private static func systemBytes() -> Int? {
        #if os(Linux)
        // glibc answers from CPUID on x86-64; elsewhere (or under musl) it may answer 0, then sysfs says.
        #if canImport(Glibc)
        let reported = sysconf(Int32(_SC_LEVEL2_CACHE_SIZE))
        if reported > 0 { return reported }
        #endif
        return sysfsBytes(cpuDirectory: "/sys/devices/system/cpu/cpu0/cache")
        #elseif canImport(Darwin)
        // Apple silicon: the performance cores' L2 (shared by a cluster; the closest to a core's share it reports).
        for name in ["hw.perflevel0.l2cachesize", "hw.l2cachesize"] {
            var bytes: Int64 = 0, size = MemoryLayout<Int64>.size
            if sysctlbyname(name, &bytes, &size, nil, 0) == 0, bytes > 0 { return Int(bytes) }
        }
        return nil
        #else
        return nil
        #endif
    }

    /// The level-2 data or unified cache among `index*/` of a Linux CPU's cache directory (its `size` reads like
    /// "1024K"), or nil.
    static func sysfsBytes(cpuDirectory: String) -> Int? {
        for index in 0..<16 {
            let directory = "\(cpuDirectory)/index\(index)"
            guard let level = readLine(at: "\(directory)/level") else { break }
            guard level == "2", let type = readLine(at: "\(directory)/type"), type == "Unified" || type == "Data",
                  let size = readLine(at: "\(directory)/size") else { continue }
            return parseSize(size)
        }
        return nil
    }

    /// "1024K" / "2M" / "524288" as bytes, or nil.
    static func parseSize(_ text: String) -> Int? {
        let multipliers: [Character: Int] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024]
        if let last = text.last, let multiplier = multipliers[Character(last.uppercased())] {
            guard let value = Int(text.dropLast()) else { return nil }
            return value.multipliedReportingOverflow(by: multiplier).overflow ? nil : value * multiplier
        }
        return Int(text)
    }

    private static func readLine(at path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.droppingTrailingWhitespace()
    }
}

private extension String {
    func droppingTrailingWhitespace() -> String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
