import Foundation
import NeuroCost
@testable import Simulator
import Testing

/// Generates the simulation cases once per test process: NIR files written with `nir`, data files, and the
/// counts of the independent clock-driven numpy simulator (`Tests/Fixtures/reference_simulator.py`).
enum SimulationFixtures {
    static let directory = generateFixtures(script: "make_sim_fixtures.py")

    static func file(_ name: String) throws -> String {
        try directory.get().appendingPathComponent(name).path
    }

    /// Case `name`'s expected results and its plan, with the options the reference simulator used.
    static func casePlan(_ name: String) throws -> (expected: [String: Any], plan: SimulationPlan) {
        let expected = try exactJSON(file("\(name).sim.json"))
        let optionsJSON = try expected.object("options")
        let options = SimulationOptions(
            timesteps: try optionsJSON.int("timesteps"),
            encoding: InputEncoding(rawValue: try optionsJSON.string("encoding"))!,
            reset: ResetMode(rawValue: try optionsJSON.string("reset"))!,
            thresholdComparison: ThresholdComparison(rawValue: try optionsJSON.string("threshold_compare"))!,
            dt: (optionsJSON["dt"] as! NSNumber).doubleValue,
            seed: UInt64(try optionsJSON.int("seed")))
        let network = try NIRReader.read(path: file("\(name).nir")).network
        return (expected, try SimulationPlan(network: network, options: options))
    }

    /// A case's `.sim.json`, numbers parsed exactly.
    static func exactJSON(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let object = try JSONDecoder().decode(ExactJSON.self, from: data).foundationValue as? [String: Any] else {
            throw FixtureError(description: "\(path) is not a JSON object")
        }
        return object
    }
}

/// The event-driven engine against the clock-driven numpy reference, count for count.
@Suite struct SimulatorReferenceTests {
    static let exactCases = ["mlp_dense_direct", "mlp_sparse90_direct", "cnn_pools_direct", "cnn_overlap_pool", "cnn_sparse_direct", "cnn_dense_spikes_direct",
                             "residual_direct",
                             "lif_value_reset_ge", "cubalif_direct", "poisson_mlp", "spikes_encoding_cnn", "recurrent_lif",
                             "affine_readout_mlp", "recurrent_mixed_input", "delay_lines", "conv1d_direct"]

    struct Comparison {
        var compared = 0
        var differing = 0
        var spikeCells = 0
        var differingSpikeCells = 0
        var mismatches: [String] = []
    }

    private func compare(case name: String, schedule: Schedule? = nil,
                         instructionSet: KernelInstructionSet? = nil) throws -> (Comparison, exact: Bool) {
        var (expected, plan) = try SimulationFixtures.casePlan(name)
        plan.stepsPerGroup = schedule?.stepsPerGroup
        plan.lanes = schedule?.lanes
        plan.instructionSet = instructionSet
        let dataset = try SampleDataset(path: SimulationFixtures.file("\(name).data.h5"), preferSpikes: plan.options.encoding == .spikes)
        let result = try SimulationRunner.run(plan: plan, dataset: dataset, threads: 2, recordSteps: true)

        var comparison = Comparison()
        let expectedLayers = (expected["layers"] as? [String]) ?? []
        #expect(Set(result.layerNames) == Set(expectedLayers), "\(name): layers")
        let counts = try expected.object("counts")
        let steps = plan.options.timesteps
        for (layer, layerName) in result.layerNames.enumerated() {
            guard let layerCounts = counts[layerName] as? [String: Any] else { continue }
            for metric in CountMetric.allCases {
                guard let rows = layerCounts[metric.rawValue] as? [[NSNumber]] else {
                    Issue.record("\(name): no \(metric.rawValue) for \(layerName)")
                    continue
                }
                for (sample, row) in rows.enumerated() {
                    for step in 0..<steps {
                        let mine = result.counts.value(metric, sample: sample, step: step, layer: layer) ?? -1
                        let theirs = row[step].intValue
                        comparison.compared += 1
                        if metric == .spikes { comparison.spikeCells += 1 }
                        if mine != theirs {
                            comparison.differing += 1
                            if metric == .spikes { comparison.differingSpikeCells += 1 }
                            if comparison.mismatches.count < 5 {
                                comparison.mismatches.append("\(layerName) \(metric.rawValue) sample \(sample) step \(step): \(mine) vs numpy \(theirs)")
                            }
                        }
                    }
                }
            }
        }
        let predictions = (expected["predictions"] as? [[NSNumber]] ?? []).flatMap { $0.map(\.intValue) }
        if predictions != result.predictionsByStep {
            comparison.mismatches.append("predictions differ")
            comparison.differing += 1
        }
        return (comparison, (expected["exact"] as? Bool) ?? true)
    }

