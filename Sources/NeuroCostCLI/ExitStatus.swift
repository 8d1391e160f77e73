import ArgumentParser
import Foundation
import NeuroCost

/// The exit statuses a launcher acts on (docs/exit-codes.md): which failures to retry, which to resume, which to
/// report. The numbers follow BSD `sysexits.h` where one fits, and the shell's 128 + signal for interruption.
enum ExitStatus: Int32, CaseIterable {
    /// Done.
    case success = 0
    /// A failure NeuroCost did not classify: a bug to report; not retried.
    case internalFailure = 1
    /// A command line that cannot be run (unknown option, value out of range); never retried.
    case usage = 64
    /// An input whose content is wrong or refused (network, data, profile, results file; too big for the memory
    /// limit; an output that exists without --force); never retried: the same input fails the same way.
    case badInput = 65
    /// An input file that does not exist; never retried.
    case noInput = 66
    /// Writing the results failed part-way (disk full, a lost network file system); retrying may succeed.
    case outputFailure = 74
    /// Interrupted (SIGINT): the samples completed are in the results file; re-running the same command resumes.
    case interrupted = 130

    /// The status for an error thrown by a command. ArgumentParser's own errors (usage, `--help`, `ExitCode`) are
    /// `nil`: it reports those itself.
    static func classify(_ error: Error) -> ExitStatus? {
        switch error {
        case let failure as CommandFailure: return failure.status
        case let error as HDF5Error:
            // Errors about the file being written (its temporary name) are failures to write, not bad input.
            return isOutputBeingWritten(error) ? .outputFailure : .badInput
        case is NIRError, is NetworkError, is SampleDataError, is ProfileError, is LedgerError, is MappingError,
             is PricingFailure, is StoredRunError, is SimulationError:
            return .badInput
        case let error as CocoaError where error.code == .fileReadNoSuchFile || error.code == .fileNoSuchFile:
            return .noInput
        case let error as CocoaError where error.isFileError:
            return .outputFailure
        case let error as POSIXError where [.ENOSPC, .EIO, .EDQUOT, .ESTALE].contains(error.code):
            return .outputFailure
        case is ExitCode, is CleanExit, is ValidationError:
            return nil
        default:
            return NeuroCostCommand.exitCode(for: error) == .failure ? .internalFailure : nil
        }
    }

    /// Whether an HDF5 error is about a results file being written: `ReplacementFile` writes it as
    /// `.<name>.partial-<pid>` and reports a failed final rename against the destination.
    private static func isOutputBeingWritten(_ error: HDF5Error) -> Bool {
        let name = URL(fileURLWithPath: error.file).lastPathComponent
        return (name.hasPrefix(".") && name.contains(".partial-")) || error.message.hasPrefix("cannot move the finished file")
    }

    /// Runs the command line: ArgumentParser reports its own errors; every other error is printed the same way
    /// and exits with its class's status.
    static func main(_ command: NeuroCostCommand.Type) {
        do {
            var parsed = try command.parseAsRoot()
            try parsed.run()
            if parsed is RunCommand {
                // A finished run has closed every file it wrote (the results file is renamed into place) and
                // those it read need no flushing: it leaves without exit handlers (libhdf5 closing its library,
                // milliseconds of a short run). Other commands end the ordinary way, libhdf5 closing what they
                // leave open.
                fflush(nil)  // every output stream
                _exit(ExitStatus.success.rawValue)
            }
        } catch {
            guard let status = classify(error) else { command.exit(withError: error) }
            let message = command.fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            if status == .outputFailure {
                // libhdf5's exit handler would flush the file that just failed to write again, and crashes doing
                // so; the partial file is removed already, so leave without running exit handlers.
                fflush(nil)  // every output stream
                _exit(status.rawValue)
            }
            Foundation.exit(status.rawValue)
        }
    }
}
