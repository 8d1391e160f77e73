import Foundation
import NeuroCost
@testable import Simulator
import Testing

/// Every weight layout the engine chooses is exercised by an exact reference case (SimulatorReferenceTests
/// compares those cases count for count with the numpy reference), and each case states which layouts it uses:
/// a layout whose kernel is broken, or a case that silently stops reaching it, fails here or there.
@Suite struct WeightLayoutCoverageTests {
    /// Layout of each weighted node, per exact reference case; "+merged" marks pooled inputs summed per element.
    static let expected: [String: [String: String]] = [
        "affine_readout_mlp": ["fc1": "dense rows", "fc2": "dense rows", "fc3": "dense rows"],
        "cnn_dense_spikes_direct": ["conv1": "dense taps by position", "conv2": "dense taps by position", "conv3": "dense taps by position", "conv4": "dense taps by position", "fc": "dense rows"],
        "cnn_overlap_pool": ["conv1": "dense channels-last taps", "conv2": "dense channels-last taps", "fc": "dense rows"],
        "cnn_pools_direct": ["conv1": "dense channels-last taps", "conv2": "dense channels-last taps", "fc": "dense rows"],
        "cnn_sparse_direct": ["conv1": "dense taps by position", "conv2": "sparse position-class lists", "conv3": "sparse tap lists", "conv4": "sparse position-class lists+merged", "conv5": "sparse tap lists", "fc": "CSC"],
        "conv1d_direct": ["conv1": "dense taps by position", "conv2": "sparse position-class lists", "conv3": "dense channels-last taps", "fc": "dense rows"],
        "cubalif_direct": ["fc1": "dense rows", "fc2": "dense rows", "fc3": "dense rows"],
        "delay_lines": ["fc1": "dense rows", "fc2": "dense rows"],
        "lif_value_reset_ge": ["fc1": "dense rows", "fc2": "dense rows"],
        "mlp_dense_direct": ["fc1": "dense rows", "fc2": "dense rows"],
        "mlp_sparse90_direct": ["fc1": "CSC", "fc2": "CSC"],
        "poisson_mlp": ["fc1": "dense rows", "fc2": "dense rows"],
        "recurrent_lif": ["fc_in": "dense rows", "fc_out": "dense rows", "w_rec": "dense rows"],
        "recurrent_mixed_input": ["fc_out": "dense rows", "mix": "dense rows"],
        "residual_direct": ["fc_a": "dense rows", "fc_b": "dense rows", "fc_out": "dense rows", "scale_a": "elementwise"],
        "spikes_encoding_cnn": ["conv1": "dense channels-last taps", "conv2": "dense channels-last taps", "fc": "dense rows"],
    ]

    static func layouts(of name: String) throws -> [String: String] {
        let network = try NIRReader.read(path: SimulationFixtures.file("\(name).nir")).network
        // The case's own step length: Delay nodes need whole steps of it.
        let dt = try (SimulationFixtures.exactJSON(SimulationFixtures.file("\(name).sim.json")).object("options")["dt"] as! NSNumber).doubleValue
        let plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 2, dt: dt))
        var result: [String: String] = [:]
        for node in network.nodes {
            guard let layout = plan.weightLayout(ofNode: node.name) else { continue }
            result[node.name] = layout.rawValue + (plan.mergesPooledInputs(ofNode: node.name) ? "+merged" : "")
        }
        return result
    }

    @Test("each exact case uses the layouts recorded for it", arguments: SimulatorReferenceTests.exactCases)
    func caseLayouts(name: String) throws {
        let actual = try Self.layouts(of: name)
        #expect(actual == Self.expected[name], "\(name): \(actual)")
    }

    @Test("together the exact cases reach every layout, pooled-input merging and Conv1d")
    func everyLayoutIsExercised() throws {
        let used = Set(Self.expected.values.flatMap(\.values))
        for layout in WeightLayout.allCases {
            #expect(used.contains { $0.hasPrefix(layout.rawValue) }, "no exact case uses \(layout.rawValue)")
        }
        #expect(used.contains { $0.hasSuffix("+merged") }, "no exact case merges pooled inputs")
        #expect(Set(Self.expected.keys) == Set(SimulatorReferenceTests.exactCases))
        let conv1d = try NIRReader.read(path: SimulationFixtures.file("conv1d_direct.nir")).network
        #expect(conv1d.nodes.contains { if case .convolution(let conv) = $0.kind { conv.spatialRank == 1 } else { false } })
    }
}