    @Test("every count, per node, step and sample, and every prediction equal numpy's", arguments: exactCases)
    func exactAgreement(testCase: String) throws {
        let (comparison, exact) = try compare(case: testCase)
        #expect(exact)
        #expect(comparison.compared > 0)
        #expect(comparison.differing == 0, "\(testCase): \(comparison.differing) of \(comparison.compared) differ: \(comparison.mismatches.joined(separator: "; "))")
    }

    /// Every kernel variant this CPU can run (the process picks the widest; NEUROCOST_ISA forces one) must give
    /// numpy's counts exactly: the variants differ only in vector width, never in summation order or rounding.
    @Test("the same counts and predictions under every instruction set the CPU supports", arguments: exactCases)
    func everyInstructionSet(testCase: String) throws {
        let sets = KernelInstructionSet.supported
        #expect(sets.contains(.generic))
        for set in sets {
            let (comparison, _) = try compare(case: testCase, instructionSet: set)
            #expect(comparison.compared > 0)
            #expect(comparison.differing == 0, "\(testCase), \(set.rawValue) kernels: \(comparison.differing) of \(comparison.compared) differ: \(comparison.mismatches.joined(separator: "; "))")
        }
    }

    /// How a worker schedules a network without cycles: steps per group (node by node within a group) and samples
    /// side by side.
    struct Schedule: Sendable, CustomTestStringConvertible {
        let stepsPerGroup: Int
        let lanes: Int
        var testDescription: String { "groups of \(stepsPerGroup) steps, \(lanes) samples side by side" }
    }

    /// Results must not depend on the schedule, including groups that do not divide T (3 of 8 or 6), groups of one
    /// step (networks whose engine choice is 8), and more lanes than a worker has samples left for.
    @Test("the same counts and predictions under other schedules", arguments: exactCases,
          [Schedule(stepsPerGroup: 1, lanes: 1), Schedule(stepsPerGroup: 3, lanes: 1), Schedule(stepsPerGroup: 3, lanes: 3)])
    func otherSchedules(testCase: String, schedule: Schedule) throws {
        let (comparison, _) = try compare(case: testCase, schedule: schedule)
        #expect(comparison.compared > 0)
        #expect(comparison.differing == 0, "\(testCase), \(schedule.testDescription): \(comparison.differing) of \(comparison.compared) differ: \(comparison.mismatches.joined(separator: "; "))")
    }

    /// The exact cases must reach the group scatter (sparse convolutions scattered source by source over a group of
    /// steps), through an identity route and through a pool, or the tests above would not check it.
    @Test("the exact cases run sparse convolutions through the group scatter, from spike lists and from pools")
    func groupScatterCovered() throws {
        var identity = 0, pooled = 0
        for name in Self.exactCases {
            let plan = try SimulationFixtures.casePlan(name).plan
            guard WorkerSchedule(plan: plan).stepsPerGroup > 1 else { continue }
            for stage in plan.stages where GroupScatter.applies(to: stage) {
                if stage.projections.allSatisfy(\.route.isIdentity) { identity += 1 } else { pooled += 1 }
            }
        }
        #expect(identity > 0)
        #expect(pooled > 0)
    }

