import ArgumentParser
import NeuroCost

/// How the ledger prices a run's weights, shared by `run`, `compare` and `price` (`docs/energy-ledger.md`).
struct PricingOptions: ParsableArguments {
    @Option(name: .customLong("memory-model"),
            help: "How weights reach the arithmetic: reuse (streamed once per inference into tiles; default) or no-reuse (every use from the level holding all weights: an upper bound).")
    var memoryModel = MemoryModel.reuse

    @Option(name: .customLong("weight-format"), help: "Store every layer's weights as dense, csr, bitmask or coo (default: each layer's smallest).")
    var weightFormat: WeightStorageFormat?
}
