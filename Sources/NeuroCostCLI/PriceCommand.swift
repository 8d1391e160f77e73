import ArgumentParser
import Foundation
import NeuroCost

struct PriceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "price",
        abstract: "Price an existing results file under more profiles, without simulating again.",
        discussion: """
            Reads the per-sample counts of a results file written by `run` (and the network it names, checked against \
            its recorded hash) and prices them exactly as `run --profile` would have: the energy is equal to the bit. \
            --timesteps T prices the first T steps of every sample, which needs a run with --per-step-counts.
            """
    )

    @Argument(help: "A results file written by `neurocost run`.")
    var results: String

    @Option(name: [.customLong("profile"), .customLong("profiles")],
            help: "Profiles (bundled names or YAML/JSON files); repeatable, or comma-separated. Default: \(RunCommand.defaultProfile).")
    var profiles: [String] = []

    @Option(help: "Price the first T steps of each sample (default: all the run's steps).")
    var timesteps: Int?

    @Option(help: "The network, when it is not at the path the results file records.")
    var network: String?

    @OptionGroup(title: "Pricing")
    var pricing: PricingOptions
    var memoryModel: MemoryModel { pricing.memoryModel }
    var weightFormat: WeightStorageFormat? { pricing.weightFormat }

    @Option(help: "Write the priced counts, /energy and /conventions to this new file.")
    var out: String?

    @Flag(help: "Replace --out if it exists.")
    var force = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: results) else { throw CommandFailure("\(results): no such file") }
        if let out, !force, FileManager.default.fileExists(atPath: out) {
            throw CommandFailure("\(out) exists; choose another --out or pass --force to replace it")
        }
        let stored = try StoredRun(path: results)
        let networkPath = network ?? stored.networkFile
        guard FileManager.default.fileExists(atPath: networkPath) else {
            throw CommandFailure("\(networkPath): the network \(results) was run on is not there; pass --network PATH")
        }
        let hash = try RunProvenance.sha256(ofFile: networkPath)
        guard hash == stored.networkSHA256 else {
            throw CommandFailure("\(networkPath): not the network \(results) was run on (SHA-256 \(hash), recorded \(stored.networkSHA256))")
        }
        guard let encoding = InputEncoding(rawValue: stored.encoding) else {
            throw CommandFailure("\(results): attribute 'encoding': unknown value '\(stored.encoding)'")
        }
        let counts = try stored.counts(steps: timesteps)
        let network = try SupervisedReading.reading(networkPath, memoryLimit: MemoryLimit.defaultBytes) {
            try NIRReader.read(path: networkPath)
        }.network
        let plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: counts.timesteps, encoding: encoding))
        guard plan.layerNames == counts.layerNames else {
            throw CommandFailure("\(results): its layers are not the network's (\(counts.layerNames.joined(separator: ", ")))")
        }
        let hardware = ProfileKeys.unique(try ProfileArguments.load(profiles.isEmpty ? [RunCommand.defaultProfile] : profiles))
        var unavailable: [String: String] = [:]
        for (key, profile) in hardware {
            if let reason = RunPricer.cannotPrice(plan, profile: profile, weightFormat: weightFormat, memoryModel: memoryModel) {
                unavailable[key] = reason
                CommandOutput.note("profile '\(key)' cannot price this run, so it is skipped: \(reason)")
            }
        }
        var spikesPerNeuron: [Int: [Int]] = [:]
        for (name, values) in stored.spikesPerNeuron { if let index = network.index(of: name) { spikesPerNeuron[index] = values } }
        if hardware.contains(where: { $0.profile.kind == .neuromorphic }) && spikesPerNeuron.isEmpty {
            CommandOutput.note("\(results) holds no per-neuron spike counts (a run with a neuromorphic profile stores them): the core mapping weighs every neuron alike")
        }
        let priced = RunPricer.price(counts, plan: plan, spikesPerNeuron: spikesPerNeuron,
                                     keyed: hardware.filter { unavailable[$0.key] == nil }, weightFormat: weightFormat, memoryModel: memoryModel)
        let conventions = ConventionCounter.count(counts, layout: try ConventionLayout(plan: plan, layerNames: counts.layerNames))
        let (entries, notes) = Pricing.entries(priced, conventions: conventions, unavailable: unavailable, order: hardware)
        var lines = ["results: \(results) (\(stored.samples) samples, priced over \(counts.timesteps) of \(stored.timesteps) steps)", ""]
        lines += ConventionTable.render(conventions)
        lines.append("")
        lines += EnergyTable.render(entries, samples: counts.sampleCount)
        for note in notes { lines.append("note: \(note)") }
        for mapping in priced.compactMap(\.mapping) { lines += Pricing.describe(mapping) }
        if let out {
            try PricedResultsWriter.write(to: out, overwrite: force, source: stored, counts: counts, entries: entries,
                                          conventions: conventions, neurocostVersion: NeuroCostVersion.string)
            lines.append("written: \(out)")
        }
        print(lines.joined(separator: "\n"))
    }
}
