import Foundation
import NeuroCost
@testable import Simulator
import Testing

/// Each framework's neuron rule on one neuron, against trajectories worked out by hand from the framework's code
/// (`docs/frameworks.md`); the exporters' parameter recovery; detection and warnings.
@Suite struct FrameworkSemanticsTests {
    /// Steps one neuron of `model` with the given NIR fields through `inputs`; the potential after each step and
    /// the number of spikes emitted at each step.
    static func trajectory(_ model: NeuronModel, _ fields: [String: Double], options: SimulationOptions, inputs: [Float],
                           hasRecurrentInput: Bool = false) throws -> (potentials: [Float], spikes: [Int]) {
        let tensors = try fields.mapValues { try ParameterTensor(shape: [1], float64: [$0]) }
        let neurons = try NeuronParameters(model: model, fields: tensors, node: "n")
        let rule = try NeuronRule.resolve(model: model, options: options, hasRecurrentInput: hasRecurrentInput, node: "n")
        let arena = BufferArena()  // owns the dynamics' buffers
        defer { withExtendedLifetime(arena) {} }
        let dynamics = try PopulationDynamics(neurons, shape: [1], rule: rule, options: options, node: "n", arena: arena)
        var potential: Float = 0, current: Float = 0
        var potentials: [Float] = [], spikeCounts: [Int] = []
        let kernels = Kernels(nil)
        for input in inputs {
            let spikes = model.emitsSpikes ? SpikeList(elements: 1) : nil
            var drive = input
            _ = dynamics.step(input: &drive, potential: &potential, current: &current, spikes: spikes, kernels: kernels)
            potentials.append(potential)
            spikeCounts.append(spikes?.count ?? 0)
        }
        return (potentials, spikeCounts)
    }

    /// snntorch's export of β: τ = dt / (1 − β), r = τ / dt, in float32.
    static func snntorchLIF(beta: Float, threshold: Double = 1) -> [String: Double] {
        let tau = Float(1e-4) / (1 - beta)
        return ["tau": Double(tau), "r": Double(tau / Float(1e-4)), "v_leak": 0, "v_threshold": threshold, "v_reset": 0]
    }

    @Test("snntorch subtract: θ comes off at the step after the spike, after the decay")
    func snntorchSubtractAtNextStep() throws {
        let run = try Self.trajectory(.leakyIntegrateAndFire, Self.snntorchLIF(beta: 0.5), options: SimulationOptions(framework: .snntorch),
                                      inputs: [1.5, 0, 0, 1])
        // t0: 0.5·0 + 1.5 = 1.5 > 1 fires, kept; t1: 0.5·1.5 + 0 − 1 = −0.25; t2: −0.125; t3: −0.0625 + 1.
        #expect(run.potentials == [1.5, -0.25, -0.125, 0.9375])
        #expect(run.spikes == [1, 0, 0, 0])
        // NIR's Euler reading of the same β (a = dt/τ = 0.5, r = 2) subtracts at once: 0.5 after t0, so t3 reaches
        // 0.0625 + 0.5·(2 − 0.0625) > 1 and fires again.
        let nir = try Self.trajectory(.leakyIntegrateAndFire, ["tau": 2e-4, "r": 2, "v_leak": 0, "v_threshold": 1],
                                      options: SimulationOptions(dt: 1e-4), inputs: [1.5, 0, 0, 1])
        #expect(nir.spikes == [1, 0, 0, 1])
    }

    @Test("snntorch zero: Leaky zeroes before the next update and keeps its input; Synaptic and RLeaky drop it")
    func snntorchZeroResets() throws {
        let options = SimulationOptions(framework: .snntorch, reset: .zero)
        let leaky = try Self.trajectory(.leakyIntegrateAndFire, Self.snntorchLIF(beta: 0.5), options: options, inputs: [1.5, 1, 0])
        #expect(leaky.potentials == [1.5, 1, 0.5])
        #expect(leaky.spikes == [1, 0, 0])
        let recurrent = try Self.trajectory(.leakyIntegrateAndFire, Self.snntorchLIF(beta: 0.5), options: options,
                                            inputs: [1.5, 1, 0.75], hasRecurrentInput: true)
        #expect(recurrent.potentials == [1.5, 0, 0.75])
        // Synaptic, α = β = 0.5: i = 2, v = 2 fires; next step i = 1, v would be 2 but is held at 0; then i = 0.5, v = 0.5.
        var synaptic = Self.snntorchLIF(beta: 0.5)
        synaptic["tau_mem"] = synaptic.removeValue(forKey: "tau")
        synaptic["tau_syn"] = synaptic["tau_mem"]
        synaptic["w_in"] = synaptic["r"]
        let cuba = try Self.trajectory(.currentBasedLeakyIntegrateAndFire, synaptic, options: options, inputs: [2, 0, 0])
        #expect(cuba.potentials == [2, 0, 0.5])
        #expect(cuba.spikes == [1, 0, 0])
    }

