import Foundation
import NeuroCost
import Testing

/// Population axons (`cores.population_axons`, NengoLoihi's pop32 for convolutions): checked by hand on a tiny layer
/// and against a walk over every synapse that builds each core's axons and weight sets explicitly.
@Suite struct PopulationAxonTests {
    static let populationLines = """

          population_axons:
            output_slots_per_axon: 2
            compartment_base_span: %SPAN%
            source: test
        """

    static func chip(cores: Int, neuronsPerCore: Int, span: Int?, extra: String = "") throws -> HardwareProfile {
        var lines = populationLines.replacingOccurrences(of: "%SPAN%", with: span.map(String.init) ?? "")
        if span == nil { lines = lines.replacingOccurrences(of: "\n    compartment_base_span: ", with: "") }
        return try CoreMappingAnalyticTests.chip(cores: cores, neuronsPerCore: neuronsPerCore, columns: 2, rows: 2,
                                                 extra: "\n  cores_per_chip: 4" + extra + lines.replacingOccurrences(of: "\n      ", with: "\n"))
    }

    /// Kernel values all distinct and non-zero, so equal weight sets are exactly equal target patterns.
    static func distinctKernel(_ shape: [Int]) throws -> ParameterTensor {
        try ParameterTensor(shape: shape, float32: (0..<shape.reduce(1, *)).map { Float($0 + 1) })
    }

    /// A [3, 4, 3, 3] kernel whose output channels use different taps, so channel chunks reach different tiles:
    /// channel 0 every tap, channel 1 the top row only, channel 2 only the centre tap of input channel 3.
    static func unevenKernel() throws -> ParameterTensor {
        var values = [Float](repeating: 0, count: 3 * 4 * 9)
        for index in values.indices {
            let (co, ci, tap) = (index / 36, (index / 9) % 4, index % 9)
            if co == 0 || (co == 1 && tap < 3) || (co == 2 && ci == 3 && tap == 4) { values[index] = Float(index + 1) }
        }
        return try ParameterTensor(shape: [3, 4, 3, 3], float32: values)
    }

    /// Input[2,6,6] → conv(4, 3×3, pad 1) → if1 → [avgpool 2×2] → conv(3, 3×3, pad 1) → if2.
    static func network(pool: Bool, secondKernel: ParameterTensor? = nil) throws -> SimulationPlan {
        var nodes = [Node(name: "input", kind: .input(shape: [2, 6, 6])),
                     Node(name: "conv1", kind: CoreMappingAnalyticTests.conv(try distinctKernel([4, 2, 3, 3]))),
                     Node(name: "if1", kind: .neuron(try CoreMappingAnalyticTests.population("if1")))]
        var edges = [NamedEdge("input", "conv1"), NamedEdge("conv1", "if1")]
        if pool {
            nodes.append(Node(name: "pool", kind: .avgPool2d(PoolingParameters(kernelSize: [2, 2], stride: [2, 2], padding: [0, 0]))))
            edges += [NamedEdge("if1", "pool"), NamedEdge("pool", "conv2")]
        } else {
            edges.append(NamedEdge("if1", "conv2"))
        }
        nodes += [Node(name: "conv2", kind: CoreMappingAnalyticTests.conv(try secondKernel ?? distinctKernel([3, 4, 3, 3]))),
                  Node(name: "if2", kind: .neuron(try CoreMappingAnalyticTests.population("if2"))),
                  Node(name: "output", kind: .output(declaredShape: nil))]
        edges += [NamedEdge("conv2", "if2"), NamedEdge("if2", "output")]
        return try SimulationPlan(network: Network(nodes: nodes, edges: edges), options: SimulationOptions())
    }

