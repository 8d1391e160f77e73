/// A hardware energy profile: what one action costs on a piece of hardware, with its limits and sources,
/// as loaded from a `neurocost-profile/1` file (`HardwareProfiles/README.md`).
public struct HardwareProfile: Sendable {
    /// The profile's name; for bundled profiles, the file name without extension.
    public let name: String
    /// One or two sentences on what the profile models.
    public let description: String
    /// Digital or neuromorphic.
    public let kind: ProfileKind
    /// Process node in nanometres, when given.
    public let processNanometers: Double?
    /// Supply voltage the figures were taken at, when given.
    public let supplyVolts: Double?
    /// Precision of stored weights.
    public let weightPrecision: NumericPrecision
    /// Precision of activations (binary spikes are `int1`).
    public let activationPrecision: NumericPrecision
    /// Precision of neuron state (membrane potentials).
    public let statePrecision: NumericPrecision
    /// Energy per action, keyed as in the file's `energy:` map (see ``EnergyKey``). Unpublished actions are absent.
    public let energy: [String: EnergyConstant]
    /// The keys of ``energy`` in file order.
    public let energyKeys: [String]
    /// ``energy`` resolved to typed fields (what pricing reads).
    public let constants: PricingConstants
    /// Memory levels, smallest first (strictly increasing capacity).
    public let memoryLevels: [MemoryLevel]
    /// Off-chip DRAM, unbounded, when the profile prices it.
    public let dram: MemoryLevel?
    /// Cores and their limits (neuromorphic profiles always have them).
    public let cores: CoreLimits?
    /// Static power in watts, when published.
    public let staticPowerWatts: ProfileQuantity?
    /// Whether the static power is per chip and what it covers (`static_power_w.per`, `.covers`).
    public var staticPowerBoundary = StaticPowerBoundary()
    /// Duration of one time step in seconds, when the hardware has a fixed tick.
    public let timePerStepSeconds: ProfileQuantity?
    /// Per-action latencies, barrier and per-step overhead for the time model (empty when unpublished).
    public let timing: TimingConstants
    /// The host loop of a host-driven chip: per-step loop time, per input core, management-core power (empty when
    /// unpublished).
    public let host: HostLoopConstants
    /// The file's note on the technology (`technology.note`), when given.
    public let technologyNote: String?
    /// The file's note on the precisions (`precision.note`), when given.
    public let precisionNote: String?
    /// The file's note on the cores (`cores.note`): which limits are assumptions, where counts come from.
    public let coresNote: String?
    /// Full citations of every source the constants name.
    public let sources: [String]
    /// Where the profile was loaded from.
    public let file: String
    /// Where it came from, without machine-specific parts: `bundled:<file>` for a bundled profile, else the path as
    /// given (what results files record).
    public internal(set) var origin: String
    /// The profile's text as read, so that a results file can reproduce its energy alone (nil when built in code).
    public internal(set) var sourceText: String?
    /// Where the profile's fitted or all-in constants were calibrated (`calibration:`), when it says.
    public var calibration: CalibrationPoint?

    /// Creates a profile from checked parts (``ProfileLibrary`` builds them from files).
    public init(name: String, description: String, kind: ProfileKind, processNanometers: Double?, supplyVolts: Double?,
                weightPrecision: NumericPrecision, activationPrecision: NumericPrecision, statePrecision: NumericPrecision,
                energy: [String: EnergyConstant], energyKeys: [String], memoryLevels: [MemoryLevel], dram: MemoryLevel?,
                cores: CoreLimits?, staticPowerWatts: ProfileQuantity?, timePerStepSeconds: ProfileQuantity?,
                timing: TimingConstants = TimingConstants(), host: HostLoopConstants = HostLoopConstants(),
                technologyNote: String? = nil, precisionNote: String? = nil, coresNote: String? = nil,
                sources: [String], file: String) {
        self.name = name
        self.description = description
        self.kind = kind
        self.processNanometers = processNanometers
        self.supplyVolts = supplyVolts
        self.weightPrecision = weightPrecision
        self.activationPrecision = activationPrecision
        self.statePrecision = statePrecision
        self.energy = energy
        self.energyKeys = energyKeys
        self.constants = PricingConstants(energy: energy)
        self.memoryLevels = memoryLevels
        self.dram = dram
        self.cores = cores
        self.staticPowerWatts = staticPowerWatts
        self.timePerStepSeconds = timePerStepSeconds
        self.timing = timing
        self.host = host
        self.technologyNote = technologyNote
        self.precisionNote = precisionNote
        self.coresNote = coresNote
        self.sources = sources
        self.file = file
        self.origin = file
        self.sourceText = nil
    }

