/// A profile-wide figure that is not energy per action: static power in watts or time per step in seconds.
public struct ProfileQuantity: Sendable, Equatable {
    /// The value in SI units (W for static power, s for time per step); finite and greater than zero.
    public let value: Double
    /// `marginal`: this term alone (chip leakage, a fixed hardware tick). `all-in`: measured at a wider boundary
    /// or operating point (total chip power with activity, a whole board), never added to other terms.
    public let scope: ConstantScope
    /// The basis and verification grade, e.g. `"derived (SEC)"`.
    public let evidence: String?
    /// Where the figure comes from.
    public let source: String
    /// Caveats.
    public let note: String?
    /// A lower figure another source publishes, when sources disagree (same unit).
    public let low: ConstantBound?
    /// A higher figure another source publishes, when sources disagree.
    public let high: ConstantBound?

    /// Creates a quantity; the loader checks that `value` is finite and positive, `low` below it and `high` above it.
    public init(value: Double, scope: ConstantScope, evidence: String?, source: String, note: String?,
                low: ConstantBound? = nil, high: ConstantBound? = nil) {
        self.value = value
        self.scope = scope
        self.evidence = evidence
        self.source = source
        self.note = note
        self.low = low
        self.high = high
    }

    /// True when another source publishes a different figure.
    public var isRanged: Bool { low != nil || high != nil }

    /// This quantity at one end of its range: the bound's value and source when it has that bound, else its nominal
    /// value; either way without bounds.
    public func at(_ end: RangeEnd) -> ProfileQuantity {
        guard let bound = end == .low ? low : high else {
            return ProfileQuantity(value: value, scope: scope, evidence: evidence, source: source, note: note)
        }
        return ProfileQuantity(value: bound.value, scope: scope, evidence: bound.evidence, source: bound.source, note: bound.note)
    }
}