    @Test("by hand: a 2×4×4 input into a 3-channel 3×3 convolution on one core needs 16 population axons, not 32, and 9 weight sets of 294 synapses in all")
    func byHand() throws {
        let network = try Network(nodes: [
            Node(name: "input", kind: .input(shape: [2, 4, 4])), Node(name: "conv", kind: CoreMappingAnalyticTests.conv(try Self.distinctKernel([3, 2, 3, 3]))),
            Node(name: "if", kind: .neuron(try CoreMappingAnalyticTests.population("if"))), Node(name: "output", kind: .output(declaredShape: nil)),
        ], edges: [NamedEdge("input", "conv"), NamedEdge("conv", "if"), NamedEdge("if", "output")])
        let plan = try SimulationPlan(network: network, options: SimulationOptions())
        let report = try CoreMapper.map(plan: plan, profile: Self.chip(cores: 4, neuronsPerCore: 48, span: nil))
        #expect(report.coresUsed == 1 && report.populationAxonLayers == ["if"])
        // The mapping file names the layers that use them (docs/results-schema.md).
        let path = try Fixtures.scratchDirectory().appendingPathComponent("mapping.h5").path
        do {
            let file = try HDF5File(path: path, mode: .truncate)
            defer { file.close() }
            try MappingGroupWriter.write([("test-chip", report)], into: file)
        }
        let written = try HDF5File(path: path, mode: .readOnly)
        defer { written.close() }
        #expect(try written.openGroup("mapping/test-chip").stringArrayAttribute("population_axon_layers") == ["if"])
        // One axon per input position (its 2 channels are atoms of it).
        #expect(report.cores[0].inputAxons == 16)
        // Rows an input row reaches on the 4-row output: 2 (top, with taps 1, 0), 3 (rows 1, 2: one relative pattern),
        // 2 (bottom, taps 2, 1): 3 row patterns × 3 column patterns = 9 weight sets, of 2 atoms × (rows × columns
        // positions) × 3 channels: 2 × 3 × (2 + 3 + 2)² = 294 synapses, each 8 weight bits + a 1-byte index.
        #expect(report.cores[0].synapticBytes == 294 * 16 / 8)
        // Without population axons: 32 axons (one per input neuron) and each channel's kernel once.
        let discrete = try CoreMapper.map(plan: plan, profile: CoreMappingAnalyticTests.chip(cores: 4, neuronsPerCore: 48, columns: 2, rows: 2))
        #expect(discrete.populationAxonLayers.isEmpty && discrete.cores[0].inputAxons == 32)
        // 9 input axons per core: an interior neuron reads 9 positions (population axons: a tiling meets it) but
        // 18 source neurons (discrete axons: no tiling meets it).
        let tight = try CoreMapper.map(plan: plan, profile: Self.chip(cores: 64, neuronsPerCore: 48, span: nil,
                                                                      extra: "\n  input_axons_per_core: 9"))
        #expect(tight.mappable && tight.populationAxonLayers == ["if"])
        #expect(tight.cores.allSatisfy { $0.inputAxons <= 9 })
        let tightDiscrete = try CoreMapper.map(plan: plan, profile: CoreMappingAnalyticTests.chip(
            cores: 64, neuronsPerCore: 48, columns: 2, rows: 2, extra: "\n  cores_per_chip: 4\n  input_axons_per_core: 9"))
        #expect(!tightDiscrete.mappable)
    }

