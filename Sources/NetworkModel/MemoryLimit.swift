import Foundation

/// The memory NeuroCost may commit to one job, checked against estimates before anything large is allocated,
/// so that a file declaring enormous sizes is refused with the estimate instead of aborting the process.
public enum MemoryLimit {
    /// Half the machine's physical memory: room for the operating system and the page cache.
    public static var defaultBytes: Int {
        let physical = ProcessInfo.processInfo.physicalMemory
        return Int(clamping: physical / 2)
    }

    /// `bytes` in a short human form ("3.2 GiB").
    public static func describe(_ bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f ", value) + units[unit]
    }
}

/// Overflow-checked arithmetic on shapes read from files.
public enum ShapeArithmetic {
    /// The most elements one node's activation may have (2^40): far beyond any network that fits in memory,
    /// and small enough that sums over all nodes cannot overflow.
    public static let maxElementsPerNode = 1 << 40
    /// Integer settings (strides, padding, dilation, kernel sizes, groups) must not exceed this.
    public static let maxSetting = Int(Int32.max)

    /// The number of elements of `shape`, or nil when a dimension is negative or the product overflows `Int`.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// `count × bytesPerElement`, or nil on overflow.
    public static func byteCount(elements count: Int, bytesPerElement: Int) -> Int? {
        let (product, overflow) = count.multipliedReportingOverflow(by: bytesPerElement)
        return overflow ? nil : product
    }
}
