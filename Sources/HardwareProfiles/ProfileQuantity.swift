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

    /// Creates a quantity; the loader checks that `value` is finite and positive.
    public init(value: Double, scope: ConstantScope, evidence: String?, source: String, note: String?) {
        self.value = value
        self.scope = scope
        self.evidence = evidence
        self.source = source
        self.note = note
    }
}
