/// One end of a disputed figure: where published sources disagree, a profile keeps its nominal value (the one priced)
/// and carries the other sources' values as a low and a high bound, each with its own source, so that an estimate
/// can be reported as a range (docs/energy-ledger.md, "Ranges").
public struct ConstantBound: Sendable, Equatable {
    /// The bound in the unit of the figure it bounds (picojoules for an energy, watts or seconds for a quantity);
    /// finite and greater than zero.
    public let value: Double
    /// The basis and verification grade, e.g. `"peer-tool (SEC)"`.
    public let evidence: String?
    /// Where this value comes from.
    public let source: String
    /// Caveats.
    public let note: String?

    /// Creates a bound; the loader checks that `value` is finite, positive and on the right side of the nominal value.
    public init(value: Double, evidence: String?, source: String, note: String?) {
        self.value = value
        self.evidence = evidence
        self.source = source
        self.note = note
    }
}

/// Which end of every disputed figure a profile is priced at.
public enum RangeEnd: String, Sendable, CaseIterable {
    case low, high
}
