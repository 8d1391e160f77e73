import Foundation
import NeuroCost
import Testing

/// The Swift reader against files the real `nir` package (and h5py, for legacy layouts) wrote.
@Suite struct NIRReaderTests {
    static let fixtureNames = ["mlp", "cnn", "cnn_overlap", "residual", "neurons", "nested", "legacy_v02", "legacy_v00", "contiguous_mixed", "recurrent"]

    @Test("nodes, types, shapes, parameters and edges match what Python wrote", arguments: fixtureNames)
    func readsWhatPythonWrote(fixture: String) throws {
        let expected = try Fixtures.expectations(fixture)
        let network = try NIRReader.read(path: Fixtures.path(fixture)).network
        let expectedNodes = try expected.object("nodes")
        #expect(Set(network.nodes.map(\.name)) == Set(expectedNodes.keys))

        for (name, value) in expectedNodes {
            guard let spec = value as? [String: Any], let index = network.index(of: name) else {
                Issue.record("\(fixture): node '\(name)' missing")
                continue
            }
            let node = network.nodes[index]
            #expect(node.kind.nirTypeName == (try spec.string("type")), "\(fixture): node '\(name)'")
            #expect(network.outputShapes[index] == (try spec.ints("output_shape")), "\(fixture): node '\(name)' output shape")
            if let padding = spec["padding_string"] as? String, case .convolution(let conv) = node.kind {
                #expect(conv.padding == (padding == "same" ? .same : .valid), "\(fixture): node '\(name)' padding")
            }
            guard let params = spec["params"] as? [String: Any] else { continue }
            try checkParameters(of: node, against: params, fixture: fixture)
        }

        let expectedEdges = (expected["edges"] as? [[String]] ?? []).map { "\($0[0]) -> \($0[1])" }.sorted()
        let edges = network.namedEdges.map { "\($0.source) -> \($0.target)" }.sorted()
        #expect(edges == expectedEdges, "\(fixture): edges")
    }

    private func checkParameters(of node: Node, against params: [String: Any], fixture: String) throws {
        let tensors = Dictionary(uniqueKeysWithValues: node.kind.namedTensors.map { ($0.field, $0.tensor) })
        let integers = Dictionary(uniqueKeysWithValues: node.kind.namedIntegers.map { ($0.field, $0.values) })
        for (field, value) in params {
            guard let param = value as? [String: Any] else { continue }
            let label = "\(fixture): node '\(node.name)' field '\(field)'"
            let shape = try param.ints("shape")
            let dtype = try param.string("dtype")
            if let tensor = tensors[field] {
                #expect(tensor.shape == shape, "\(label) shape")
                #expect(tensor.isDoublePrecision == (dtype == "float64"), "\(label) precision \(dtype)")
                #expect(tensor.doubleValues == (try param.doubles("values")), "\(label) values")
            } else if let values = integers[field] {
                let stored = try param.ints("values")
                // A scalar or a one-element array stands for every axis.
                let expanded = stored.count == 1 ? Array(repeating: stored[0], count: values.count) : stored
                #expect(values == expanded, "\(label) values")
            } else {
                Issue.record("\(label): not read by NeuroCost")
            }
        }
    }

    @Test("the research samples read", arguments: ["mlp_if_affine", "cnn_if_conv", "neurons_all", "residual_graph", "legacy_v02_style"])
    func readsResearchSamples(sample: String) throws {
        let path = RepositoryPaths.sharedSamples.appendingPathComponent(sample + ".nir").path
        let document = try NIRReader.read(path: path)
        #expect(!document.network.nodes.isEmpty)
        #expect(document.network.inputIndices.count >= 1)
    }

    @Test("the grouped convolution's input channels are weight.shape[1] × groups")
    func groupedConvolutionChannels() throws {
        let path = RepositoryPaths.sharedSamples.appendingPathComponent("cnn_if_conv.nir").path
        let network = try NIRReader.read(path: path).network
        let conv2 = try #require(network.node(named: "conv2"))
        guard case .convolution(let conv) = conv2.kind else { Issue.record("conv2 is not a convolution"); return }
        #expect(conv.groups == 2)
        #expect(conv.inputChannels == 4)
        #expect(network.outputShapes[network.index(of: "conv2")!] == [4, 2, 3])
    }

    @Test("legacy files without v_reset keep that absence (reset by subtraction in the old spec)")
    func legacyResetIsAbsent() throws {
        let network = try NIRReader.read(path: Fixtures.path("legacy_v02")).network
        let populations = network.nodes.compactMap { node -> NeuronParameters? in
            if case .neuron(let neurons) = node.kind { return neurons } else { return nil }
        }
        #expect(!populations.isEmpty)
        #expect(populations.allSatisfy { !$0.hasResetPotential })
    }

    @Test("a cycle is kept with its back edge marked recurrent, and forward edges go up the order")
    func recurrentEdgeIsMarked() throws {
        let network = try NIRReader.read(path: Fixtures.path("recurrent")).network
        let recurrent = network.edges.filter(\.isRecurrent).map { "\(network.nodes[$0.source].name) -> \(network.nodes[$0.target].name)" }
        #expect(recurrent == ["w_rec -> lif"])
        #expect(network.edges.filter { !$0.isRecurrent }.allSatisfy { $0.source < $0.target })
    }

    @Test("nested graphs are flattened with dotted names and no inner Input/Output nodes")
    func nestedGraphsFlatten() throws {
        let network = try NIRReader.read(path: Fixtures.path("nested")).network
        #expect(network.nodes.contains { $0.name.contains(".") })
        for index in network.inputIndices + network.outputIndices {
            #expect(!network.nodes[index].name.contains("."), "inner port \(network.nodes[index].name) was kept")
        }
    }
}
