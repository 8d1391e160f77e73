/// The keys of a profile's `energy:` map, with what each action is.
///
/// A profile may leave out any key it has no published figure for (never write 0). Keys starting with `x_` are
/// extensions: loaded, validated and shown, but no NeuroCost ledger prices them.
public enum EnergyKey {
    /// A multiply-accumulate at the profile's precision (an analog input times a weight, added to a sum).
    public static let mac = "mac"
    /// One add at the profile's precision: a synop on digital hardware, a bias add, an IF state add.
    public static let add = "add"
    /// One multiply at the profile's precision.
    public static let multiply = "multiply"
    /// One synaptic event (one weight applied for one binary spike) on neuromorphic hardware. On a digital profile
    /// that publishes it, it prices synops instead of `add`.
    public static let synop = "synop"
    /// Updating one neuron that receives input or fires this step.
    public static let neuronUpdateActive = "neuron_update_active"
    /// Updating one neuron that neither receives input nor fires this step.
    public static let neuronUpdateIdle = "neuron_update_idle"
    /// One spike leaving its neuron (within a core or tile, before any mesh hop).
    public static let spikeSent = "spike_sent"
    /// One spike message to one destination core (a spike whose targets sit on k cores sends k messages).
    public static let axonMessage = "axon_message"
    /// Each time step, whatever the activity: the barrier and the management cores that service the step.
    public static let stepFixed = "step_fixed"
    /// One input spike injected from the host into the chip (host I/O, the link and the chip's interface).
    public static let hostInputSpike = "host_input_spike"
    /// One output spike read out of the chip by the host.
    public static let hostOutputSpike = "host_output_spike"
    /// One mesh hop, any direction.
    public static let routerHop = "router_hop"
    /// One east-west (X, column-changing) mesh hop, when it differs from north-south.
    public static let routerHopEW = "router_hop_ew"
    /// One north-south (Y, row-changing) mesh hop, when it differs from east-west.
    public static let routerHopNS = "router_hop_ns"

    /// Every key a profile may use, in the order `profiles show` prints them (extensions follow in file order).
    public static let all: [String] = [mac, add, multiply, synop, neuronUpdateActive, neuronUpdateIdle, spikeSent,
                                       axonMessage, stepFixed, hostInputSpike, hostOutputSpike, routerHop, routerHopEW, routerHopNS]

    /// The prefix of extension keys.
    public static let extensionPrefix = "x_"

    /// What one action of `key` is, for listings ("per MAC", "per synaptic event"…).
    public static func action(_ key: String) -> String {
        switch key {
        case mac: "per multiply-accumulate"
        case add: "per add"
        case multiply: "per multiply"
        case synop: "per synaptic event"
        case neuronUpdateActive: "per active neuron update"
        case neuronUpdateIdle: "per idle neuron update"
        case spikeSent: "per spike sent"
        case axonMessage: "per message to a destination core"
        case stepFixed: "per time step (fixed)"
        case hostInputSpike: "per input spike injected from the host"
        case hostOutputSpike: "per output spike read out by the host"
        case routerHop: "per mesh hop"
        case routerHopEW: "per east-west hop"
        case routerHopNS: "per north-south hop"
        default: "per action (extension)"
        }
    }

    /// Whether `key` may appear in a profile's `energy:` map.
    public static func isAllowed(_ key: String) -> Bool {
        all.contains(key) || (key.hasPrefix(extensionPrefix) && key.count > extensionPrefix.count)
    }
}
