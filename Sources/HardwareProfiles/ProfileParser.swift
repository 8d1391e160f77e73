import Foundation
import Yams

/// Reads a `neurocost-profile/1` document (YAML, or JSON with the same keys) into a checked ``HardwareProfile``.
enum ProfileParser {
    /// The schema identifier this parser reads.
    static let schema = "neurocost-profile/1"

    static let topLevelKeys = ["schema", "name", "description", "kind", "technology", "precision", "energy", "memory",
                               "cores", "static_power_w", "time_per_step_s", "timing", "host", "sources",
                               "calibration"]
    static let constantKeys = ["pJ", "scope", "evidence", "source", "note", "low", "high"]
    static let quantityKeys = ["value", "scope", "evidence", "source", "note", "low", "high"]
    static let technologyKeys = ["process_nm", "supply_v", "note"]
    static let precisionKeys = ["weights", "activations", "state", "note"]
    static let memoryKeys = ["levels", "dram"]
    static let levelKeys = ["name", "capacity_bytes", "access_bits", "read", "write"]
    static let dramKeys = ["name", "access_bits", "read", "write"]
    static let coreKeys = ["count", "neurons_per_core", "synaptic_memory_bytes_per_core", "fan_in_per_neuron",
                           "fan_out_per_neuron", "mesh", "cores_per_chip", "input_axons_per_core", "output_axons_per_core",
                           "destination_cores_per_neuron", "weight_values_per_neuron", "cores_per_tile", "chip_mesh_columns",
                           "synapse_encoding", "population_axons", "note"]
    static let populationAxonKeys = ["output_slots_per_axon", "compartment_base_span", "source"]
    static let meshKeys = ["columns", "rows"]

    /// Parses `text`; `file` names the document in errors (and a `.json` name allows JSON's tab indentation).
    static func parse(_ text: String, file: String) throws(ProfileError) -> HardwareProfile {
        // Valid JSON has no raw tab inside a string, so tabs are only indentation, which YAML forbids.
        let source = file.lowercased().hasSuffix(".json") ? text.replacingOccurrences(of: "\t", with: " ") : text
        try YAMLShapeLimits.check(source, file: file)
        let root: Node?
        do {
            // Only the tree is read (scalars' text, style and line), never a resolved tag or a constructed value:
            // the basic resolver has no rules, where the default one compiles seven ICU regular expressions on
            // first use (about 9 M instructions of start-up, most of them ICU's one-time tables), and a
            // constructor with no maps skips building the default ones.
            root = try Yams.compose(yaml: source, .basic, Constructor([:], [:], [:]))
        } catch let error as YamlError {
            throw yamlError(error, file: file)
        } catch {
            throw ProfileError(file: file, "not valid YAML: \(error)")
        }
        guard let root else { throw ProfileError(file: file, "the file is empty") }
        return try profile(from: LocatedNode(node: root, path: "", file: file))
    }

