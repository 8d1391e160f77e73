/// What a profile's static power covers and how it scales (`static_power_w.per` and `static_power_w.covers`).
///
/// A whole system measured idle (Blouw et al.'s Loihi rig) draws its static power once, however many chips the
/// network uses. A chip that burns a fixed power whenever it is powered (TrueNorth's passive power) draws it once per
/// chip the network occupies. On a chip that updates every neuron at every tick whatever the activity, the energy of
/// those updates is part of that fixed power, so it is priced there and not again per update.
public struct StaticPowerBoundary: Sendable, Equatable {
    /// The static power is per chip: charged × chips used × latency (`per: chip`); else once (`per: system`, the default).
    public let perChip: Bool
    /// Neuron updates are inside the static power (`covers: [neuron_updates]`): a profile publishing no per-update
    /// energy then prices them through the static term, never as zero by default.
    public let coversNeuronUpdates: Bool

    /// The spellings of `per:`.
    public static let perValues = ["chip", "system"]
    /// The spellings `covers:` accepts.
    public static let coverable = ["neuron_updates"]

    public init(perChip: Bool = false, coversNeuronUpdates: Bool = false) {
        self.perChip = perChip
        self.coversNeuronUpdates = coversNeuronUpdates
    }
}