    /// The constant, or ProfileError.missingConstant naming the profile and the field (e.g. "energy.mac").
    ///
    /// The error reads `<file>: field 'energy.mac': profile 'loihi' publishes no 'mac' energy (it has: synop, …)`.
    public func constant(_ key: String) throws(ProfileError) -> EnergyConstant {
        if let constant = energy[key] { return constant }
        throw ProfileError.missingConstant(profile: name, file: file, key: key, available: energyKeys)
    }

    /// The energy of one hop in `direction`: the direction's own figure, else `router_hop`; `nil` when unpublished.
    public func routerHop(_ direction: MeshDirection) -> EnergyConstant? {
        switch direction {
        case .eastWest: energy[EnergyKey.routerHopEW] ?? energy[EnergyKey.routerHop]
        case .northSouth: energy[EnergyKey.routerHopNS] ?? energy[EnergyKey.routerHop]
        }
    }

    /// The energy of one synop: `synop` when the profile publishes it, else `add` (a synop on digital hardware is
    /// one accumulate); `nil` when neither is published.
    public var synopEnergy: EnergyConstant? { energy[EnergyKey.synop] ?? energy[EnergyKey.add] }

    /// The keys of priced constants whose scope is all-in, in file order. When any is present, a ledger prices each
    /// all-in constant's count with it alone and adds no marginal term, memory or static power on top. Extension keys
    /// (`x_…`) are shown, never priced, so an all-in extension (TrueNorth's former 26 pJ) is not one of them.
    public var allInKeys: [String] {
        energyKeys.filter { energy[$0]?.scope == .allIn && !$0.hasPrefix(EnergyKey.extensionPrefix) }
    }

    /// The fields whose sources disagree (a constant with a `low:` or `high:` bound), in file order, static power last.
    public var rangedFields: [String] {
        energyKeys.filter { energy[$0]?.isRanged == true }.map { "energy." + $0 }
            + (staticPowerWatts?.isRanged == true ? ["static_power_w"] : [])
    }

    /// This profile with every disputed figure at one end of its range (figures without that bound unchanged): what
    /// the ledger prices to report an estimate as a range. Memory, cores and timing are not disputed here.
    public func at(_ end: RangeEnd) -> HardwareProfile {
        var profile = HardwareProfile(
            name: name, description: description, kind: kind, processNanometers: processNanometers, supplyVolts: supplyVolts,
            weightPrecision: weightPrecision, activationPrecision: activationPrecision, statePrecision: statePrecision,
            energy: energy.mapValues { $0.at(end) }, energyKeys: energyKeys, memoryLevels: memoryLevels, dram: dram,
            cores: cores, staticPowerWatts: staticPowerWatts?.at(end), timePerStepSeconds: timePerStepSeconds, timing: timing,
            host: host, technologyNote: technologyNote, precisionNote: precisionNote, coresNote: coresNote, sources: sources, file: file)
        profile.origin = origin
        profile.calibration = calibration
        profile.staticPowerBoundary = staticPowerBoundary
        return profile
    }

    /// The smallest memory level that holds `bytes`, else DRAM; `nil` when the profile has no memory.
    public func memoryLevel(holding bytes: Int) -> MemoryLevel? {
        memoryLevels.first { ($0.capacityBytes ?? Int.max) >= bytes } ?? dram
    }
}