    /// Per core: input axons, output axon slots and synaptic bytes, from every synapse of the network (generic
    /// encoding: 8-bit weights, a whole-byte index), with population axons into `report.populationAxonLayers`.
    static func bruteForce(_ report: MappingReport, plan: SimulationPlan, slots: Int, span: Int?,
                           kernels: [String: (kernel: ParameterTensor, pool: Int)]) throws -> (input: [Int], output: [Int], bytes: [Int]) {
        let network = plan.network
        let total = report.coresUsed
        var input = [Int](repeating: 0, count: total), output = [Int](repeating: 0, count: total)
        var bits = [Int](repeating: 0, count: total)
        let population = Set(report.populationAxonLayers)
        struct WeightSet: Hashable { let core: Int, baseBlock: Int, rows: [[Float]] }
        var weightSets = Set<WeightSet>()
        let sources = [plan.inputNode] + network.nodes.indices.filter { network.nodes[$0].kind.emitsSpikes }
        for source in sources {
            let shape = network.outputShapes[source]
            let positions = shape.dropFirst().reduce(1, *)
            let (sw, channels) = (shape.last!, shape[0])
            let targets = plan.synapticTargets(ofNode: source)
            let home = report.placements[network.nodes[source].name]
            var inputPairs = Set<[Int]>(), outputPairs = Set<[Int]>()
            // Per (core, position): per atom, the (local index, weight) list.
            var lists: [[Int]: [[(Int, Float)]]] = [:]
            for neuron in 0..<shape.reduce(1, *) {
                let (c, p) = (neuron / positions, neuron % positions)
                targets.forEach(neuron: neuron) { node, element in
                    let name = network.nodes[node].name
                    guard let placement = report.placements[name] else { return }
                    let core = placement.core(ofNeuron: element)
                    let onPopulation = population.contains(name)
                    inputPairs.insert(onPopulation ? [core, 1, p] : [core, 0, neuron])
                    if let home { outputPairs.insert(onPopulation ? [home.core(ofNeuron: neuron), core, 1, p] : [home.core(ofNeuron: neuron), core, 0, neuron]) }
                    guard onPopulation, let (kernel, pool) = kernels[name] else { return }
                    // Target (co, oy, ox) on its core: local index channel, row, column within the tile.
                    let t = placement.tiling
                    let plane = t.height * t.width
                    let (co, oy, ox) = (element / plane, (element % plane) / t.width, element % t.width)
                    let (r0, c0, k0) = (oy / t.tileHeight * t.tileHeight, ox / t.tileWidth * t.tileWidth, co / t.chunk * t.chunk)
                    let (th, tw) = (min(t.tileHeight, t.height - r0), min(t.tileWidth, t.width - c0))
                    let local = (co - k0) * th * tw + (oy - r0) * tw + (ox - c0)
                    // Stride 1, padding 1, 3×3: tap (iy − oy + 1, ix − ox + 1) of the pooled input position.
                    let (iy, ix) = ((p / sw) / pool, (p % sw) / pool)
                    let tap = (iy - oy + 1) * 3 + (ix - ox + 1)
                    let weight = kernel.value(at: (co * channels + c) * 9 + tap)
                    var atoms = lists[[core, p]] ?? Array(repeating: [], count: channels)
                    atoms[c].append((local, Float(weight)))
                    lists[[core, p]] = atoms
                }
            }
            for pair in inputPairs { input[pair[0]] += 1 }
            for pair in outputPairs { output[pair[0]] += pair[2] == 1 ? slots : 1 }
            for (key, atoms) in lists {
                let core = key[0]
                let base = atoms.flatMap { $0.map(\.0) }.min()!, top = atoms.flatMap { $0.map(\.0) }.max()!
                let held = span.map { base % $0 } ?? base
                let rows = atoms.map { $0.sorted { $0.0 < $1.0 }.flatMap { [Float($0.0 - base), $0.1] } }
                guard weightSets.insert(WeightSet(core: core, baseBlock: span.map { base / $0 } ?? 0, rows: rows)).inserted else { continue }
                let longest = atoms.map(\.count).max()!
                bits[core] += channels * longest * (8 + 8 * WeightStorageFootprint.indexBytes(toHold: top - held))
            }
        }
        // Layers on discrete axons: each output channel's kernel once per core, as long as its longest list.
        for name in report.layerOrder where !population.contains(name) {
            let placement = try #require(report.placements[name])
            let node = try #require(network.index(of: name))
            let count = network.outputShapes[node].reduce(1, *)
            let plane = placement.tiling.height * placement.tiling.width
            var fanIn = [Int](repeating: 0, count: count)
            for source in sources {
                let targets = plan.synapticTargets(ofNode: source)
                for neuron in 0..<network.outputShapes[source].reduce(1, *) {
                    targets.forEach(neuron: neuron) { target, element in if target == node { fanIn[element] += 1 } }
                }
            }
            var neuronsOnCore: [Int: Int] = [:]
            for neuron in 0..<count { neuronsOnCore[placement.core(ofNeuron: neuron), default: 0] += 1 }
            var longest: [[Int]: Int] = [:]
            for neuron in 0..<count { longest[[placement.core(ofNeuron: neuron), neuron / plane], default: 0] = max(longest[[placement.core(ofNeuron: neuron), neuron / plane]] ?? 0, fanIn[neuron]) }
            for (key, synapses) in longest {
                bits[key[0]] += synapses * (8 + 8 * WeightStorageFootprint.indexBytes(toHold: max(neuronsOnCore[key[0]]! - 1, 0)))
            }
        }
        return (input, output, bits.map { ($0 + 7) / 8 })
    }

