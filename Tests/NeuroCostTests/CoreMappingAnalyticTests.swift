import Foundation
import NeuroCost
import Testing

/// The mapper counts fan-in, kernels, axons and destination cores per channel and tap (or per weight column); these
/// tests hold those counts against a walk over every synapse of small networks (the independent reference), and
/// check by hand spatial tiling, Loihi's synapse lists, the tile mesh, chip crossings, the crossbar and the readout.
@Suite struct CoreMappingAnalyticTests {
    static func population(_ name: String) throws -> NeuronParameters {
        try NeuronParameters(model: .integrateAndFire, fields: [
            "r": ParameterTensor(shape: [], float32: [1]), "v_threshold": ParameterTensor(shape: [], float32: [1]),
        ], node: name)
    }

    static func chip(cores: Int, neuronsPerCore: Int, memoryBytes: Int = 1 << 20, columns: Int = 1, rows: Int = 1,
                     extra: String = "") throws -> HardwareProfile {
        try CoreMappingTests.chip(cores: cores, columns: columns, rows: rows, neuronsPerCore: neuronsPerCore,
                                  memoryBytes: memoryBytes, extraLimits: extra)
    }

    /// Weights with about a third zeros, from a fixed linear congruential sequence.
    static func weights(_ shape: [Int], seed: UInt64) throws -> ParameterTensor {
        var state = seed
        let values: [Float] = (0..<shape.reduce(1, *)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let r = Int((state >> 33) % 3)
            return r == 0 ? 0 : Float(r)
        }
        return try ParameterTensor(shape: shape, float32: values)
    }

    static func conv(_ weight: ParameterTensor, padding: Int = 1, stride: Int = 1, groups: Int = 1) -> NodeKind {
        .convolution(ConvolutionParameters(weight: weight, bias: nil, stride: [stride, stride], padding: .explicit([padding, padding]),
                                           dilation: [1, 1], groups: groups, declaredInputSpatialShape: nil))
    }

    /// Input[2,6,6] → conv(4, 3×3, pad 1) → if1 → avgpool(2,2) → conv(6, grouped 2, 3×3) → if2 → sumpool(3, stride 1,
    /// overlapping: input elements reach different numbers of windows) → conv(3, 1×1... 3×3 pad 1) → if3 → flatten →
    /// linear(5) → if4.
    static func network() throws -> SimulationPlan {
        let network = try Network(nodes: [
            Node(name: "input", kind: .input(shape: [2, 6, 6])),
            Node(name: "conv1", kind: conv(weights([4, 2, 3, 3], seed: 1))),
            Node(name: "if1", kind: .neuron(population("if1"))),
            Node(name: "pool1", kind: .avgPool2d(PoolingParameters(kernelSize: [2, 2], stride: [2, 2], padding: [0, 0]))),
            Node(name: "conv2", kind: conv(weights([6, 2, 3, 3], seed: 2), groups: 2)),
            Node(name: "if2", kind: .neuron(population("if2"))),
            Node(name: "pool2", kind: .sumPool2d(PoolingParameters(kernelSize: [2, 2], stride: [1, 1], padding: [0, 0]))),
            Node(name: "conv3", kind: conv(weights([3, 6, 3, 3], seed: 3))),
            Node(name: "if3", kind: .neuron(population("if3"))),
            Node(name: "flat", kind: .flatten(FlattenParameters(startDim: 0, endDim: -1, declaredInputShape: nil))),
            Node(name: "fc", kind: .linear(weight: weights([5, 12], seed: 4))),
            Node(name: "if4", kind: .neuron(population("if4"))),
            Node(name: "output", kind: .output(declaredShape: nil)),
        ], edges: [NamedEdge("input", "conv1"), NamedEdge("conv1", "if1"), NamedEdge("if1", "pool1"), NamedEdge("pool1", "conv2"),
                   NamedEdge("conv2", "if2"), NamedEdge("if2", "pool2"), NamedEdge("pool2", "conv3"), NamedEdge("conv3", "if3"),
                   NamedEdge("if3", "flat"), NamedEdge("flat", "fc"), NamedEdge("fc", "if4"), NamedEdge("if4", "output")])
        return try SimulationPlan(network: network, options: SimulationOptions())
    }

