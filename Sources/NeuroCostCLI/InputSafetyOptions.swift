import ArgumentParser
import Foundation
import NeuroCost

/// Options every command that reads files from others shares: how much memory a job may take and how to treat
/// fields and data this NeuroCost does not expect.
struct InputSafetyOptions: ParsableArguments {
    @Option(name: .customLong("max-memory"),
            help: "Refuse networks and data that would need more memory than this (bytes, or with K, M, G, T; default: half of physical memory).")
    var maxMemory: MemorySize?

    @Flag(name: .customLong("ignore-unknown-fields"),
          help: "Read nodes that hold fields this version does not know (a newer NIR may add some), skipping those fields and listing them.")
    var ignoreUnknownFields = false

    /// The memory limit in bytes.
    var memoryLimit: Int { maxMemory?.bytes ?? MemoryLimit.defaultBytes }

    /// Reads a network under these options, decoding its tensors on at most `threads` threads (nil: the
    /// environment's NEUROCOST_THREADS, else every core); skipped fields are listed on standard error. In the
    /// supervised worker, a crash or hang of libhdf5 meanwhile is reported as this file's damage (`Supervisor`).
    func readNetwork(_ path: String, threads: Int? = nil) throws -> NIRDocument {
        let options = NIRReadOptions(ignoreUnknownFields: ignoreUnknownFields, maxMemoryBytes: memoryLimit,
                                     threads: try threads ?? ThreadLimit.resolve(nil))
        let document = try SupervisedReading.reading(path, memoryLimit: memoryLimit) {
            try NIRReader.read(path: path, options: options)
        }
        if !document.ignoredFields.isEmpty {
            Diagnostics.warn("\(path): ignored \(document.ignoredFields.count) unknown field(s): "
                             + document.ignoredFields.map(\.description).joined(separator: "; "))
        }
        return document
    }

    /// The most of one dataset's values the supervised worker reads through libhdf5 when it opens a data file.
    static let dataWalkBytes = 64 << 20

    /// Opens a data file. In the supervised worker, libhdf5 first walks all of it (`HDF5FileCheck`: every
    /// group, attribute, string and chunk index, and up to 64 MB of each dataset's values), because the run reads
    /// its rows later, outside any reading phase; a crash or hang there is reported as this file's damage.
    /// Errors of the walk are left to the reader, which reports them as it always does.
    func openData(_ path: String, preferSpikes: Bool = false) throws -> SampleDataset {
        try SupervisedReading.reading(path, memoryLimit: memoryLimit) {
            if SupervisedReading.isSupervised {
                try? HDF5FileCheck.walk(path: path, maxValueBytes: min(memoryLimit, Self.dataWalkBytes))
            }
            return try SampleDataset(path: path, preferSpikes: preferSpikes, maxMemoryBytes: memoryLimit)
        }
    }

    /// Refuses a job whose estimated memory exceeds the limit.
    func requireFits(_ estimate: MemoryEstimate, what: String) throws {
        let limit = memoryLimit
        guard estimate.bytes > limit else { return }
        throw CommandFailure("\(what) would need about \(MemoryLimit.describe(estimate.bytes)) (\(estimate.largestPart)), more than the memory limit of \(MemoryLimit.describe(limit)); raise --max-memory or use a smaller --limit or --timesteps")
    }
}

/// A byte count given as `123`, `512K`, `64M`, `8G` or `1T` (powers of 1024).
struct MemorySize: ExpressibleByArgument {
    let bytes: Int

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(text)
        var multiplier = 1
        if let last = digits.last, let unit = units[last] {
            multiplier = unit
            digits = digits.dropLast()
        }
        if digits.hasSuffix("I") || digits.hasSuffix("B") { return nil }
        guard let value = Double(digits), value.isFinite, value > 0 else { return nil }
        let total = value * Double(multiplier)
        guard total < Double(Int.max) else { return nil }
        bytes = Int(total)
    }
}

/// Warnings go to standard error, one line each, so that standard output stays the report.
enum Diagnostics {
    static func warn(_ message: String) {
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }
}
