/// The neurons one spike (or input value) of a node reaches: through routing, through the non-zero weights of the
/// weighted node it meets, and on to the population that node feeds element for element; or directly along
/// an unweighted edge. Built once per source node, then asked per neuron (for core mapping and routing).
public struct SynapticTargets {
    private let plan: SimulationPlan
    /// (stage index, projection index, populations the stage feeds when it is weighted)
    private let paths: [(stage: Int, projection: Int, feeds: [Int])]

    init(plan: SimulationPlan, source: Int) {
        self.plan = plan
        var paths: [(Int, Int, [Int])] = []
        for (stageIndex, stage) in plan.stages.enumerated() {
            for (projectionIndex, projection) in stage.projections.enumerated()
            where projection.producer == source {
                let feeds: [Int]
                if case .weighted = stage.kind {
                    feeds = plan.stages.compactMap { consumer in
                        switch consumer.kind {
                        case .population, .threshold:
                            return consumer.projections.contains { $0.producer == stage.node && $0.route.isIdentity } ? consumer.node : nil
                        default:
                            return nil
                        }
                    }
                } else {
                    feeds = []
                }
                paths.append((stageIndex, projectionIndex, feeds))
            }
        }
        self.paths = paths
    }

    /// Calls `body(node, neuron)` for every target of one spike of `neuron`; a target reached along several
    /// paths is reported once per path.
    public func forEach(neuron: Int, _ body: (Int, Int) -> Void) {
        for path in paths {
            let stage = plan.stages[path.stage]
            stage.projections[path.projection].route.forEachTarget(of: neuron) { element, _ in
                switch stage.kind {
                case .weighted(let kernel, _, _, _):
                    kernel.forEachTarget(input: element) { output in
                        for population in path.feeds { body(population, output) }
                    }
                case .population, .threshold:
                    body(stage.node, element)
                default:
                    break
                }
            }
        }
    }
}

extension SimulationPlan {
    /// The target walker for spiking node `source`.
    public func synapticTargets(ofNode source: Int) -> SynapticTargets {
        SynapticTargets(plan: self, source: source)
    }
}
