import Foundation
import NeuroCost
import Testing

/// Core mapping on hand-made chips whose limits make every outcome countable by hand.
@Suite struct CoreMappingTests {
    /// A neuromorphic profile with `cores` cores on a `columns` × `rows` mesh.
    static func chip(cores: Int, columns: Int, rows: Int, neuronsPerCore: Int, memoryBytes: Int = 1 << 20, fanIn: Int? = nil,
                     extraLimits: String = "") throws -> HardwareProfile {
        let fanInLine = (fanIn.map { "\n  fan_in_per_neuron: \($0)" } ?? "") + extraLimits
        return try ProfileLibrary.parse(yaml: """
            schema: neurocost-profile/1
            name: test-chip
            description: a chip for hand-counted tests
            kind: neuromorphic
            precision: {weights: int8, activations: int1, state: int16}
            energy:
              synop: {pJ: 1.0, scope: marginal, source: test}
              router_hop: {pJ: 0.5, scope: marginal, source: test}
            cores:
              count: \(cores)
              neurons_per_core: \(neuronsPerCore)
              synaptic_memory_bytes_per_core: \(memoryBytes)\(fanInLine)
              mesh: {columns: \(columns), rows: \(rows)}
            sources: [test]
            """, file: "test-chip.yaml")
    }

    /// Input[inputs] → Linear (all weights 1) → IF[neurons] → Output.
    static func layer(inputs: Int, neurons: Int) throws -> SimulationPlan {
        let weight = try ParameterTensor(shape: [neurons, inputs], float32: Array(repeating: 1, count: neurons * inputs))
        let population = try NeuronParameters(model: .integrateAndFire, fields: [
            "r": ParameterTensor(shape: [], float32: [1]), "v_threshold": ParameterTensor(shape: [], float32: [1]),
        ], node: "if")
        let network = try Network(nodes: [
            Node(name: "input", kind: .input(shape: [inputs])),
            Node(name: "fc", kind: .linear(weight: weight)),
            Node(name: "if", kind: .neuron(population)),
            Node(name: "output", kind: .output(declaredShape: nil)),
        ], edges: [NamedEdge("input", "fc"), NamedEdge("fc", "if"), NamedEdge("if", "output")])
        return try SimulationPlan(network: network, options: SimulationOptions())
    }

    @Test("four neurons fill a four-neuron core exactly; a fifth needs a second core and a second chip")
    func justFitsAndOneOver() throws {
        let profile = try Self.chip(cores: 1, columns: 1, rows: 1, neuronsPerCore: 4)
        let fits = try CoreMapper.map(plan: Self.layer(inputs: 3, neurons: 4), profile: profile)
        #expect(fits.coresUsed == 1 && fits.fitsOneChip)
        #expect(fits.cores[0].neuronUtilisation == 1)
        // 4 neurons × 3 synapses × (8 weight bits + 8 index bits) = 96 bits... per neuron 48 bits = 6 bytes: 24 bytes.
        #expect(fits.cores[0].synapticBytes == 24)

        let over = try CoreMapper.map(plan: Self.layer(inputs: 3, neurons: 5), profile: profile)
        #expect(over.coresUsed == 2 && !over.fitsOneChip && over.chipsNeeded == 2)
        // Five neurons in runs of ⌈5 / 2⌉: the layer is split evenly over the fewest cores.
        #expect(over.cores[0].boundBy == "neurons" && over.cores.map(\.neurons) == [3, 2])
    }

    @Test("synaptic memory binds before the neuron slots when it is smaller")
    func memoryBinds() throws {
        // 6 bytes per neuron, 13 bytes per core: two neurons per core.
        let profile = try Self.chip(cores: 4, columns: 2, rows: 2, neuronsPerCore: 4, memoryBytes: 13)
        let report = try CoreMapper.map(plan: Self.layer(inputs: 3, neurons: 4), profile: profile)
        #expect(report.coresUsed == 2)
        #expect(report.cores[0].boundBy == "synaptic memory" && report.cores[0].neurons == 2)
    }

    @Test("a neuron with more inputs than the fan-in limit is reported")
    func fanInViolation() throws {
        let profile = try Self.chip(cores: 1, columns: 1, rows: 1, neuronsPerCore: 8, fanIn: 2)
        let report = try CoreMapper.map(plan: Self.layer(inputs: 3, neurons: 4), profile: profile)
        #expect(report.violations.contains { $0.limit == "fan-in" && $0.value == 3 && $0.allowed == 2 })
        #expect(!report.fitsOneChip)
    }

