/// Where a profile's fitted or all-in constants were calibrated (`calibration:` in a profile): the network and
/// activity of the measurement they came from, and the power measured there. Far from that point a fitted figure
/// may not transfer, and the ledger says so beside the estimate, with the power-based alternative
/// (docs/energy-ledger.md, "Regime warnings").
public struct CalibrationPoint: Sendable, Equatable {
    /// The constants fitted there, as profile fields (`energy.step_fixed`, `timing.min_step_s`, `energy.synop`).
    public let fields: [String]
    /// Neurons of the calibration network (populations, without the host's inputs); nil when unpublished.
    public let neurons: Int?
    /// Mean spikes per neuron per step at calibration; nil when unpublished.
    public let spikesPerNeuronPerStep: Double?
    /// The whole system's power measured at that point: the power-based alternative is this × the latency. nil when
    /// unpublished (then no alternative is printed, and the note says so).
    public let power: ProfileQuantity?
    /// The measurement the constants were fitted to.
    public let source: String
    /// Caveats.
    public let note: String?

    public init(fields: [String], neurons: Int?, spikesPerNeuronPerStep: Double?, power: ProfileQuantity?, source: String, note: String?) {
        self.fields = fields
        self.neurons = neurons
        self.spikesPerNeuronPerStep = spikesPerNeuronPerStep
        self.power = power
        self.source = source
        self.note = note
    }

    /// How far from calibration a network may be (a factor either way) before the ledger warns.
    public static let regimeFactor = 4.0

    /// The keys of `calibration:`.
    static let keys = ["fitted", "neurons", "spikes_per_neuron_per_step", "power_w", "source", "note"]
}

extension ProfileParser {
    /// The `calibration:` section: `fitted` (profile fields), `neurons`, `spikes_per_neuron_per_step`, `power_w` (a
    /// quantity), `source`, `note`.
    static func calibration(_ node: LocatedNode) throws(ProfileError) -> CalibrationPoint {
        let entry = try node.mapping(allowed: CalibrationPoint.keys)
        let rate = try entry.optional("spikes_per_neuron_per_step")?.positiveNumber()
        if let rate, rate > 1, let rateNode = entry.optional("spikes_per_neuron_per_step") {
            throw rateNode.error("spikes per neuron per step is at most 1, got \(rate)")
        }
        return CalibrationPoint(
            fields: try entry.required("fitted").stringList(),
            neurons: try entry.optional("neurons")?.positiveInteger(),
            spikesPerNeuronPerStep: rate,
            power: try entry.optional("power_w").map { (node) throws(ProfileError) in try quantity(node) },
            source: try entry.required("source").string(),
            note: try entry.optional("note")?.string())
    }
}
