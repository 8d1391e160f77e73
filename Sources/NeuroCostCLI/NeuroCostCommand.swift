import ArgumentParser

@main
struct NeuroCostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neurocost",
        abstract: "What a spiking neural network really costs on hardware.",
        discussion: "Reads networks in NIR (HDF5) and counts what they do: neurons, weights, exact synaptic fan-out, dense MACs, storage.",
        version: NeuroCostVersion.string,
        subcommands: [InspectCommand.self, RunCommand.self, ConvertCommand.self, CompareCommand.self, PriceCommand.self,
                      MergeCommand.self, ScalesCommand.self, ProfilesCommand.self]
    )

    /// Exit statuses by class of failure (docs/exit-codes.md); the work is done in a supervised worker process,
    /// forked before anything else starts, so that a file that crashes libhdf5 ends in an error line.
    static func main() {
        Supervisor.run { ExitStatus.main(self) }
    }
}

enum NeuroCostVersion {
    static let string = "0.1.0"
}
