import ArgumentParser
import Foundation
import NeuroCost

/// `neurocost profiles`: list, show and validate hardware energy profiles.
struct ProfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles",
        abstract: "Hardware energy profiles: list the bundled ones, show one, validate your own.",
        discussion: """
            A profile prices counted actions (MACs, adds, synaptic events, neuron updates, spikes, hops, memory \
            accesses) in picojoules, each constant with its scope (marginal or all-in), evidence and source. \
            The format is documented in HardwareProfiles/README.md; NEUROCOST_PROFILES overrides the bundled folder.
            """,
        subcommands: [List.self, Show.self, Validate.self],
        defaultSubcommand: List.self
    )

    /// `neurocost profiles [list]`: one line per bundled profile.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the bundled profiles with their key figure.")

        func run() throws {
            let names = try ProfileLibrary.bundledNames()
            var rows: [[String]] = []
            var failures: [ProfileError] = []
            for name in names {
                do {
                    let profile = try ProfileLibrary.load(name)
                    rows.append([profile.name, profile.kind.rawValue, ProfileText.process(profile),
                                 ProfileText.keyFigure(profile), profile.description])
                } catch {
                    failures.append(error)
                }
            }
            let header = ["name", "kind", "process", "key figure", "description"]
            let table = TextTable.render(header: header, rows: rows, rightAligned: [2])
            print(table.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n"))
            if let directory = ProfileLibrary.bundledDirectory() { print("\nfolder: \(directory)") }
            print("details: neurocost profiles show NAME")
            guard failures.isEmpty else {
                for failure in failures { FileHandle.standardError.write(Data("error: \(failure.description)\n".utf8)) }
                throw ExitCode.failure
            }
        }
    }

    /// `neurocost profiles show NAME|FILE`: every constant with value, unit, scope, evidence and source.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print every constant of a profile with its unit, scope, evidence and source.")

        @Argument(help: "A bundled profile name (see `neurocost profiles`) or a .yaml/.yml/.json file.")
        var profile: String

        func run() throws {
            print(ProfileText.details(try ProfileLibrary.load(profile)))
        }
    }

    /// `neurocost profiles validate FILE`: checks a user's profile file.
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate", abstract: "Check a profile file; prints 'ok: …' or the problem (non-zero exit).")

        @Argument(help: "A profile file (.yaml, .yml or .json).")
        var file: String

        func run() throws {
            let profile = try ProfileLibrary.load(file: file)
            let memory = profile.memoryLevels.count + (profile.dram == nil ? 0 : 1)
            var summary = "ok: \(file): profile '\(profile.name)' (\(profile.kind.rawValue), "
                + "\(profile.energy.count) energy constants, \(memory) memory levels"
            if let cores = profile.cores { summary += ", \(cores.count) cores" }
            summary += ")"
            if !profile.allInKeys.isEmpty { summary += "; all-in: \(profile.allInKeys.joined(separator: ", "))" }
            print(summary)
        }
    }
}

/// How `profiles` prints a profile.
enum ProfileText {
    /// `45 nm`, or `—` when the profile gives no process.
    static func process(_ profile: HardwareProfile) -> String {
        profile.processNanometers.map { "\(number($0)) nm" } ?? "—"
    }

    /// The headline constant: MAC (else add) for digital profiles, synop for neuromorphic ones.
    static func keyFigure(_ profile: HardwareProfile) -> String {
        let keys = profile.kind == .digital ? [EnergyKey.mac, EnergyKey.add] : [EnergyKey.synop]
        guard let key = keys.first(where: { profile.energy[$0] != nil }), let constant = profile.energy[key] else { return "—" }
        let label = key == EnergyKey.mac ? "MAC" : key
        return "\(label) \(number(constant.picojoules)) pJ" + (constant.scope == .allIn ? " (all-in)" : "")
    }

    /// A number without a trailing `.0`, otherwise as Swift prints it.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// `low V unit (source …), high V unit (source …)`, either end `—` when absent.
    static func bounds(low: ConstantBound?, high: ConstantBound?, unit: String) -> String {
        func end(_ name: String, _ bound: ConstantBound?) -> String {
            guard let bound else { return "\(name) —" }
            return "\(name) \(number(bound.value)) \(unit) (\(bound.evidence.map { "\($0); " } ?? "")source: \(bound.source))"
        }
        return end("low", low) + ", " + end("high", high)
    }