    /// Per-core counts by walking every synapse of every source neuron (generic encoding: 8-bit weights, a
    /// whole-byte target index), on the placement the mapper chose.
    struct BruteForce {
        var inputAxons: [Int], outputAxons: [Int], memoryBytes: [Int], hops = 0, crossings = 0
        var fanIn: [String: [Int]] = [:]
    }

    /// `convolutionFed`: layers whose synapses come from a convolution, with its output channel count.
    static func bruteForce(_ report: MappingReport, plan: SimulationPlan, convolutionFed: [String: Int],
                           spikes: [Int: [Int]]) throws -> BruteForce {
        let network = plan.network
        let total = report.coresUsed
        var result = BruteForce(inputAxons: Array(repeating: 0, count: total), outputAxons: Array(repeating: 0, count: total),
                                memoryBytes: Array(repeating: 0, count: total))
        var neuronsOnCore = [Int](repeating: 0, count: total)
        for (name, placement) in report.placements {
            let count = network.outputShapes[network.index(of: name)!].reduce(1, *)
            result.fanIn[name] = Array(repeating: 0, count: count)
            for neuron in 0..<count { neuronsOnCore[placement.core(ofNeuron: neuron)] += 1 }
        }
        func listBits(_ synapses: Int, core: Int) -> Int {
            synapses * (8 + 8 * WeightStorageFootprint.indexBytes(toHold: max(neuronsOnCore[core] - 1, 0)))
        }
        var memoryBits = [Int](repeating: 0, count: total)
        let topology = try #require(report.topology)
        let sources = [plan.inputNode] + network.nodes.indices.filter { network.nodes[$0].kind.emitsSpikes }
        for source in sources {
            let targets = plan.synapticTargets(ofNode: source)
            let home = report.placements[network.nodes[source].name]
            for neuron in 0..<network.outputShapes[source].reduce(1, *) {
                var perCore: [Int: Int] = [:]
                targets.forEach(neuron: neuron) { node, element in
                    let name = network.nodes[node].name
                    guard let placement = report.placements[name] else { return }
                    result.fanIn[name]![element] += 1
                    let core = placement.core(ofNeuron: element)
                    perCore[core, default: 0] += 1
                }
                for (core, synapses) in perCore {
                    result.inputAxons[core] += 1
                    if convolutionFed[report.cores[core].node] == nil { memoryBits[core] += listBits(synapses, core: core) }
                }
                guard let home else { continue }
                let from = home.core(ofNeuron: neuron)
                result.outputAxons[from] += perCore.count
                let fired = spikes[source].map { $0[neuron] } ?? 0
                for core in perCore.keys {
                    let route = topology.route(from: from, to: core)
                    result.hops += route.hops * fired
                    result.crossings += route.chipCrossings * fired
                }
            }
        }
        // Shared kernels: per core and output channel, the longest list of the core's neurons of that channel.
        for (name, channels) in convolutionFed {
            let placement = try #require(report.placements[name])
            let plane = network.outputShapes[network.index(of: name)!].reduce(1, *) / channels
            var longest: [Int: Int] = [:]
            for (neuron, fanIn) in result.fanIn[name]!.enumerated() {
                let key = placement.core(ofNeuron: neuron) * channels + neuron / plane
                longest[key] = max(longest[key] ?? 0, fanIn)
            }
            for (key, synapses) in longest { memoryBits[key / channels] += listBits(synapses, core: key / channels) }
        }
        result.memoryBytes = memoryBits.map { ($0 + 7) / 8 }
        return result
    }

