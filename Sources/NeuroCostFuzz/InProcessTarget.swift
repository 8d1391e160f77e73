import Foundation
import NeuroCost

/// Runs an input through the library's entry points in this process, as far as it gets: read, analyse, write
/// back and read again, and simulate a few samples. A crash ends the process; the supervisor notices.
struct InProcessTarget {
    /// A valid network whose Input takes 4 values, to run mutated data files through.
    let dataNetwork: Network?
    let workDirectory: String
    /// Memory limit for the readers, small enough that a fuzzer process never swaps.
    let memoryLimit = 256 << 20

    /// Accepted (true) or refused with a typed error (false); anything else is a finding.
    func run(_ input: FuzzInput) throws(FuzzFinding) -> Bool {
        switch input.kind {
        case .network: return try runNetwork(input)
        case .data: return try runData(input)
        case .profile: return try runProfile(input)
        }
    }

    private func runNetwork(_ input: FuzzInput) throws(FuzzFinding) -> Bool {
        let document: NIRDocument
        do {
            document = try NIRReader.read(path: input.path, options: NIRReadOptions(ignoreUnknownFields: input.index % 2 == 0,
                                                                                    maxMemoryBytes: memoryLimit))
        } catch {
            try FuzzFinding.checkMessage(error.description, naming: input.path)
            return false
        }
        let network = document.network
        do {
            _ = try StaticCostAnalyzer.analyze(network)
            let copy = "\(workDirectory)/roundtrip.nir"
            try NIRWriter.write(network, to: copy, overwrite: true)
            _ = try NIRReader.read(path: copy)
            try simulate(network, input: input)
        } catch let finding as FuzzFinding {
            throw finding
        } catch {
            try FuzzFinding.checkMessage("\(error)", naming: nil)
        }
        return true
    }

    /// Simulates three random samples for three steps when the network is small enough to do so quickly.
    private func simulate(_ network: Network, input: FuzzInput) throws {
        let plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 3, reset: input.index % 3 == 0 ? .value : .subtract))
        let inputIndex = plan.inputNode
        let shape = network.outputShapes[inputIndex]
        guard let elements = ShapeArithmetic.elementCount(shape), elements <= 4096 else { return }
        let estimate = MemoryEstimate.simulation(network: network, timesteps: 3, samples: 3, sampleElements: elements, threads: 1,
                                                 recordsPerSampleSteps: false)
        guard estimate.bytes <= memoryLimit else { return }
        let data = "\(workDirectory)/samples.h5"
        try? FileManager.default.removeItem(atPath: data)
        var random = FuzzRandom(seed: 7, index: input.index)
        let values = (0..<(3 * elements)).map { _ in Float.random(in: 0...1, using: &random) }
        let file = try HDF5File(path: data, mode: .createNew)
        try file.writeDataset("images", values, shape: [3] + shape)
        try file.writeDataset("labels", [Int64(0), 1, 2], shape: [3])
        file.close()
        _ = try SimulationRunner.run(plan: plan, dataset: SampleDataset(path: data), threads: 1)
    }

    private func runData(_ input: FuzzInput) throws(FuzzFinding) -> Bool {
        let dataset: SampleDataset
        do {
            dataset = try SampleDataset(path: input.path, maxMemoryBytes: memoryLimit)
            _ = try dataset.statistics(0..<min(dataset.sampleCount, 64))
        } catch {
            try FuzzFinding.checkMessage(error.description, naming: input.path)
            return false
        }
        guard let network = dataNetwork, dataset.sampleShape == [4] else { return true }
        do {
            let plan = try SimulationPlan(network: network, options: SimulationOptions(timesteps: 3))
            _ = try SimulationRunner.run(plan: plan, dataset: dataset, range: 0..<min(dataset.sampleCount, 16), threads: 1)
        } catch {
            try FuzzFinding.checkMessage("\(error)", naming: nil)
        }
        return true
    }

    private func runProfile(_ input: FuzzInput) throws(FuzzFinding) -> Bool {
        do {
            _ = try ProfileLibrary.load(file: input.path)
            return true
        } catch {
            try FuzzFinding.checkMessage(error.description, naming: input.path)
            return false
        }
    }
}

/// Something wrong short of a crash: an error message on several lines, or one that does not name the file.
struct FuzzFinding: Error, CustomStringConvertible {
    let description: String

    static func checkMessage(_ message: String, naming path: String?) throws(FuzzFinding) {
        if message.contains("\n") { throw FuzzFinding(description: "error spans several lines: \(message.prefix(300))") }
        if let path, !message.contains(path) { throw FuzzFinding(description: "error does not name the file: \(message.prefix(300))") }
    }
}
