/// One published energy figure: picojoules per action, with what it covers and where it comes from.
public struct EnergyConstant: Sendable, Equatable {
    /// Energy per action, in picojoules; finite and greater than zero.
    public let picojoules: Double
    /// Whether the figure is the action alone or an all-in average (see ``ConstantScope``).
    public let scope: ConstantScope
    /// The basis and verification grade, e.g. `"simulated (SEC)"` (see `HardwareProfiles/README.md`).
    public let evidence: String?
    /// The paper, table and page (or tool and file) the figure comes from.
    public let source: String
    /// Caveats: ranges, operating point, what could not be checked.
    public let note: String?
    /// A lower figure another source publishes (picojoules), when sources disagree; never priced as the nominal value.
    public let low: ConstantBound?
    /// A higher figure another source publishes (picojoules), when sources disagree.
    public let high: ConstantBound?

    /// Creates a constant; the loader checks that `picojoules` is finite and positive, and that `low` is below it and
    /// `high` above it.
    public init(picojoules: Double, scope: ConstantScope, evidence: String?, source: String, note: String?,
                low: ConstantBound? = nil, high: ConstantBound? = nil) {
        self.picojoules = picojoules
        self.scope = scope
        self.evidence = evidence
        self.source = source
        self.note = note
        self.low = low
        self.high = high
    }

    /// True when another source publishes a different figure (a low or a high bound).
    public var isRanged: Bool { low != nil || high != nil }

    /// This constant at one end of its range: the bound's value and source when it has that bound, else its nominal
    /// value; either way without bounds (a figure at one end is no longer disputed).
    public func at(_ end: RangeEnd) -> EnergyConstant {
        guard let bound = end == .low ? low : high else {
            return EnergyConstant(picojoules: picojoules, scope: scope, evidence: evidence, source: source, note: note)
        }
        return EnergyConstant(picojoules: bound.value, scope: scope, evidence: bound.evidence, source: bound.source, note: bound.note)
    }

    /// The figure in joules.
    public var joules: Double { picojoules * 1e-12 }
}