    @Test("per-channel and per-column counts equal a walk over every synapse, on chips that force tiling, tiles and chips",
          arguments: [(8, 1 << 20, 2), (24, 1 << 20, 4), (5, 40, 1)])
    func analyticEqualsBruteForce(neuronsPerCore: Int, memoryBytes: Int, coresPerTile: Int) throws {
        let plan = try Self.network()
        let profile = try Self.chip(cores: 8 * coresPerTile, neuronsPerCore: neuronsPerCore, memoryBytes: memoryBytes, columns: 2, rows: 2,
                                    extra: "\n  cores_per_tile: \(coresPerTile)\n  cores_per_chip: \(4 * coresPerTile)")
        let network = plan.network
        var spikes: [Int: [Int]] = [:]
        for node in network.nodes.indices where network.nodes[node].kind.emitsSpikes {
            spikes[node] = (0..<network.outputShapes[node].reduce(1, *)).map { ($0 * 7 + node) % 4 }
        }
        let report = try CoreMapper.map(plan: plan, profile: profile, spikesPerNeuron: spikes)
        let reference = try Self.bruteForce(report, plan: plan, convolutionFed: ["if1": 4, "if2": 6, "if3": 3], spikes: spikes)
        #expect(report.cores.map(\.inputAxons) == reference.inputAxons)
        #expect(report.cores.map(\.outputAxons) == reference.outputAxons)
        #expect(report.cores.map(\.synapticBytes) == reference.memoryBytes)
        #expect(report.hopsPerNode?.values.reduce(0, +) == reference.hops)
        #expect(report.chipCrossingsPerNode?.values.reduce(0, +) == reference.crossings)
        #expect(report.coresUsed > 4, "the chips must force several cores per layer")
        #expect(reference.crossings > 0 || report.chipsNeeded == 1)
        // Every neuron is placed exactly once, on a core of its own layer.
        for (name, placement) in report.placements {
            let count = network.outputShapes[network.index(of: name)!].reduce(1, *)
            #expect(Set((0..<count).map { report.cores[placement.core(ofNeuron: $0)].node }) == [name])
            #expect((0..<count).map { placement.core(ofNeuron: $0) }.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
                .allSatisfy { report.cores[$0.key].neurons == $0.value })
        }
    }

    @Test("spatial tiling: a 2×6×6 convolution layer is cut into 3×3 tiles so each core reads 16 inputs; 8 axons cannot hold one neuron's 9")
    func spatialTiling() throws {
        let weight = try ParameterTensor(shape: [2, 1, 3, 3], float32: Array(repeating: 1, count: 18))
        let network = try Network(nodes: [
            Node(name: "input", kind: .input(shape: [1, 6, 6])), Node(name: "conv", kind: Self.conv(weight)),
            Node(name: "if", kind: .neuron(Self.population("if"))), Node(name: "output", kind: .output(declaredShape: nil)),
        ], edges: [NamedEdge("input", "conv"), NamedEdge("conv", "if"), NamedEdge("if", "output")])
        let plan = try SimulationPlan(network: network, options: SimulationOptions())
        // Without an axon limit the whole layer fits one 72-neuron core, reading all 36 inputs.
        let free = try CoreMapper.map(plan: plan, profile: Self.chip(cores: 4, neuronsPerCore: 72, columns: 2, rows: 2))
        #expect(free.coresUsed == 1 && free.cores[0].inputAxons == 36)
        // 16 axons: fewer cores cannot work (a 3-row band reads 4 × 6 = 24 inputs, a 2-row band 3 × 6 = 18).
        let tiled = try CoreMapper.map(plan: plan, profile: Self.chip(cores: 4, neuronsPerCore: 72, columns: 2, rows: 2,
                                                                      extra: "\n  input_axons_per_core: 16"))
        #expect(tiled.mappable)
        #expect(tiled.coresUsed == 4 && tiled.cores.map(\.inputAxons) == [16, 16, 16, 16] && tiled.cores.map(\.neurons) == [18, 18, 18, 18])
        #expect(tiled.placements["if"]?.tiling == LayerTiling(channels: 2, height: 6, width: 6, chunk: 2, tileHeight: 3, tileWidth: 3))
        #expect(tiled.cores.allSatisfy { $0.boundBy == "input axons per core" })
        // 8 axons: an interior neuron alone reads 9 inputs, so no tiling meets the limit and the reason says so.
        let tight = try CoreMapper.map(plan: plan, profile: Self.chip(cores: 4, neuronsPerCore: 72, columns: 2, rows: 2,
                                                                      extra: "\n  input_axons_per_core: 8"))
        #expect(!tight.mappable)
        let violation = try #require(tight.violations.first { $0.limit == "input axons per core" })
        #expect(violation.detail.contains("no tiling meets it: one neuron per core still needs 9"))
    }

    static func layer(inputs: Int, neurons: Int, weights: [Float]? = nil, readout: Bool = false) throws -> SimulationPlan {
        let weight = try ParameterTensor(shape: [neurons, inputs], float32: weights ?? Array(repeating: 1, count: neurons * inputs))
        var nodes = [Node(name: "input", kind: .input(shape: [inputs])), Node(name: "fc", kind: .linear(weight: weight)),
                     Node(name: "if", kind: .neuron(try population("if")))]
        var edges = [NamedEdge("input", "fc"), NamedEdge("fc", "if")]
        if readout {
            nodes.append(Node(name: "readout", kind: .linear(weight: try ParameterTensor(shape: [2, neurons], float32: Array(repeating: 1, count: 2 * neurons)))))
            edges += [NamedEdge("if", "readout"), NamedEdge("readout", "output")]
        } else {
            edges.append(NamedEdge("if", "output"))
        }
        nodes.append(Node(name: "output", kind: .output(declaredShape: nil)))
        return try SimulationPlan(network: Network(nodes: nodes, edges: edges), options: SimulationOptions())
    }

    @Test("Loihi synapse lists: per axon, groups of 64 synapses with a 10-bit header, 64-bit words, the smaller of sparse and dense")
    func loihiSynapseFormats() throws {
        let loihi = try Self.chip(cores: 4, neuronsPerCore: 128, columns: 2, rows: 2, extra: "\n  synapse_encoding: loihi")
        // 3 axons × 4 synapses onto a 4-neuron core: sparse 4 × (8 + 6) + 10 = 66 bits → 128; dense 4 × 8 + 10 = 42 → 64.
        #expect(try CoreMapper.map(plan: Self.layer(inputs: 3, neurons: 4), profile: loihi).cores[0].synapticBytes == 3 * 64 / 8)
        // 1 axon, 2 non-zero weights among 64 neurons: sparse 2 × (8 + 6) + 10 = 38 → 64 bits; dense 64 × 8 + 10 → 576.
        let twoOf64 = (0..<64).map { $0 < 2 ? Float(1) : 0 }
        #expect(try CoreMapper.map(plan: Self.layer(inputs: 1, neurons: 64, weights: twoOf64), profile: loihi).cores[0].synapticBytes == 8)
        // 1 axon, 100 synapses: sparse (7 index bits) 64 × 15 + 10 → 1024, 36 × 15 + 10 → 576; dense 64 × 8 + 10 → 576,
        // 36 × 8 + 10 → 320: dense wins, 896 bits.
        #expect(try CoreMapper.map(plan: Self.layer(inputs: 1, neurons: 100), profile: loihi).cores[0].synapticBytes == 112)
    }

    @Test("tile mesh: cores of one tile are 0 hops apart; tiles are routed X then Y")
    func tileMesh() throws {
        // if_a: 2 neurons on cores 0, 1 (tile (0,0)); if_b: 6 neurons on cores 2…7: tiles (1,0), (0,1), (1,1), two cores each.
        let plan = try Self.twoLayers()
        let profile = try Self.chip(cores: 8, neuronsPerCore: 1, columns: 2, rows: 2, extra: "\n  cores_per_tile: 2")
        let ifA = try #require(plan.network.index(of: "if_a"))
        let report = try CoreMapper.map(plan: plan, profile: profile, spikesPerNeuron: [ifA: [2, 3]])
        // Each spike of if_a reaches 6 cores: 1 + 1 + 1 + 1 + 2 + 2 = 8 hops; 5 spikes.
        #expect(report.hopsPerNode?["if_a"] == 40)
        #expect(report.chipCrossingsPerNode?["if_a"] == 0)
    }

    @Test("two chips: a spike to the other chip counts one chip crossing and no local hops")
    func interChip() throws {
        let plan = try Self.twoLayers()
        let profile = try Self.chip(cores: 8, neuronsPerCore: 1, columns: 2, rows: 2, extra: "\n  cores_per_chip: 4")
        let ifA = try #require(plan.network.index(of: "if_a"))
        let report = try CoreMapper.map(plan: plan, profile: profile, spikesPerNeuron: [ifA: [2, 3]])
        // Core 0 at (0,0) → cores 2 (0,1), 3 (1,1): 1 + 2 hops; core 1 at (1,0) → 2 + 1. Cores 4…7 are on chip 1.
        #expect(report.hopsPerNode?["if_a"] == 2 * 3 + 3 * 3)
        #expect(report.chipCrossingsPerNode?["if_a"] == (2 + 3) * 4)
        #expect(report.chipsNeeded == 2 && report.notes.contains { $0.contains("20 chip-boundary crossings counted, not priced") })
    }

    static func twoLayers() throws -> SimulationPlan {
        let ones = { (shape: [Int]) in try ParameterTensor(shape: shape, float32: Array(repeating: 1, count: shape.reduce(1, *))) }
        let network = try Network(nodes: [
            Node(name: "input", kind: .input(shape: [1])), Node(name: "fa", kind: .linear(weight: ones([2, 1]))),
            Node(name: "if_a", kind: .neuron(population("if_a"))), Node(name: "fb", kind: .linear(weight: ones([6, 2]))),
            Node(name: "if_b", kind: .neuron(population("if_b"))), Node(name: "output", kind: .output(declaredShape: nil)),
        ], edges: [NamedEdge("input", "fa"), NamedEdge("fa", "if_a"), NamedEdge("if_a", "fb"), NamedEdge("fb", "if_b"), NamedEdge("if_b", "output")])
        return try SimulationPlan(network: network, options: SimulationOptions())
    }

    @Test("host input cores: the cores of the layers the input reaches directly, not of deeper layers")
    func hostInputCores() throws {
        // if_a (2 neurons, fed by the input) on cores 0 and 1; if_b (6 neurons) on cores 2…7.
        let report = try CoreMapper.map(plan: Self.twoLayers(), profile: Self.chip(cores: 8, neuronsPerCore: 1, columns: 4, rows: 2))
        #expect(report.coresPerLayer["if_a"] == [0, 1])
        #expect(report.hostInputCores == 2)
        let wide = try CoreMapper.map(plan: Self.layer(inputs: 3, neurons: 9), profile: Self.chip(cores: 4, neuronsPerCore: 4, columns: 2, rows: 2))
        #expect(wide.hostInputCores == wide.coresPerLayer["if"]?.count && wide.hostInputCores == 3)
    }

    @Test("the readout layer (a weighted node feeding the Output) is placed on a core with its input axons")
    func readoutPlaced() throws {
        let report = try CoreMapper.map(plan: Self.layer(inputs: 3, neurons: 4, readout: true),
                                        profile: Self.chip(cores: 4, neuronsPerCore: 4, columns: 2, rows: 2))
        #expect(report.layerOrder == ["if", "readout"])
        #expect(report.coresPerLayer["readout"] == [1])
        #expect(report.cores[1].neurons == 2 && report.cores[1].inputAxons == 4)
        #expect(report.cores[0].outputAxons == 4)
    }

    @Test("crossbar: memory is input axons × neurons bits; real weights are not mappable, with an estimate for a trained version")
    func crossbar() throws {
        let crossbar = "\n  synapse_encoding: crossbar\n  input_axons_per_core: 2\n  weight_values_per_neuron: 4"
        let chip = try Self.chip(cores: 4, neuronsPerCore: 4, columns: 2, rows: 2, extra: crossbar)
        // 5 inputs into 4 neurons (the first with 5 distinct weights): one neuron alone needs 5 of the 2 axons, so
        // no tiling helps and the layer keeps one core: 5 axons × 4 neurons = 20 crossbar bits.
        let weights: [Float] = [1, 2, 3, 4, 5] + Array(repeating: 1, count: 15)
        let report = try CoreMapper.map(plan: Self.layer(inputs: 5, neurons: 4, weights: weights), profile: chip)
        #expect(report.coresUsed == 1 && report.cores[0].synapticBytes == (5 * 4 + 7) / 8)
        #expect(!report.mappable && report.unmappableReason.contains("real-valued"))
        #expect(report.violations.contains { $0.limit == "input axons per core" && $0.detail.contains("no tiling meets it") })
        // Fan-in 5 over 2 axons: 3 partial neurons per neuron plus 1 summing neuron: 4 × 4 = 16 neurons, 4 cores.
        #expect(report.trainedCoreEstimate == 4)
        #expect(report.notes.contains { $0.contains("about 4 cores") })
        // Copies: each if_a neuron reaches both cores of if_b's compact tiling (runs of 3 on 4-neuron cores), so one
        // copy each: if_a needs 2 + 2 neurons (1 core), if_b 6 (2 cores): 3 cores.
        let twoLayers = try CoreMapper.map(plan: Self.twoLayers(), profile: chip)
        #expect(twoLayers.trainedCoreEstimate == 3)
    }

    @Test("/mapping/<profile> holds what docs/results-schema.json lists: counts, per-core datasets, each layer's cores and tile")
    func mappingGroupMatchesSchema() throws {
        let plan = try Self.twoLayers()
        let ifA = try #require(plan.network.index(of: "if_a"))
        let report = try CoreMapper.map(plan: plan, profile: Self.chip(cores: 8, neuronsPerCore: 1, columns: 2, rows: 2,
                                                                       extra: "\n  cores_per_chip: 4\n  weight_values_per_neuron: 4\n  input_axons_per_core: 4"),
                                        spikesPerNeuron: [ifA: [2, 3]])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mapping-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let file = try HDF5File(path: path, mode: .truncate)
            defer { file.close() }
            try MappingGroupWriter.write([("test-chip", report)], into: file)
        }
        let schemaData = try Data(contentsOf: RepositoryPaths.root.appendingPathComponent("docs/results-schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        let spec = try #require(schema["mapping_group"] as? [String: Any])
        let file = try HDF5File(path: path, mode: .readOnly)
        defer { file.close() }
        let group = try file.openGroup("mapping/test-chip")
        // This chip maps no layer with population axons, so that optional attribute is the one absent.
        let optional = (spec["optional_attributes"] as? [String] ?? []).filter { $0 != "population_axon_layers" }
        #expect(report.populationAxonLayers.isEmpty && !group.hasAttribute("population_axon_layers"))
        for attribute in (spec["attributes"] as? [String] ?? []) + optional {
            #expect(group.hasAttribute(attribute), "mapping attribute \(attribute)")
        }
        for (name, _) in try #require(spec["datasets"] as? [String: Any]) {
            #expect(try group.openDataset(name).shape == [report.coresUsed], "\(name)")
        }
        #expect(try group.attribute("cores", as: Int64.self) == [8] && group.attribute("chips", as: Int64.self) == [2])
        #expect(try group.attribute("chip_crossings", as: Int64.self) == [20])
        #expect(try group.attribute("mappable", as: Int64.self) == [1])
        #expect(try group.openDataset("layers/if_b").shape == [6] && group.openDataset("layers/if_b").hasAttribute("tile"))
    }

    @Test("a convolution whose output is flattened before its population is still tiled by channels and positions, and counted exactly")
    func convolutionThroughFlatten() throws {
        let network = try Network(nodes: [
            Node(name: "input", kind: .input(shape: [2, 5, 5])), Node(name: "conv", kind: Self.conv(Self.weights([3, 2, 3, 3], seed: 9))),
            Node(name: "flat", kind: .flatten(FlattenParameters(startDim: 0, endDim: -1, declaredInputShape: nil))),
            Node(name: "if", kind: .neuron(Self.population("if"))), Node(name: "output", kind: .output(declaredShape: nil)),
        ], edges: [NamedEdge("input", "conv"), NamedEdge("conv", "flat"), NamedEdge("flat", "if"), NamedEdge("if", "output")])
        let plan = try SimulationPlan(network: network, options: SimulationOptions())
        let report = try CoreMapper.map(plan: plan, profile: Self.chip(cores: 16, neuronsPerCore: 12, columns: 4, rows: 4,
                                                                       extra: "\n  input_axons_per_core: 24"))
        #expect(report.placements["if"]?.tiling.channels == 3 && report.placements["if"]?.tiling.height == 5)
        #expect(report.mappable && report.coresUsed > 1)
        let reference = try Self.bruteForce(report, plan: plan, convolutionFed: ["if": 3], spikes: [:])
        #expect(report.cores.map(\.inputAxons) == reference.inputAxons)
        #expect(report.cores.map(\.synapticBytes) == reference.memoryBytes)
    }
}
