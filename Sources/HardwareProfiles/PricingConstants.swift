/// A profile constant as pricing uses it: its value and the field of the profile it came from, so that every figure
/// a ledger writes can name its source.
public struct SourcedConstant: Sendable, Equatable {
    /// The profile field, e.g. `energy.mac` or `memory.sram-8KB.read`.
    public let field: String
    public let picojoules: Double
    public let scope: ConstantScope
    /// The paper, table and page (or tool and file) the figure comes from.
    public let source: String

    public init(field: String, picojoules: Double, scope: ConstantScope, source: String) {
        self.field = field
        self.picojoules = picojoules
        self.scope = scope
        self.source = source
    }

    init(field: String, _ constant: EnergyConstant) {
        self.init(field: field, picojoules: constant.picojoules, scope: constant.scope, source: constant.source)
    }
}

/// The energy constants of a profile resolved to typed fields once, when the profile is loaded: pricing code reads
/// these fields and never spells a key, so a misspelt key cannot silently read as "unpublished".
public struct PricingConstants: Sendable, Equatable {
    public let mac: SourcedConstant?
    public let add: SourcedConstant?
    public let multiply: SourcedConstant?
    public let synop: SourcedConstant?
    public let neuronUpdateActive: SourcedConstant?
    public let neuronUpdateIdle: SourcedConstant?
    public let spikeSent: SourcedConstant?
    public let axonMessage: SourcedConstant?
    public let stepFixed: SourcedConstant?
    public let hostInputSpike: SourcedConstant?
    public let hostOutputSpike: SourcedConstant?
    public let routerHop: SourcedConstant?
    public let routerHopEastWest: SourcedConstant?
    public let routerHopNorthSouth: SourcedConstant?

    /// Resolves the `energy:` map of a profile (keys already checked by the loader against ``EnergyKey``).
    public init(energy: [String: EnergyConstant]) {
        func resolve(_ key: String) -> SourcedConstant? { energy[key].map { SourcedConstant(field: "energy." + key, $0) } }
        mac = resolve(EnergyKey.mac)
        add = resolve(EnergyKey.add)
        multiply = resolve(EnergyKey.multiply)
        synop = resolve(EnergyKey.synop)
        neuronUpdateActive = resolve(EnergyKey.neuronUpdateActive)
        neuronUpdateIdle = resolve(EnergyKey.neuronUpdateIdle)
        spikeSent = resolve(EnergyKey.spikeSent)
        axonMessage = resolve(EnergyKey.axonMessage)
        stepFixed = resolve(EnergyKey.stepFixed)
        hostInputSpike = resolve(EnergyKey.hostInputSpike)
        hostOutputSpike = resolve(EnergyKey.hostOutputSpike)
        routerHop = resolve(EnergyKey.routerHop)
        routerHopEastWest = resolve(EnergyKey.routerHopEW)
        routerHopNorthSouth = resolve(EnergyKey.routerHopNS)
    }

    /// One accumulate (E_AC of the counting conventions): `add`, else `synop`.
    public var accumulate: SourcedConstant? { add ?? synop }

    /// True when the per-synop figure is an all-in average (memory, routing and static power inside it).
    public var synopIsAllIn: Bool { synop?.scope == .allIn }
}