    @Test("snntorch β = 1 (τ = r = ∞) is a non-leaky neuron; under nir it is refused with the way out")
    func snntorchBetaOne() throws {
        let fields: [String: Double] = ["tau": .infinity, "r": .infinity, "v_leak": 0, "v_threshold": 1, "v_reset": 0]
        let run = try Self.trajectory(.leakyIntegrateAndFire, fields, options: SimulationOptions(framework: .snntorch), inputs: [0.75, 0.5, 0])
        #expect(run.potentials == [0.75, 1.25, 0.25])
        #expect(run.spikes == [0, 1, 0])
        #expect(throws: SimulationError.self) {
            _ = try Self.trajectory(.leakyIntegrateAndFire, fields, options: SimulationOptions(), inputs: [1])
        }
    }

    @Test("sinabs: multi-spike emits ⌊v/θ⌋ spikes and subtracts them all; LIF decays by exp(−1/τ) with normalised input")
    func sinabsRules() throws {
        let multi = try Self.trajectory(.integrateAndFire, ["r": 1, "v_threshold": 1], options: SimulationOptions(framework: .sinabs),
                                        inputs: [2.5, 0.25, 0.25])
        #expect(multi.spikes == [2, 0, 1])
        #expect(multi.potentials == [0.5, 0.75, 0])
        let single = try Self.trajectory(.integrateAndFire, ["r": 1, "v_threshold": 1],
                                         options: SimulationOptions(framework: .sinabs, spikeFunction: .single), inputs: [2.5])
        #expect(single.spikes == [1])
        #expect(single.potentials == [1.5])
        let decay = Float(exp(-0.5))
        let lif = try Self.trajectory(.leakyIntegrateAndFire, ["tau": 2, "r": 1, "v_leak": 0, "v_threshold": 10],
                                      options: SimulationOptions(framework: .sinabs), inputs: [1, 0])
        #expect(lif.potentials[0] == (1 - decay) * 1)
        #expect(lif.potentials[1] == decay * ((1 - decay) * 1))
    }

    @Test("norse: τ written as dt/τ⁻¹ integrates with a = dt·τ⁻¹; LIFCell jumps the current before the membrane sees it")
    func norseRules() throws {
        let options = SimulationOptions(framework: .norse)
        // τ⁻¹ = 100 /s, dt = 1e-3 s: the file says τ = 1e-5 and the step is 0.1 of the way to the input.
        let tau = Double((1 / Float(100)) * Float(1e-3))
        let box = try Self.trajectory(.leakyIntegrateAndFire, ["tau": tau, "r": 1, "v_leak": 0, "v_threshold": 1], options: options,
                                      inputs: [5, 20])
        let a = Float(1e-3) * Float(100)
        #expect(box.potentials[0] == a * 5)
        #expect(box.spikes == [0, 1])
        #expect(box.potentials[1] == 0)
        let cell = try Self.trajectory(.currentBasedLeakyIntegrateAndFire,
                                       ["tau_mem": tau, "tau_syn": tau, "r": 1, "v_leak": 0, "v_threshold": 10], options: options,
                                       inputs: [5, 0])
        // i jumps to 5 and v takes a·5 at the same step (NIR's Euler CubaLIF would give v = a·(a·5)).
        #expect(cell.potentials[0] == a * 5)
        let jumped: Float = 5
        let decayed = jumped + (-a) * jumped
        #expect(cell.potentials[1] == a * 5 + a * ((0 - a * 5) + decayed))
    }

    @Test("SpikingJelly: IF's r = 1/dt is a unit gain; LIF divides by τ in steps; both fire at v ≥ θ and reset to v_reset")
    func spikingJellyRules() throws {
        let options = SimulationOptions(framework: .spikingjelly)
        let integrate = try Self.trajectory(.integrateAndFire, ["r": 1e4, "v_threshold": 1, "v_reset": 0], options: options, inputs: [0.5, 0.5])
        #expect(integrate.potentials == [0.5, 0])
        #expect(integrate.spikes == [0, 1])
        // Under nir the same file multiplies the input by 10,000.
        let nir = try Self.trajectory(.integrateAndFire, ["r": 1e4, "v_threshold": 1, "v_reset": 0], options: SimulationOptions(),
                                      inputs: [0.5])
        #expect(nir.spikes == [1])
        let lif = try Self.trajectory(.leakyIntegrateAndFire, ["tau": 3e-4, "r": 1, "v_leak": 0, "v_threshold": 10, "v_reset": 0],
                                      options: options, inputs: [1, 1])
        let first = Float(1) / 3
        #expect(lif.potentials == [first, first + (1 - first) / 3])
    }

    @Test("the exporters' float32 arithmetic is inverted exactly: every β in [0.5, 1), and β and τ⁻¹ written as short decimals")
    func parameterRecovery() {
        var generator = SystemRandomNumberGenerator()
        var misses = 0
        for _ in 0..<20_000 {
            let beta = Float.random(in: 0.5..<1, using: &generator)
            let tau = Float(1e-4) / (1 - beta)
            if ExporterParameterRecovery.snntorchDecay(timeConstant: Double(tau), dt: 1e-4) != beta { misses += 1 }
        }
        #expect(misses == 0)
        // norse's parameters as people write them: short decimals (several τ⁻¹ can write the same τ).
        for tenths in stride(from: 100, to: 20_000, by: 73) {
            let inverse = Float("\(tenths / 10).\(tenths % 10)")!
            let tau = (1 / inverse) * Float(1e-3)
            #expect(ExporterParameterRecovery.norseInverseTimeConstant(timeConstant: Double(tau), dt: 1e-3) == inverse)
        }
        for beta in (1..<100).map({ Float("0.\($0 < 10 ? "0" : "")\($0)")! }) {
            let tau = Float(1e-4) / (1 - beta)
            #expect(ExporterParameterRecovery.snntorchDecay(timeConstant: Double(tau), dt: 1e-4) == beta, "β = \(beta)")
        }
        // The obvious inverse misses 0.9 for snntorch's β = 0.1 (1 − β loses bits); the recovery does not.
        #expect(ExporterParameterRecovery.snntorchDecay(timeConstant: Double(Float(1e-4) / (1 - Float(0.9))), dt: 1e-4) == 0.9)
    }

    static func network(_ neuron: NeuronParameters, inputShape: [Int] = [4]) throws -> Network {
        let size = inputShape.reduce(1, *)
        return try Network(nodes: [
            Node(name: "input", kind: .input(shape: inputShape)),
            Node(name: "fc", kind: .linear(weight: try ParameterTensor(shape: [2, size], float32: Array(repeating: 0.5, count: 2 * size)))),
            Node(name: "n", kind: .neuron(neuron)),
            Node(name: "output", kind: .output(declaredShape: [2])),
        ], edges: [NamedEdge("input", "fc"), NamedEdge("fc", "n"), NamedEdge("n", "output")])
    }

    static func neurons(_ model: NeuronModel, _ fields: [String: [Double]]) throws -> NeuronParameters {
        try NeuronParameters(model: model, fields: try fields.mapValues { try ParameterTensor(shape: [$0.count], float64: $0) }, node: "n")
    }

    @Test("a reset the framework does not have is refused once, before simulating")
    func resetsBelongToTheFramework() throws {
        let network = try Self.network(Self.neurons(.leakyIntegrateAndFire, Self.snntorchLIF(beta: 0.9).mapValues { [$0, $0] }))
        #expect(throws: SimulationError.self) { _ = try SimulationPlan(network: network, options: SimulationOptions(framework: .snntorch, reset: .value)) }
        #expect(throws: SimulationError.self) { _ = try SimulationPlan(network: network, options: SimulationOptions(reset: .zero)) }
        _ = try SimulationPlan(network: network, options: SimulationOptions(framework: .snntorch, reset: .zero))
    }

    @Test("exporters are recognised only by unambiguous signatures, and said so")
    func detection() throws {
        let snntorch = try Self.network(Self.neurons(.leakyIntegrateAndFire, Self.snntorchLIF(beta: 0.9).mapValues { [$0, $0] }))
        #expect(FrameworkDetection.detect(snntorch)?.framework == .snntorch)
        let jelly = try Self.network(Self.neurons(.integrateAndFire, ["r": [1e4, 1e4], "v_threshold": [1, 1], "v_reset": [0, 0]]))
        #expect(FrameworkDetection.detect(jelly)?.framework == .spikingjelly)
        let choice = try FrameworkDetection.choose(jelly, requested: nil)
        #expect(choice.framework == .spikingjelly && choice.wasDetected && choice.notes.first?.contains("assuming --framework spikingjelly") == true)
        #expect(try FrameworkDetection.choose(jelly, requested: .nir).framework == .nir)
        // A converted IF network (r = 1) and an Euler LIF with r = 1 say nothing about their exporter.
        let plain = try Self.network(Self.neurons(.integrateAndFire, ["r": [1, 1], "v_threshold": [1, 1]]))
        #expect(FrameworkDetection.detect(plain) == nil)
        let euler = try Self.network(Self.neurons(.leakyIntegrateAndFire, ["tau": [2e-3, 2e-3], "r": [1, 1], "v_leak": [0, 0], "v_threshold": [1, 1]]))
        #expect(FrameworkDetection.detect(euler) == nil)
    }

    @Test("warnings for dt/τ > 1, IF with r = 1/dt under nir, and a leading batch dimension; none for a one-channel image")
    func warnings() throws {
        let fast = try Self.network(Self.neurons(.leakyIntegrateAndFire, ["tau": [2e-4, 2e-4], "r": [1, 1], "v_leak": [0, 0], "v_threshold": [1, 1]]))
        let fastWarnings = FrameworkDetection.warnings(plan: try SimulationPlan(network: fast, options: SimulationOptions()))
        #expect(fastWarnings.contains { $0.contains("dt/τ reaches 5") })
        #expect(FrameworkDetection.warnings(plan: try SimulationPlan(network: fast, options: SimulationOptions(dt: 1e-4))).isEmpty)
        let jelly = try Self.network(Self.neurons(.integrateAndFire, ["r": [1e4, 1e4], "v_threshold": [1, 1]]))
        #expect(FrameworkDetection.warnings(plan: try SimulationPlan(network: jelly, options: SimulationOptions())).contains { $0.contains("--framework spikingjelly") })
        #expect(FrameworkDetection.warnings(plan: try SimulationPlan(network: jelly, options: SimulationOptions(framework: .spikingjelly))).isEmpty)
        let batched = try Self.network(Self.neurons(.integrateAndFire, ["r": [1, 1], "v_threshold": [1, 1]]), inputShape: [1, 4])
        #expect(FrameworkDetection.warnings(plan: try SimulationPlan(network: batched, options: SimulationOptions())).contains { $0.contains("leading 1") })
        let norse = try FrameworkDetection.choose(batched, requested: .norse)
        #expect(norse.network.outputShapes[norse.network.inputIndices[0]] == [4])
        // A (1, 8, 8) image before a Conv2d has one channel, not a batch dimension.
        let conv = ConvolutionParameters(weight: try ParameterTensor(shape: [2, 1, 3, 3], float32: Array(repeating: 0.25, count: 18)),
                                         bias: try ParameterTensor(shape: [2], float32: [0, 0]), stride: [1, 1], padding: .valid,
                                         dilation: [1, 1], groups: 1, declaredInputSpatialShape: nil)
        let image = try Network(nodes: [
            Node(name: "input", kind: .input(shape: [1, 8, 8])),
            Node(name: "conv", kind: .convolution(conv)),
            Node(name: "output", kind: .output(declaredShape: nil)),
        ], edges: [NamedEdge("input", "conv"), NamedEdge("conv", "output")])
        #expect(!FrameworkDetection.hasLeadingBatchDimension(image, input: 0))
        #expect(try FrameworkDetection.choose(image, requested: .norse).network.outputShapes[0] == [1, 8, 8])
    }
}