    @Test("hops on a 2×2 mesh: each spike travels the Manhattan distance to its target's core")
    func hopsOnTwoByTwoMesh() throws {
        // if_a: 3 neurons, one per core (cores 0, 1, 2 at (0,0), (1,0), (0,1)); if_b: 1 neuron on core 3 at (1,1).
        let ones = { (shape: [Int]) in try ParameterTensor(shape: shape, float32: Array(repeating: 1, count: shape.reduce(1, *))) }
        let population = { (name: String) in
            try NeuronParameters(model: .integrateAndFire, fields: ["r": ones([]), "v_threshold": ones([])], node: name)
        }
        let network = try Network(nodes: [
            Node(name: "input", kind: .input(shape: [3])),
            Node(name: "fa", kind: .linear(weight: ones([3, 3]))),
            Node(name: "if_a", kind: .neuron(population("if_a"))),
            Node(name: "fb", kind: .linear(weight: ones([1, 3]))),
            Node(name: "if_b", kind: .neuron(population("if_b"))),
            Node(name: "output", kind: .output(declaredShape: nil)),
        ], edges: [NamedEdge("input", "fa"), NamedEdge("fa", "if_a"), NamedEdge("if_a", "fb"), NamedEdge("fb", "if_b"),
                   NamedEdge("if_b", "output")])
        let plan = try SimulationPlan(network: network, options: SimulationOptions())
        let profile = try Self.chip(cores: 4, columns: 2, rows: 2, neuronsPerCore: 1)
        let ifA = try #require(network.index(of: "if_a")), ifB = try #require(network.index(of: "if_b"))
        let report = try CoreMapper.map(plan: plan, profile: profile, spikesPerNeuron: [ifA: [2, 3, 5], ifB: [7]])
        #expect(report.coresUsed == 4)
        // 2 spikes × 2 hops + 3 × 1 + 5 × 1 = 12; if_b's spikes go to the Output, which needs no core.
        #expect(report.hopsPerNode?["if_a"] == 12)
        #expect(report.hopsPerNode?["if_b"] == 0)
    }

    @Test("axons per core: one input axon per (source neuron, core), one output axon per (neuron, destination core); limits reported")
    func axonsPerCore() throws {
        // input[6] → fc → if[4] on 2-neuron cores: every input reaches both cores (6 input axons each).
        let plan = try Self.layer(inputs: 6, neurons: 4)
        let free = try CoreMapper.map(plan: plan, profile: Self.chip(cores: 4, columns: 2, rows: 2, neuronsPerCore: 2))
        #expect(free.cores.map(\.inputAxons) == [6, 6] && free.cores.map(\.outputAxons) == [0, 0])
        #expect(free.mappable && free.unmappableReason.isEmpty)
        let tight = try CoreMapper.map(plan: plan, profile: Self.chip(cores: 4, columns: 2, rows: 2, neuronsPerCore: 2,
                                                                      extraLimits: "\n  input_axons_per_core: 5"))
        #expect(!tight.mappable && !tight.fitsOneChip)
        let violation = try #require(tight.violations.first)
        #expect(violation.limit == "input axons per core" && violation.value == 6 && violation.allowed == 5 && violation.detail.hasPrefix("2 of its 2 cores"))
    }

    @Test("one destination core per neuron (TrueNorth): a spike whose targets span two cores breaks it; output axons count cores")
    func destinationCores() throws {
        // input[2] → fc → if1[4] (2 cores) → fc2 → if2[4] (2 cores): each if1 neuron reaches both if2 cores.
        let weight = try ParameterTensor(shape: [4, 2], float32: Array(repeating: 1, count: 8))
        let weight2 = try ParameterTensor(shape: [4, 4], float32: Array(repeating: 1, count: 16))
        func population(_ name: String) throws -> NeuronParameters {
            try NeuronParameters(model: .integrateAndFire, fields: [
                "r": ParameterTensor(shape: [], float32: [1]), "v_threshold": ParameterTensor(shape: [], float32: [1]),
            ], node: name)
        }
        let network = try Network(nodes: [
            Node(name: "input", kind: .input(shape: [2])),
            Node(name: "fc", kind: .linear(weight: weight)), Node(name: "if1", kind: .neuron(population("if1"))),
            Node(name: "fc2", kind: .linear(weight: weight2)), Node(name: "if2", kind: .neuron(population("if2"))),
            Node(name: "output", kind: .output(declaredShape: nil)),
        ], edges: [NamedEdge("input", "fc"), NamedEdge("fc", "if1"), NamedEdge("if1", "fc2"), NamedEdge("fc2", "if2"), NamedEdge("if2", "output")])
        let plan = try SimulationPlan(network: network, options: SimulationOptions())
        let report = try CoreMapper.map(plan: plan, profile: Self.chip(cores: 4, columns: 2, rows: 2, neuronsPerCore: 2,
                                                                       extraLimits: "\n  destination_cores_per_neuron: 1"))
        #expect(report.cores.map(\.outputAxons) == [4, 4, 0, 0])  // 2 neurons × 2 destination cores each
        #expect(report.cores.map(\.inputAxons) == [2, 2, 4, 4])
        #expect(report.coresPerLayer == ["if1": [0, 1], "if2": [2, 3]])
        let violation = try #require(report.violations.first { $0.limit == "destination cores per neuron" })
        #expect(violation.node == "if1" && violation.value == 2 && violation.allowed == 1 && violation.detail.hasPrefix("4 neurons"))
    }

