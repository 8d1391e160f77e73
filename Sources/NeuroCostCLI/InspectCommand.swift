import ArgumentParser
import Foundation
import NeuroCost

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Static cost of a network: neurons, weights, sparsity, exact fan-out, dense MACs, weight storage.",
        discussion: """
            Out-degree is exact per spike: a spike follows every edge out of its node, through Flatten, Delay and \
            pools (entering every window that holds it), and costs one synaptic operation per non-zero weight it meets.
            """
    )

    @Argument(help: "A NIR file (.nir, HDF5).")
    var network: String

    @Flag(help: "Print the report as JSON instead of a table.")
    var json = false

    @OptionGroup var safety: InputSafetyOptions

    func run() throws {
        let document = try safety.readNetwork(network)
        let report = try StaticCostAnalyzer.analyze(document.network)
        if json {
            print(try InspectJSON.render(report: report, file: network, nirVersion: document.version))
        } else {
            print(InspectTable.render(report: report, file: network, nirVersion: document.version))
        }
    }
}
