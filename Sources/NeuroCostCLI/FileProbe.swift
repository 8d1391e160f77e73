import ArgumentParser
import Foundation
import NeuroCost

/// Walks the input files through libhdf5 in one child process before the command reads them for real.
///
/// Debian's libhdf5 (1.10) can crash or hang on damaged files in ways HDF5Kit's checks do not cover (its
/// metadata cache trusts sizes and addresses it reads: symbol tables, B-trees, heaps). A crash in the child
/// becomes a one-line error naming the file, and the command never reads a file that brought libhdf5 down. The
/// child is this executable, run with the hidden `probe` subcommand; it makes libhdf5 parse everything a read
/// parses (`HDF5FileCheck`: every group, link, attribute, string and chunk index, and the datasets HDF5Kit's
/// chunk decoder does not read) but inflates nothing, so it costs a small part of the real read.
enum FileProbe {
    enum Kind: String, ExpressibleByArgument {
        case network
        case data
    }

    /// The most the child reads of one dataset whose values libhdf5 must deliver (contiguous or compact storage,
    /// other filters): a prefix of its rows when it is larger (a data file may hold far more samples than a run
    /// reads; the run reads the rest in-process as it goes).
    static let maxValueBytes = 64 << 20

    /// Seconds the child may take before the file counts as one libhdf5 cannot finish reading.
    static let timeLimit: Duration = .seconds(15)

    /// What the child writes on standard output before walking file `index` of its arguments, so that the parent
    /// can name the file that crashed or hung it.
    static func startMarker(_ index: Int) -> String { "walking \(index)\n" }

    /// Walks `files` in order in one child process; throws naming the file the HDF5 library crashed or hung on.
    static func check(_ requested: [(path: String, kind: Kind)], memoryLimit: Int) throws {
        // The child walks networks first, then data files, and numbers them in that order.
        let files = requested.filter { $0.kind == .network } + requested.filter { $0.kind == .data }
        guard !files.isEmpty, let executable = Bundle.main.executablePath ?? CommandLine.arguments.first else { return }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = ["probe"] + files.flatMap { ["--\($0.kind.rawValue)", $0.path] }
            + ["--max-memory", "\(memoryLimit)"]
        // The child's crash report would only repeat, slowly, what the parent says in one line.
        child.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        let progress = Pipe()
        child.standardOutput = progress
        child.standardError = FileHandle.nullDevice
        do { try child.run() } catch { return }  // no child, no probe: the in-process read still checks everything it can
        let deadline = ContinuousClock.now + timeLimit
        var timedOut = false
        while child.isRunning {
            if ContinuousClock.now > deadline {
                // SIGKILL: a child stuck inside libhdf5 must not be able to outlive the command.
                kill(child.processIdentifier, SIGKILL)
                child.waitUntilExit()
                timedOut = true
                break
            }
            usleep(1_000)
        }
        try? progress.fileHandleForWriting.close()
        let output = String(decoding: progress.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let started = output.split(separator: "\n").compactMap { Int($0.dropFirst("walking ".count)) }.last ?? 0
        let path = files[min(max(started, 0), files.count - 1)].path
        if timedOut {
            throw CommandFailure("\(path): damaged file: the HDF5 library did not finish reading it within \(timeLimit)")
        }
        if child.terminationReason == .uncaughtSignal {
            throw CommandFailure("\(path): damaged file: the HDF5 library crashed reading it (signal \(child.terminationStatus))")
        }
    }
}

/// `neurocost probe [--network FILE] [--data FILE]…`: walks the files as `FileProbe` describes, and nothing else.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Walk network and data files through the HDF5 library and exit (used internally to isolate libhdf5 crashes).",
        shouldDisplay: false
    )

    @Option(name: .customLong("network")) var networks: [String] = []
    @Option(name: .customLong("data")) var dataFiles: [String] = []
    @Option(name: .customLong("max-memory")) var maxMemory: Int = MemoryLimit.defaultBytes

    func run() throws {
        // Networks first, then data files: the order `FileProbe.check` numbers them in. An error (not a crash) in
        // one file does not end the walk: the next file still gets walked, and the parent reports the error itself.
        var failures: [String] = []
        for (index, path) in (networks + dataFiles).enumerated() {
            FileHandle.standardOutput.write(Data(FileProbe.startMarker(index).utf8))
            do {
                try HDF5FileCheck.walk(path: path, maxValueBytes: min(maxMemory, FileProbe.maxValueBytes))
            } catch {
                failures.append("\(error)")
            }
        }
        if !failures.isEmpty { throw CommandFailure(failures.joined(separator: "; ")) }
    }
}
