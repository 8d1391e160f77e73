/// In what order a worker runs a sample's steps and nodes, and how many samples at once.
///
/// Networks without cycles run a group of steps node by node (every step of the group through one node, then the
/// next node): a node's inputs at step t come from nodes earlier in the order at the same step, so the results are
/// those of running step by step. They may also run a few samples side by side ("lanes"), each with its own state.
/// A dense convolution then passes over its weights once for every step of the group in every lane (see
/// `ConvolutionScatter.scatter(byPosition:tiles:slots:into:slotStride:kernels:)`). Values that change per step are
/// kept per lane and step of the group ("slots"); networks with cycles use one lane and groups of one step.
struct WorkerSchedule {
    let timesteps: Int
    /// Steps per group: 1 with cycles, else `plan.stepsPerGroup` when set, else `maximumStepsPerGroup` when a dense
    /// or sparse convolution gains from groups (elsewhere they only cost cache: the group's buffers are larger).
    let stepsPerGroup: Int
    /// At most this many steps per group: enough to reuse a weight block several times, while the group's
    /// per-step buffers stay a small multiple of one step's.
    static let maximumStepsPerGroup = 8
    /// Samples run side by side: 1 with cycles, else `plan.lanes` when set, else `defaultLanes` where groups gain.
    let lanes: Int
    /// Two samples share each pass over the weights: the deep 512-channel layers of a VGG-16 read 9.4 MB per
    /// pass from L3 or memory, which is what limits them.
    static let defaultLanes = 2

    init(plan: SimulationPlan) {
        timesteps = plan.options.timesteps
        let groupsGain = plan.stages.contains { stage in
            guard case .weighted(.convolution(let convolution), _, _, _) = stage.kind,
                  case .denseTapTiles = convolution.weights else { return false }
            return !stage.isStaticPerSample
        }
        // Sparse convolutions scatter a group's spikes source by source (`GroupScatter`): one pass over a neuron's
        // synapses per group rather than per spike.
        let sparseGroupsGain = plan.stages.contains(where: GroupScatter.applies(to:))
        let acyclic = !plan.network.hasRecurrentEdges
        let defaultSteps = groupsGain || sparseGroupsGain ? Self.maximumStepsPerGroup : 1
        stepsPerGroup = acyclic ? min(timesteps, max(1, plan.stepsPerGroup ?? defaultSteps)) : 1
        lanes = acyclic ? max(1, plan.lanes ?? (groupsGain ? Self.defaultLanes : 1)) : 1
    }

    /// Slots per lane: one per step of a group.
    var slotsPerLane: Int { stepsPerGroup }

    /// The slot of the group's step `g` in lane `lane` (spike lists and per-step buffers are indexed by it).
    @inline(__always)
    func slot(lane: Int, g: Int) -> Int { lane &* stepsPerGroup &+ g }

    /// The sample's steps, group by group.
    var groups: StrideTo<Int> { stride(from: 0, to: timesteps, by: stepsPerGroup) }

    /// The steps of the group starting at `start`.
    @inline(__always)
    func group(startingAt start: Int) -> Range<Int> { start..<min(start &+ stepsPerGroup, timesteps) }
}
