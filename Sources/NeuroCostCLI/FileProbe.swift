import ArgumentParser
import Foundation
import NeuroCost

/// Reads an input file once in a child process before the command reads it for real.
///
/// Debian's libhdf5 (1.10) can crash or hang on damaged files in ways HDF5Kit's checks do not cover (its
/// metadata cache trusts sizes and addresses it reads). A crash in the child becomes a one-line error naming the
/// file, and the command never reads a file that brought libhdf5 down. The child is this executable, run with
/// the hidden `probe` subcommand; reading a network or a data file twice costs little next to simulating it.
enum FileProbe {
    enum Kind: String, ExpressibleByArgument {
        case network
        case data
    }

    /// Samples of a data file the probe reads.
    static let maxProbedSamples = 16_384

    /// Seconds the child may take before the file counts as one libhdf5 cannot finish reading.
    static let timeLimit: Duration = .seconds(15)

    static func check(_ path: String, as kind: Kind, memoryLimit: Int) throws {
        guard let executable = Bundle.main.executablePath ?? CommandLine.arguments.first else { return }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = ["probe", kind.rawValue, path, "--max-memory", "\(memoryLimit)"]
        // The child's crash report would only repeat, slowly, what the parent says in one line.
        child.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        do { try child.run() } catch { return }  // no child, no probe: the in-process read still checks everything it can
        let deadline = ContinuousClock.now + timeLimit
        while child.isRunning {
            if ContinuousClock.now > deadline {
                // SIGKILL: a child stuck inside libhdf5 must not be able to outlive the command.
                kill(child.processIdentifier, SIGKILL)
                child.waitUntilExit()
                throw CommandFailure("\(path): damaged file: the HDF5 library did not finish reading it within \(timeLimit)")
            }
            usleep(1_000)
        }
        if child.terminationReason == .uncaughtSignal {
            throw CommandFailure("\(path): damaged file: the HDF5 library crashed reading it (signal \(child.terminationStatus))")
        }
    }
}

/// `neurocost probe KIND FILE`: reads the file as `run` would, and nothing else (see `FileProbe`).
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Read a network or data file and exit (used internally to isolate libhdf5 crashes).",
        shouldDisplay: false
    )

    @Argument var kind: FileProbe.Kind
    @Argument var path: String
    @Option(name: .customLong("max-memory")) var maxMemory: Int = MemoryLimit.defaultBytes

    func run() throws {
        switch kind {
        case .network:
            _ = try NIRReader.read(path: path, options: NIRReadOptions(ignoreUnknownFields: true, maxMemoryBytes: maxMemory))
        case .data:
            let dataset = try SampleDataset(path: path, maxMemoryBytes: maxMemory)
            // A bounded prefix: a file may declare far more samples than any run reads (the run's own memory
            // check refuses those), and the rest is read in-process as the run goes.
            _ = try dataset.statistics(0..<min(dataset.sampleCount, FileProbe.maxProbedSamples))
        }
    }
}