    /// A one-line error from the YAML parser, with the line it reports.
    static func yamlError(_ error: YamlError, file: String) -> ProfileError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let during = context.map { "\($0.text) (line \($0.mark.line)), " } ?? ""
            return ProfileError(file: file, line: mark.line, "malformed YAML: \(during)\(problem) at column \(mark.column)")
        default:
            return ProfileError(file: file, "malformed YAML: \(error)")
        }
    }

    static func profile(from root: LocatedNode) throws(ProfileError) -> HardwareProfile {
        let file = root.file
        guard case .mapping = root.node else {
            throw root.error("a profile is a mapping of the keys \(topLevelKeys.joined(separator: ", ")), found \(root.kindName)")
        }
        let top = try root.mapping(allowed: topLevelKeys)

        let schemaNode = try top.required("schema")
        let schemaText = try schemaNode.string()
        guard schemaText == schema else {
            throw schemaNode.error("unsupported schema '\(schemaText)'; this NeuroCost reads '\(schema)'")
        }
        let nameNode = try top.required("name")
        let name = try nameNode.string()
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw nameNode.error("'\(name)' must use only letters, digits, '.', '_' and '-'")
        }
        let description = try top.required("description").string()
        let kindNode = try top.required("kind")
        let kindText = try kindNode.string()
        guard let kind = ProfileKind(rawValue: kindText) else {
            throw kindNode.error("'\(kindText)' is not a kind; use \(ProfileKind.allCases.map(\.rawValue).joined(separator: " or "))")
        }

        var processNanometers: Double?
        var supplyVolts: Double?
        var technologyNote: String?
        if let technologyNode = top.optional("technology") {
            let technology = try technologyNode.mapping(allowed: technologyKeys)
            processNanometers = try technology.optional("process_nm")?.positiveNumber()
            supplyVolts = try technology.optional("supply_v")?.positiveNumber()
            technologyNote = try technology.optional("note")?.string()
        }

        let precision = try top.required("precision").mapping(allowed: precisionKeys)
        let weights = try numericPrecision(precision.required("weights"))
        let activations = try numericPrecision(precision.required("activations"))
        let state = try numericPrecision(precision.required("state"))
        let precisionNote = try precision.optional("note")?.string()

        let energyMapping = try top.required("energy").mapping(
            allowed: EnergyKey.all, isAllowed: EnergyKey.isAllowed,
            hint: "(or an extension key starting with '\(EnergyKey.extensionPrefix)', shown but never priced)")
        var energy: [String: EnergyConstant] = [:]
        for key in energyMapping.keys {
            energy[key] = try constant(energyMapping.required(key))
        }
        try checkEnergy(energy, kind: kind, mapping: energyMapping)

        var levels: [MemoryLevel] = []
        var dram: MemoryLevel?
        if let memoryNode = top.optional("memory") {
            (levels, dram) = try memory(memoryNode)
        }

        let cores = try top.optional("cores").map { (node) throws(ProfileError) in try coreLimits(node) }
        if kind == .neuromorphic, cores == nil {
            throw ProfileError(file: file, field: "cores.count", line: root.line, "a neuromorphic profile must give its cores")
        }

        let staticPowerNode = top.optional("static_power_w")
        let staticPower = try staticPowerNode.map { (node) throws(ProfileError) in
            try quantity(node, extraKeys: staticPowerKeys)
        }
        let boundary = try staticPowerNode.map { (node) throws(ProfileError) in try staticPowerBoundary(node) } ?? StaticPowerBoundary()
        let timePerStep = try top.optional("time_per_step_s").map { (node) throws(ProfileError) in try quantity(node) }
        var timing = TimingConstants()
        if let timingNode = top.optional("timing") {
            let entries = try timingNode.mapping(allowed: TimingConstants.keys)
            func read(_ key: String) throws(ProfileError) -> ProfileQuantity? {
                try entries.optional(key).map { (node) throws(ProfileError) in try quantity(node) }
            }
            timing = TimingConstants(synop: try read("synop_s"), neuronUpdateActive: try read("neuron_update_active_s"),
                                     neuronUpdateIdle: try read("neuron_update_idle_s"), spikeSent: try read("spike_sent_s"),
                                     barrier: try read("barrier_s"), minStep: try read("min_step_s"))
        }
        var host = HostLoopConstants()
        if let hostNode = top.optional("host") {
            let entries = try hostNode.mapping(allowed: HostLoopConstants.keys)
            func read(_ key: String) throws(ProfileError) -> ProfileQuantity? {
                try entries.optional(key).map { (node) throws(ProfileError) in try quantity(node) }
            }
            host = HostLoopConstants(loop: try read("loop_s"), inputCore: try read("input_core_s"),
                                     managementPower: try read("management_power_w"))
        }
        let sources = try top.required("sources").stringList()
        let calibrationPoint = try top.optional("calibration").map { (node) throws(ProfileError) in try calibration(node) }

        var profile = HardwareProfile(
            name: name, description: description, kind: kind, processNanometers: processNanometers, supplyVolts: supplyVolts,
            weightPrecision: weights, activationPrecision: activations, statePrecision: state,
            energy: energy, energyKeys: energyMapping.keys, memoryLevels: levels, dram: dram, cores: cores?.limits,
            staticPowerWatts: staticPower, timePerStepSeconds: timePerStep, timing: timing, host: host,
            technologyNote: technologyNote, precisionNote: precisionNote, coresNote: cores?.note,
            sources: sources, file: file)
        profile.calibration = calibrationPoint
        profile.staticPowerBoundary = boundary
        return profile
    }

    /// Keys `static_power_w` takes beside a quantity's.
    static let staticPowerKeys = ["per", "covers"]

    /// `static_power_w.per` (chip or system) and `static_power_w.covers` (a list of what the power includes).
    static func staticPowerBoundary(_ node: LocatedNode) throws(ProfileError) -> StaticPowerBoundary {
        let entry = try node.mapping(allowed: quantityKeys + staticPowerKeys)
        var perChip = false
        if let perNode = entry.optional("per") {
            let spelling = try perNode.string()
            guard StaticPowerBoundary.perValues.contains(spelling) else {
                throw perNode.error("'\(spelling)' is not a boundary; use \(StaticPowerBoundary.perValues.joined(separator: " or "))")
            }
            perChip = spelling == "chip"
        }
        var coversUpdates = false
        if let coversNode = entry.optional("covers") {
            for item in try coversNode.sequence() {
                let spelling = try item.string()
                guard StaticPowerBoundary.coverable.contains(spelling) else {
                    throw item.error("static power cannot cover '\(spelling)'; it may cover \(StaticPowerBoundary.coverable.joined(separator: ", "))")
                }
                coversUpdates = coversUpdates || spelling == "neuron_updates"
            }
        }
        return StaticPowerBoundary(perChip: perChip, coversNeuronUpdates: coversUpdates)
    }

    static func numericPrecision(_ node: LocatedNode) throws(ProfileError) -> NumericPrecision {
        let text = try node.string()
        guard let precision = NumericPrecision(spelling: text) else {
            throw node.error("'\(text)' is not a precision; use fp32, fp16 or intN with N from 1 to 64 (int8, int9…)")
        }
        return precision
    }

    static func scope(_ node: LocatedNode) throws(ProfileError) -> ConstantScope {
        let text = try node.string()
        guard let scope = ConstantScope(rawValue: text) else {
            throw node.error("'\(text)' is not a scope; use marginal or all-in")
        }
        return scope
    }

    static func evidence(_ node: LocatedNode?) throws(ProfileError) -> String? {
        guard let node else { return nil }
        let text = try node.string()
        guard EvidenceGrade.parse(text) != nil else {
            throw node.error("'\(text)' is not evidence; write one of \(EvidenceGrade.bases.joined(separator: ", ")), "
                + "optionally followed by (\(EvidenceGrade.verificationTags.joined(separator: "|")))")
        }
        return text
    }

    /// One `{pJ, scope, evidence?, source, note?, low?, high?}` entry.
    static func constant(_ node: LocatedNode) throws(ProfileError) -> EnergyConstant {
        let entry = try node.mapping(allowed: constantKeys)
        let picojoules = try entry.required("pJ").positiveNumber()
        return EnergyConstant(
            picojoules: picojoules,
            scope: try scope(entry.required("scope")),
            evidence: try evidence(entry.optional("evidence")),
            source: try entry.required("source").string(),
            note: try entry.optional("note")?.string(),
            low: try bound(entry.optional("low"), valueKey: "pJ", end: .low, nominal: picojoules),
            high: try bound(entry.optional("high"), valueKey: "pJ", end: .high, nominal: picojoules))
    }

    /// One `{value, scope, evidence?, source, note?, low?, high?}` entry.
    static func quantity(_ node: LocatedNode, extraKeys: [String] = []) throws(ProfileError) -> ProfileQuantity {
        let entry = try node.mapping(allowed: quantityKeys + extraKeys)
        let value = try entry.required("value").positiveNumber()
        return ProfileQuantity(
            value: value,
            scope: try scope(entry.required("scope")),
            evidence: try evidence(entry.optional("evidence")),
            source: try entry.required("source").string(),
            note: try entry.optional("note")?.string(),
            low: try bound(entry.optional("low"), valueKey: "value", end: .low, nominal: value),
            high: try bound(entry.optional("high"), valueKey: "value", end: .high, nominal: value))
    }

    /// A disputed figure's `low:` or `high:` entry, `{pJ|value, evidence?, source, note?}`: another source's value,
    /// below (low) or above (high) the nominal one.
    static func bound(_ node: LocatedNode?, valueKey: String, end: RangeEnd, nominal: Double) throws(ProfileError) -> ConstantBound? {
        guard let node else { return nil }
        let entry = try node.mapping(allowed: [valueKey, "evidence", "source", "note"])
        let valueNode = try entry.required(valueKey)
        let value = try valueNode.positiveNumber()
        guard end == .low ? value < nominal : value > nominal else {
            throw valueNode.error("a '\(end.rawValue)' bound must be \(end == .low ? "below" : "above") the nominal value \(nominal), found \(value)")
        }
        return ConstantBound(value: value, evidence: try evidence(entry.optional("evidence")),
                             source: try entry.required("source").string(), note: try entry.optional("note")?.string())
    }

    /// Per-kind requirements and the hop keys' consistency.
    static func checkEnergy(_ energy: [String: EnergyConstant], kind: ProfileKind, mapping: LocatedMapping) throws(ProfileError) {
        switch kind {
        case .digital:
            guard energy[EnergyKey.mac] != nil || energy[EnergyKey.add] != nil else {
                throw mapping.owner.error("a digital profile needs 'mac' or 'add' (or both)")
            }
        case .neuromorphic:
            guard energy[EnergyKey.synop] != nil else {
                throw mapping.owner.error("a neuromorphic profile needs 'synop'")
            }
        }
        let ew = energy[EnergyKey.routerHopEW] != nil, ns = energy[EnergyKey.routerHopNS] != nil
        if ew != ns {
            throw mapping.owner.error("give both 'router_hop_ew' and 'router_hop_ns', or a single 'router_hop'")
        }
        if ew, energy[EnergyKey.routerHop] != nil {
            throw mapping.owner.error("'router_hop' and 'router_hop_ew'/'router_hop_ns' exclude each other")
        }
    }

    static func memory(_ node: LocatedNode) throws(ProfileError) -> (levels: [MemoryLevel], dram: MemoryLevel?) {
        let memory = try node.mapping(allowed: memoryKeys)
        var levels: [MemoryLevel] = []
        var names: Set<String> = []
        if let levelsNode = memory.optional("levels") {
            for item in try levelsNode.sequence() {
                let entry = try item.mapping(allowed: levelKeys)
                let capacityNode = try entry.required("capacity_bytes")
                let level = try memoryLevel(entry, capacity: capacityNode.positiveInteger())
                if let previous = levels.last, let capacity = level.capacityBytes, capacity <= previous.capacityBytes ?? 0 {
                    throw capacityNode.error("memory levels go smallest first with strictly increasing capacity: "
                        + "\(capacity) bytes follows '\(previous.name)' (\(previous.capacityBytes ?? 0) bytes)")
                }
                levels.append(level)
            }
        }
        var dram: MemoryLevel?
        if let dramNode = memory.optional("dram") {
            dram = try memoryLevel(dramNode.mapping(allowed: dramKeys), capacity: nil)
        }
        guard !levels.isEmpty || dram != nil else { throw node.error("give 'levels', 'dram' or both, or leave 'memory' out") }
        for level in levels + (dram.map { [$0] } ?? []) {
            guard names.insert(level.name).inserted else {
                throw node.error("two memory levels are named '\(level.name)'")
            }
        }
        return (levels, dram)
    }

    static func memoryLevel(_ entry: LocatedMapping, capacity: Int?) throws(ProfileError) -> MemoryLevel {
        MemoryLevel(
            name: try entry.required("name").string(),
            capacityBytes: capacity,
            accessBits: try entry.required("access_bits").positiveInteger(),
            read: try constant(entry.required("read")),
            write: try entry.optional("write").map { (node) throws(ProfileError) in try constant(node) })
    }

    static func coreLimits(_ node: LocatedNode) throws(ProfileError) -> (limits: CoreLimits, note: String?) {
        let cores = try node.mapping(allowed: coreKeys)
        let countNode = try cores.required("count")
        let count = try countNode.positiveInteger()
        var columns: Int?
        var rows: Int?
        let perChipNode = cores.optional("cores_per_chip")
        let perChip = try perChipNode?.positiveInteger()
        if let perChip, let perChipNode, count % perChip != 0 {
            throw perChipNode.error("\(count) cores do not split into chips of \(perChip)")
        }
        let perTile = try cores.optional("cores_per_tile")?.positiveInteger() ?? 1
        if let meshNode = cores.optional("mesh") {
            let mesh = try meshNode.mapping(allowed: meshKeys)
            let c = try mesh.required("columns").positiveInteger()
            let r = try mesh.required("rows").positiveInteger()
            let chipCores = perChip ?? count
            guard c * r * perTile == chipCores else {
                throw meshNode.error("a \(c) × \(r) mesh has \(c * r) places (tiles of \(perTile) cores: \(c * r * perTile) cores), but a chip has \(chipCores)")
            }
            (columns, rows) = (c, r)
        }
        var encoding = SynapseEncoding.generic
        if let encodingNode = cores.optional("synapse_encoding") {
            let spelling = try encodingNode.string()
            guard let known = SynapseEncoding(rawValue: spelling) else {
                throw encodingNode.error("unknown synapse encoding '\(spelling)'; expected one of \(SynapseEncoding.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            encoding = known
        }
        let limits = CoreLimits(
            count: count,
            neuronsPerCore: try cores.optional("neurons_per_core")?.positiveInteger(),
            synapticMemoryBytesPerCore: try cores.optional("synaptic_memory_bytes_per_core")?.positiveInteger(),
            fanInPerNeuron: try cores.optional("fan_in_per_neuron")?.positiveInteger(),
            fanOutPerNeuron: try cores.optional("fan_out_per_neuron")?.positiveInteger(),
            meshColumns: columns, meshRows: rows, coresPerChip: perChip,
            inputAxonsPerCore: try cores.optional("input_axons_per_core")?.positiveInteger(),
            outputAxonsPerCore: try cores.optional("output_axons_per_core")?.positiveInteger(),
            destinationCoresPerNeuron: try cores.optional("destination_cores_per_neuron")?.positiveInteger(),
            weightValuesPerNeuron: try cores.optional("weight_values_per_neuron")?.positiveInteger(),
            coresPerTile: perTile, chipMeshColumns: try cores.optional("chip_mesh_columns")?.positiveInteger(),
            synapseEncoding: encoding,
            populationAxons: try cores.optional("population_axons").map { (node) throws(ProfileError) in try populationAxons(node) })
        return (limits, try cores.optional("note")?.string())
    }

    static func populationAxons(_ node: LocatedNode) throws(ProfileError) -> PopulationAxons {
        let entry = try node.mapping(allowed: populationAxonKeys)
        return PopulationAxons(outputSlotsPerAxon: try entry.required("output_slots_per_axon").positiveInteger(),
                               compartmentBaseSpan: try entry.optional("compartment_base_span")?.positiveInteger(),
                               source: try entry.required("source").string())
    }
}
