import ArgumentParser
import Foundation
import NeuroCost

/// `neurocost-fuzz`: a seeded mutation fuzzer over NIR networks, data files and hardware profiles (Fuzz/README.md).
///
/// The supervisor runs inputs in a child process so that a crash or a hang costs one input, not the campaign:
/// the child records the index it is working on; when it dies or stops making progress, that index is saved as
/// a finding (its file copied to the findings folder) and a new child continues after it.
@main
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neurocost-fuzz",
        abstract: "Mutation-fuzz NeuroCost's readers in-process and through the CLI.",
        discussion: "Run from the repository root. Every input is a function of --seed and its index, so a finding replays with --start INDEX --count 1."
    )

    enum Mode: String, ExpressibleByArgument {
        case inprocess
        case cli
    }

    @Option(help: "Seed of the mutations.")
    var seed: UInt64 = 1

    @Option(help: "Inputs to generate and run.")
    var count = 1000

    @Option(help: "Index of the first input.")
    var start = 0

    @Option(help: "inprocess: the library entry points in this process; cli: the neurocost executable.")
    var mode = Mode.inprocess

    @Option(help: "The neurocost executable (cli mode).")
    var binary = ".build/debug/neurocost"

    @Option(help: "Where each finding's input is copied.")
    var findings = "fuzz-findings"

    @Option(help: "Scratch folder (default: a new one under the temporary directory).")
    var work: String?

    @Option(help: "Seconds without progress before an input counts as a hang.")
    var hangSeconds = 20

    @Flag(help: "Run the inputs in this process, without a supervisor (what the supervisor's child does).")
    var worker = false

    @Option(help: "Worker only: the file the worker writes its current index to.")
    var statusFile: String?

    func run() throws {
        let workDirectory = work ?? NSTemporaryDirectory() + "neurocost-fuzz-\(ProcessInfo.processInfo.processIdentifier)"
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        if worker {
            try runWorker(workDirectory: workDirectory)
        } else {
            try supervise(workDirectory: workDirectory)
        }
    }

    // MARK: - Worker

    private func runWorker(workDirectory: String) throws {
        let seeds = try FuzzSeeds.discover()
        let generator = InputGenerator(seed: seed, seedFiles: seeds.files, workDirectory: workDirectory)
        let inProcess = InProcessTarget(dataNetwork: try? NIRReader.read(path: seeds.dataNetwork).network, workDirectory: workDirectory)
        let cli = CLITarget(binary: binary, dataNetwork: seeds.dataNetwork, validData: seeds.validData, workDirectory: workDirectory)
        let status = statusFile.map { FileHandle(forWritingAtPath: $0) } ?? nil
        var tally = FuzzTally()
        for index in start..<(start + count) {
            if let status {
                status.seek(toFileOffset: 0)
                status.write(Data(String(format: "%020d\n", index).utf8))
            }
            let input = generator.make(index)
            do {
                let accepted = mode == .inprocess ? try inProcess.run(input) : try cli.run(input)
                tally.record(input.kind, accepted: accepted)
            } catch {
                tally.findings += 1
                FuzzReport.save(input, finding: error.description, seed: seed, to: findings)
            }
        }
        print(tally.line)
    }

    // MARK: - Supervisor

    private func supervise(workDirectory: String) throws {
        let started = ContinuousClock.now
        let statusPath = "\(workDirectory)/status"
        var next = start
        let end = start + count
        var total = FuzzTally()
        var crashes = 0
        while next < end {
            _ = FileManager.default.createFile(atPath: statusPath, contents: Data(String(format: "%020d\n", next).utf8))
            let child = Process()
            child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
            child.arguments = ["--worker", "--seed", "\(seed)", "--start", "\(next)", "--count", "\(end - next)", "--mode", mode.rawValue,
                               "--binary", binary, "--findings", findings, "--work", "\(workDirectory)/child", "--status-file", statusPath]
            let output = Pipe()
            child.standardOutput = output
            try child.run()
            var lastIndex = next
            var lastProgress = ContinuousClock.now
            var hung = false
            while child.isRunning {
                usleep(50_000)
                let index = Self.readIndex(statusPath) ?? lastIndex
                if index != lastIndex {
                    lastIndex = index
                    lastProgress = ContinuousClock.now
                } else if ContinuousClock.now - lastProgress > .seconds(hangSeconds) {
                    child.terminate()
                    hung = true
                    break
                }
            }
            child.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if let tally = FuzzTally(line: text) { total.add(tally) }
            if child.terminationReason == .exit && child.terminationStatus == 0 { break }
            let failed = Self.readIndex(statusPath) ?? lastIndex
            crashes += 1
            let seeds = try FuzzSeeds.discover()
            let generator = InputGenerator(seed: seed, seedFiles: seeds.files, workDirectory: workDirectory)
            let input = generator.make(failed)
            let what = hung ? "hang (no progress in \(hangSeconds) s)" : "crash (\(child.terminationReason == .uncaughtSignal ? "signal" : "exit") \(child.terminationStatus))"
            FuzzReport.save(input, finding: what, seed: seed, to: findings)
            // The inputs the child finished before the failure were tallied only in its lost output.
            total.add(FuzzTally(uncounted: failed - next))
            next = failed + 1
        }
        let seconds = Double((ContinuousClock.now - started).components.seconds)
        print("seed \(seed), inputs \(start)..<\(end), mode \(mode.rawValue): \(total.line); crashes and hangs: \(crashes); \(Int(seconds)) s")
        if total.findings + crashes > 0 {
            print("findings are in \(findings)/ (one folder per input, with the input file and finding.txt)")
            throw ExitCode(1)
        }
    }

    private static func readIndex(_ path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
