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

    /// Creates a constant; the loader checks that `picojoules` is finite and positive.
    public init(picojoules: Double, scope: ConstantScope, evidence: String?, source: String, note: String?) {
        self.picojoules = picojoules
        self.scope = scope
        self.evidence = evidence
        self.source = source
        self.note = note
    }

    /// The figure in joules.
    public var joules: Double { picojoules * 1e-12 }
}