    @Test("population axons, output slots and weight sets (with copies per 4- or 256-compartment base block) equal a walk over every synapse",
          arguments: [(false, 16, 4 as Int?, 24), (true, 16, 4 as Int?, 24), (false, 8, nil as Int?, 1_000), (true, 12, 256 as Int?, 14)])
    func analyticEqualsBruteForce(pool: Bool, neuronsPerCore: Int, span: Int?, inputAxons: Int) throws {
        let plan = try Self.network(pool: pool)
        let profile = try Self.chip(cores: 64, neuronsPerCore: neuronsPerCore, span: span, extra: "\n  input_axons_per_core: \(inputAxons)")
        let report = try CoreMapper.map(plan: plan, profile: profile)
        #expect(!report.populationAxonLayers.isEmpty)
        #expect(report.coresUsed > 4, "the chip must force tiling")
        let kernels: [String: (kernel: ParameterTensor, pool: Int)] = [
            "if1": (try Self.distinctKernel([4, 2, 3, 3]), 1), "if2": (try Self.distinctKernel([3, 4, 3, 3]), pool ? 2 : 1),
        ]
        let reference = try Self.bruteForce(report, plan: plan, slots: 2, span: span, kernels: kernels)
        #expect(report.cores.map(\.inputAxons) == reference.input)
        #expect(report.cores.map(\.outputAxons) == reference.output)
        #expect(report.cores.map(\.synapticBytes) == reference.bytes)
    }

    /// Population input axons are counted per position and channel chunk (a chunk reaches the tiles its output
    /// channels' taps land in), not per source neuron: with taps that differ between output channels, chunks of one
    /// or two channels reach different tiles. (Weight sets are held against the walk only for kernels without zeros:
    /// a population weight set stores a tap's zero weights too.)
    @Test("population input and output axons equal a walk over every synapse when output channels use different taps",
          arguments: [(false, 2), (true, 2), (false, 8), (true, 1)])
    func unevenTapsEqualBruteForce(pool: Bool, neuronsPerCore: Int) throws {
        let plan = try Self.network(pool: pool, secondKernel: try Self.unevenKernel())
        let profile = try Self.chip(cores: 256, neuronsPerCore: neuronsPerCore, span: 256)
        let report = try CoreMapper.map(plan: plan, profile: profile)
        #expect(report.populationAxonLayers.contains("if2"))
        #expect(try #require(report.placements["if2"]).tiling.chunks > 1, "the chip must split if2's channels")
        let kernels: [String: (kernel: ParameterTensor, pool: Int)] = [
            "if1": (try Self.distinctKernel([4, 2, 3, 3]), 1), "if2": (try Self.unevenKernel(), pool ? 2 : 1),
        ]
        let reference = try Self.bruteForce(report, plan: plan, slots: 2, span: 256, kernels: kernels)
        #expect(report.cores.map(\.inputAxons) == reference.input)
        #expect(report.cores.map(\.outputAxons) == reference.output)
    }
}
