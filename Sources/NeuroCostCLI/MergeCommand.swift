import ArgumentParser
import Foundation

/// `neurocost merge OUT.h5 SHARD.h5…`: the exact merge of `run --shard` files, done by the Python package's
/// `neurocost-merge` (`pip install ./Python`), which re-prices the merged counts with this binary's `price`.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shards of one run (run --shard I/K) into one results file, equal to a single run.",
        discussion: """
            Counts summed, per-sample data, predictions and traces concatenated in sample order, accuracy recomputed, \
            energy re-priced from the merged counts; refuses other networks, data, options or versions, overlaps, and \
            gaps unless --allow-gaps (docs/results-schema.md, "Shards and merges"). Runs the Python package's \
            neurocost-merge (python3 -m pip install ./Python) with this binary for the re-pricing.
            """
    )

    @Argument(help: "The merged results file to write.")
    var out: String

    @Argument(help: "The shards' results files, in any order.")
    var shards: [String]

    @Flag(name: .customLong("allow-gaps"), help: "Merge although some samples are in no shard (records /results/sample_index).")
    var allowGaps = false

    @Option(help: "The network, when it is not at the path the shards record.")
    var network: String?

    @Flag(help: "Replace OUT if it exists.")
    var force = false

    func validate() throws {
        guard !shards.isEmpty else { throw ValidationError("give at least one shard") }
    }

    func run() throws {
        var arguments = ["-m", "neurocost.merge", out] + shards
        if allowGaps { arguments.append("--allow-gaps") }
        if force { arguments.append("--force") }
        if let network { arguments += ["--network", network] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["NEUROCOST_CLI"] = Bundle.main.executablePath ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        process.environment = environment
        do {
            try process.run()
        } catch {
            throw CommandFailure("merge needs python3 with the neurocost package (python3 -m pip install ./Python): \(error.localizedDescription)")
        }
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
    }
}