    /// Every field of the profile.
    static func details(_ profile: HardwareProfile) -> String {
        var lines = ["\(profile.name) (\(profile.kind.rawValue))", profile.description, "file: \(profile.file)", ""]
        var technology: [String] = []
        if let process = profile.processNanometers { technology.append("process \(number(process)) nm") }
        if let volts = profile.supplyVolts { technology.append("supply \(number(volts)) V") }
        lines.append("technology: " + (technology.isEmpty ? "not given" : technology.joined(separator: ", ")))
        if let note = profile.technologyNote { lines.append("  note: \(note)") }
        lines.append("precision: weights \(profile.weightPrecision), activations \(profile.activationPrecision), "
                     + "state \(profile.statePrecision)")
        if let note = profile.precisionNote { lines.append("  note: \(note)") }

        lines += ["", "energy"]
        let ordered = EnergyKey.all.filter { profile.energy[$0] != nil } + profile.energyKeys.filter { !EnergyKey.all.contains($0) }
        let rows = ordered.compactMap { key in
            profile.energy[key].map { [key, number($0.picojoules), "pJ " + EnergyKey.action(key), $0.scope.rawValue,
                                       $0.evidence ?? "—", $0.source] }
        }
        lines += TextTable.render(header: ["constant", "value", "unit", "scope", "evidence", "source"],
                                  rows: rows, rightAligned: [1]).map { "  " + $0 }
        for key in ordered {
            if let note = profile.energy[key]?.note { lines.append("  \(key): \(note)") }
        }
        for key in ordered {
            guard let constant = profile.energy[key], constant.isRanged else { continue }
            lines.append("  \(key) range: " + bounds(low: constant.low, high: constant.high, unit: "pJ"))
        }
        if !profile.allInKeys.isEmpty {
            lines.append("  all-in: \(profile.allInKeys.joined(separator: ", ")); a ledger prices those counts with these "
                         + "figures alone and adds no marginal term, memory or static power on top.")
        }

        let levels = profile.memoryLevels + (profile.dram.map { [$0] } ?? [])
        if !levels.isEmpty {
            lines += ["", "memory (smallest first; data live in the smallest level that holds them)"]
            var memoryRows: [[String]] = []
            for level in levels {
                let capacity = level.capacityBytes.map { "\($0) B" } ?? "unbounded"
                let write = level.write.map { "\(number($0.picojoules)) pJ" } ?? "= read"
                memoryRows.append([level.name, capacity, "\(level.accessBits) bit", "\(number(level.read.picojoules)) pJ", write,
                                   String(format: "%.4g pJ/bit", level.readPicojoulesPerBit), level.read.scope.rawValue,
                                   level.read.evidence ?? "—", level.read.source])
            }
            lines += TextTable.render(header: ["level", "capacity", "access", "read", "write", "read per bit", "scope",
                                               "evidence", "source"],
                                      rows: memoryRows, rightAligned: [1, 2, 3, 4, 5]).map { "  " + $0 }
            for level in levels {
                if let note = level.read.note { lines.append("  \(level.name) read: \(note)") }
                if let note = level.write?.note { lines.append("  \(level.name) write: \(note)") }
            }
        }

        if let cores = profile.cores {
            lines += ["", "cores"]
            var facts = ["count \(cores.count)"]
            if let value = cores.neuronsPerCore { facts.append("\(value) neurons per core") }
            if let value = cores.synapticMemoryBytesPerCore { facts.append("\(value) B synaptic memory per core") }
            if let value = cores.fanInPerNeuron { facts.append("fan-in \(value) per neuron") }
            if let value = cores.fanOutPerNeuron { facts.append("fan-out \(value) per neuron") }
            if let value = cores.inputAxonsPerCore { facts.append("\(value) input axons per core") }
            if let value = cores.outputAxonsPerCore { facts.append("\(value) output axons per core") }
            if let value = cores.destinationCoresPerNeuron { facts.append("\(value) destination core(s) per neuron") }
            if let value = cores.weightValuesPerNeuron { facts.append("\(value) weight values per neuron") }
            facts.append("synapse encoding \(cores.synapseEncoding.rawValue)")
            lines.append("  limits: " + facts.joined(separator: ", "))
            var layout: [String] = []
            if let columns = cores.meshColumns, let rows = cores.meshRows {
                layout.append("mesh \(columns) columns × \(rows) rows of tiles of \(cores.coresPerTile) core(s) (X then Y; 0 hops within a tile)")
            } else {
                layout.append("no mesh (router hops not counted)")
            }
            if let value = cores.coresPerChip { layout.append("\(value) cores per chip, \(cores.chipCount ?? 0) chips") }
            layout.append(cores.chipMeshColumns.map { "chips on a mesh \($0) wide" } ?? "several chips taken as a chain")
            lines.append("  layout: " + layout.joined(separator: "; "))
            if let population = cores.populationAxons {
                lines.append("  population axons (convolutions): \(population.outputSlotsPerAxon) output slot(s) per axon"
                             + (population.compartmentBaseSpan.map { ", compartment base within \($0) (a weight-set copy per block)" } ?? "")
                             + "; source: \(population.source)")
            }
            if let note = profile.coresNote { lines.append("  note: \(note)") }
        }

        let timing = profile.timing
        let quantities: [(String, String, ProfileQuantity?)] = [("static power", "W", profile.staticPowerWatts),
                                                                 ("time per step", "s", profile.timePerStepSeconds),
                                                                 ("timing.synop_s", "s", timing.synop),
                                                                 ("timing.neuron_update_active_s", "s", timing.neuronUpdateActive),
                                                                 ("timing.neuron_update_idle_s", "s", timing.neuronUpdateIdle),
                                                                 ("timing.spike_sent_s", "s", timing.spikeSent),
                                                                 ("timing.barrier_s", "s", timing.barrier),
                                                                 ("timing.min_step_s", "s", timing.minStep),
                                                                 ("host.loop_s", "s", profile.host.loop),
                                                                 ("host.input_core_s", "s", profile.host.inputCore),
                                                                 ("host.management_power_w", "W", profile.host.managementPower)]
        for (label, unit, quantity) in quantities {
            guard let quantity else { continue }
            lines += ["", "\(label): \(number(quantity.value)) \(unit), \(quantity.scope.rawValue), "
                      + "\(quantity.evidence ?? "evidence not given"); source: \(quantity.source)"]
            if let note = quantity.note { lines.append("  note: \(note)") }
            if quantity.isRanged { lines.append("  range: " + bounds(low: quantity.low, high: quantity.high, unit: unit)) }
        }

        if !profile.host.isEmpty {
            let loop = profile.host.loop.map { "\(number($0.value)) s" } ?? "unpublished"
            let perCore = profile.host.inputCore.map { "\(number($0.value)) s" } ?? "unpublished"
            lines += ["", "host loop: a step lasts at least \(loop) + \(perCore) per core receiving host input"
                      + (profile.host.managementPower.map { "; management cores \(number($0.value)) W × latency" } ?? "")]
        }

        if let point = profile.calibration {
            lines += ["", "calibration point (fitted: \(point.fields.joined(separator: ", ")))"]
            var facts: [String] = []
            if let neurons = point.neurons { facts.append("\(neurons) neurons") }
            facts.append(point.spikesPerNeuronPerStep.map { "\(number($0)) spikes per neuron per step" } ?? "firing rate unpublished")
            if let power = point.power {
                facts.append("power \(number(power.value)) W (\(power.evidence ?? "evidence not given"); source: \(power.source))")
            } else {
                facts.append("power unpublished")
            }
            lines.append("  " + facts.joined(separator: ", "))
            lines.append("  source: \(point.source)")
            if let note = point.note { lines.append("  note: \(note)") }
        }

        lines += ["", "sources"]
        lines += profile.sources.enumerated().map { "  \($0.offset + 1). \($0.element)" }
        return lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
            .joined(separator: "\n")
    }
}
