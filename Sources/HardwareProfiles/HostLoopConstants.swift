/// The per-step host loop of a chip driven from a host (`host:` in a profile), resolved once at load. Each figure is
/// a sourced quantity; an unpublished one is `nil`, never zero.
///
/// A host-driven chip does not start a step before the host and the chip's management cores have injected that
/// step's input spikes and read its outputs. NengoLoihi sends one spike message per (input spike, destination core):
/// every core that receives input from the host multiplies the injection work. So the loop lasts `loop_s` plus
/// `input_core_s` per core that receives host input, and the step is the longer of that loop and the cores' work
/// (docs/energy-ledger.md, "Time model"). The management cores draw `management_power_w` for as long as the chip runs.
public struct HostLoopConstants: Sendable, Equatable {
    /// Seconds of the host loop per step that do not depend on how the input is spread (channel round trip, sync).
    public let loop: ProfileQuantity?
    /// Seconds added to each step per core that receives spikes injected by the host (at the calibration's input rate).
    public let inputCore: ProfileQuantity?
    /// Watts the management cores draw while the chip runs: charged × latency as dynamic energy.
    public let managementPower: ProfileQuantity?

    /// The keys of `host:`.
    public static let keys = ["loop_s", "input_core_s", "management_power_w"]

    public init(loop: ProfileQuantity? = nil, inputCore: ProfileQuantity? = nil, managementPower: ProfileQuantity? = nil) {
        self.loop = loop
        self.inputCore = inputCore
        self.managementPower = managementPower
    }

    /// The host loop's seconds per step with `inputCores` cores receiving host input; `nil` when no loop time is
    /// published. A published per-core time without a fixed part is a loop of that part alone.
    public func stepSeconds(inputCores: Int) -> Double? {
        guard loop != nil || inputCore != nil else { return nil }
        return (loop?.value ?? 0) + Double(max(inputCores, 0)) * (inputCore?.value ?? 0)
    }

    /// True when nothing is published.
    public var isEmpty: Bool { loop == nil && inputCore == nil && managementPower == nil }
}