    @Test("binary synapses with 4 axon types: 4 distinct weights per neuron map, 5 do not, with the reason")
    func weightValuesPerNeuron() throws {
        func plan(_ row: [Float]) throws -> SimulationPlan {
            let weight = try ParameterTensor(shape: [2, row.count], float32: row + row.map { $0 == 0 ? 0 : 1 })
            let population = try NeuronParameters(model: .integrateAndFire, fields: [
                "r": ParameterTensor(shape: [], float32: [1]), "v_threshold": ParameterTensor(shape: [], float32: [1]),
            ], node: "if")
            let network = try Network(nodes: [
                Node(name: "input", kind: .input(shape: [row.count])), Node(name: "fc", kind: .linear(weight: weight)),
                Node(name: "if", kind: .neuron(population)), Node(name: "output", kind: .output(declaredShape: nil)),
            ], edges: [NamedEdge("input", "fc"), NamedEdge("fc", "if"), NamedEdge("if", "output")])
            return try SimulationPlan(network: network, options: SimulationOptions())
        }
        let chip = try Self.chip(cores: 4, columns: 2, rows: 2, neuronsPerCore: 4, extraLimits: "\n  weight_values_per_neuron: 4")
        #expect(try CoreMapper.map(plan: plan([1, -1, 2, -2, 0, 1]), profile: chip).mappable)
        let real = try CoreMapper.map(plan: plan([1, -1, 2, -2, 0.5, 1]), profile: chip)
        #expect(!real.mappable)
        #expect(real.unmappableReasons.count == 1 && real.unmappableReason.contains("fc") && real.unmappableReason.contains("real-valued"))
    }

    @Test("shared kernels: a core stores each output channel's kernel once, not once per output position")
    func sharedKernels() throws {
        // Input[1,4,4] → Conv2d 2 channels 3×3, pad 1, all weights 1 → IF[2,4,4]; 16-neuron cores hold one channel each.
        let weight = try ParameterTensor(shape: [2, 1, 3, 3], float32: Array(repeating: 1, count: 18))
        let conv = ConvolutionParameters(weight: weight, bias: nil, stride: [1, 1], padding: .explicit([1, 1]), dilation: [1, 1],
                                         groups: 1, declaredInputSpatialShape: nil)
        let population = try NeuronParameters(model: .integrateAndFire, fields: [
            "r": ParameterTensor(shape: [], float32: [1]), "v_threshold": ParameterTensor(shape: [], float32: [1]),
        ], node: "if")
        let network = try Network(nodes: [
            Node(name: "input", kind: .input(shape: [1, 4, 4])), Node(name: "conv", kind: .convolution(conv)),
            Node(name: "if", kind: .neuron(population)), Node(name: "output", kind: .output(declaredShape: nil)),
        ], edges: [NamedEdge("input", "conv"), NamedEdge("conv", "if"), NamedEdge("if", "output")])
        let plan = try SimulationPlan(network: network, options: SimulationOptions())
        let report = try CoreMapper.map(plan: plan, profile: Self.chip(cores: 4, columns: 2, rows: 2, neuronsPerCore: 16))
        // 9 weights × (8 weight bits + 8 bits of kernel offset) = 18 bytes per channel, once per core.
        #expect(report.cores.map(\.synapticBytes) == [18, 18])
        #expect(report.cores.map(\.neurons) == [16, 16])
        // Each input pixel reaches both channels' cores.
        #expect(report.cores.map(\.inputAxons) == [16, 16])
        // Memory of one kernel per core binds: 20 bytes hold one channel's kernel, so the two channels cannot share a core.
        let small = try CoreMapper.map(plan: plan, profile: Self.chip(cores: 4, columns: 2, rows: 2, neuronsPerCore: 32, memoryBytes: 20))
        #expect(small.cores.map(\.neurons) == [16, 16] && small.cores.map(\.boundBy) == ["synaptic memory", "synaptic memory"])
    }
}