    /// The claim the group scatter rests on, on ordinary float values (where the order of the sums shows): each step's
    /// sums equal the step-by-step scatter's bit for bit, elements ascending, repeated spikes included, under every
    /// instruction set; and after a drain the next group starts again from the bias.
    @Test("a group scatter gives every step the step-by-step scatter's sums, bit for bit, on every instruction set")
    func groupScatterMatchesStepByStep() throws {
        let network = try NIRReader.read(path: SimulationFixtures.file("cnn_sparse_direct.nir")).network
        let plan = try SimulationPlan(network: network, options: SimulationOptions())
        let stage = try #require(plan.stages.first { stage in
            guard case .weighted(.convolution(let convolution), _, _, _) = stage.kind,
                  case .sparsePositionClasses = convolution.weights else { return false }
            return true
        })
        guard case .weighted(.convolution(let convolution), let bias, _, _) = stage.kind,
              case .sparsePositionClasses(let lists, _) = convolution.weights else { return }
        let inputs = stage.inputCount, outputs = stage.outputCount, steps = 6
        var generator = SplitMix(seed: 0x9E37_79B9_7F4A_7C15)
        func next() -> UInt64 { generator.next() }
        for set in KernelInstructionSet.supported {
            let kernels = Kernels(set)
            let group = GroupScatter(lists: lists, inputCount: inputs, inputPlane: convolution.inputHeight * convolution.inputWidth,
                                     outputCount: outputs, bias: bias, unitValues: false)
            for _ in 0..<2 {
                var expected = [Float](repeating: 0, count: steps * outputs)
                for g in 0..<steps {
                    let target = UnsafeMutablePointer<Float>.allocate(capacity: outputs)
                    defer { target.deallocate() }
                    for element in 0..<outputs { target[element] = bias.map { $0[element] } ?? 0 }
                    if g == 2 {  // a spike list with repeats: one unit per listing, straight into the step's lane
                        var spikes: [Int32] = []
                        for element in 0..<inputs where next() % 8 == 0 { spikes += Array(repeating: Int32(element), count: 1 + Int(next() % 3)) }
                        for spike in spikes { convolution.scatter(input: Int(spike), scale: 1, into: target) }
                        spikes.withUnsafeBufferPointer { group.scatterStep(spikes: $0, step: g) }
                    } else {  // merged values: ordinary floats, in ascending element order
                        for element in 0..<inputs where next() % 5 == 0 {
                            let value = Float(Int(next() % 2001) - 1000) / 333
                            if value == 0 { continue }
                            convolution.scatter(input: element, scale: value, into: target)
                            group.set(element: element, step: g, value: value)
                        }
                    }
                    for element in 0..<outputs { expected[g * outputs + element] = target[element] }
                }
                group.scatter(kernel: kernels.groupScatter)
                var actual = [Float](repeating: .nan, count: steps * outputs)
                actual.withUnsafeMutableBufferPointer { group.drain(into: $0.baseAddress!, steps: steps, kernel: kernels.groupDrain) }
                #expect(actual.map(\.bitPattern) == expected.map(\.bitPattern), "\(set)")
            }
        }
    }

    /// Traces are assembled per lane and step of a group: they must come out the same, sample by sample, under any
    /// schedule (spike events, rasters and recorded potentials).
    @Test("the same traces under other schedules", arguments: [SpikeTraceFormat.events, .raster])
    func tracesUnderOtherSchedules(format: SpikeTraceFormat) throws {
        let network = try NIRReader.read(path: SimulationFixtures.file("cnn_dense_spikes_direct.nir")).network
        let spiking = Set(["if1", "if2", "if3", "if4"].compactMap { network.index(of: $0) })
        let if2 = try #require(network.index(of: "if2"))
        let request = TraceRequest(spikingNodes: spiking, spikeFormat: format, potentials: [if2: [0, 100, 7_199]])
        let dataset = try SampleDataset(path: SimulationFixtures.file("cnn_dense_spikes_direct.data.h5"), preferSpikes: false)
        func traces(_ schedule: Schedule?) throws -> [String: [Double]] {
            var plan = try SimulationPlan(network: network, options: SimulationOptions())
            plan.stepsPerGroup = schedule?.stepsPerGroup
            plan.lanes = schedule?.lanes
            let collected = TraceCollector()
            _ = try SimulationRunner.run(plan: plan, dataset: dataset, threads: 2, traces: request) { collected.add($0) }
            return collected.columns
        }
        let engineChoice = try traces(nil)
        #expect(engineChoice.values.contains { !$0.isEmpty })
        for schedule in [Schedule(stepsPerGroup: 1, lanes: 1), Schedule(stepsPerGroup: 3, lanes: 3)] {
            #expect(try traces(schedule) == engineChoice, "\(schedule.testDescription)")
        }
    }

    /// Every column of the trace blocks, concatenated in block order (blocks may arrive on another thread).
    final class TraceCollector: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var columns: [String: [Double]] = [:]

        func add(_ block: TraceBlock) {
            lock.lock()
            defer { lock.unlock() }
            for sample in block.traces {
                for (node, values) in sample.spikeStepCounts { columns["step counts \(node)", default: []] += values.map(Double.init) }
                for (node, values) in sample.spikeNeurons { columns["neurons \(node)", default: []] += values.map(Double.init) }
                for (node, values) in sample.spikeRasters { columns["raster \(node)", default: []] += values.map(Double.init) }
                for (node, values) in sample.potentials { columns["v \(node)", default: []] += values.map(Double.init) }
            }
        }
    }

    /// Dense convolutions scattered by position keep their weights in tiles of 64 output channels (72 = 64 + 8
    /// here): the targets a spike reaches (core mapping's walk) must still be exactly the non-zero weights' outputs.
    @Test("a dense convolution's spike targets are its non-zero weights' outputs, across weight tiles")
    func tiledDenseTargets() throws {
        let network = try NIRReader.read(path: SimulationFixtures.file("cnn_dense_spikes_direct.nir")).network
        let plan = try SimulationPlan(network: network, options: SimulationOptions())
        let source = try #require(network.index(of: "if1")), target = try #require(network.index(of: "if2"))
        guard case .convolution(let conv) = network.nodes[try #require(network.index(of: "conv2"))].kind else {
            Issue.record("conv2 is not a convolution")
            return
        }
        let weights = conv.weight.floatValues  // (72, 8, 3, 3), stride 1, padding 1, on 10 × 10
        #expect(conv.weight.shape == [72, 8, 3, 3])
        let walker = plan.synapticTargets(ofNode: source)
        var checked = 0
        for neuron in 0..<(8 * 10 * 10) {
            var reached: [Int] = []
            walker.forEach(neuron: neuron) { node, element in if node == target { reached.append(element) } }
            let channel = neuron / 100, y = (neuron % 100) / 10, x = neuron % 10
            var expected: [Int] = []
            for output in 0..<72 {
                for ky in 0..<3 {
                    for kx in 0..<3 where weights[((output * 8 + channel) * 3 + ky) * 3 + kx] != 0 {
                        let outY = y + 1 - ky, outX = x + 1 - kx
                        if (0..<10).contains(outY), (0..<10).contains(outX) { expected.append(output * 100 + outY * 10 + outX) }
                    }
                }
            }
            #expect(reached.sorted() == expected.sorted(), "neuron \(neuron)")
            checked += expected.count
        }
        #expect(checked > 40_000)
    }

    /// Ordinary float weights: sums in another order can move a potential across the threshold by one ulp,
    /// so a spike may move by a step; such flips stay rare.
    @Test("on ordinary float weights, differing spike counts stay under 1%")
    func floatWeightsAgreeClosely() throws {
        let (comparison, exact) = try compare(case: "mlp_float_direct")
        #expect(!exact)
        let fraction = Double(comparison.differingSpikeCells) / Double(max(comparison.spikeCells, 1))
        #expect(fraction < 0.01, "fraction of (sample, step, layer) spike counts that differ: \(fraction)")
    }

    private func exactJSON(_ path: String) throws -> [String: Any] {
        try SimulationFixtures.exactJSON(path)
    }
}
