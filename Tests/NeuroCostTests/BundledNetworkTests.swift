import Foundation
import NeuroCost
import Testing

/// The committed, converted digits SNNs against their ANNs on the bundled test set at the default T = 8.
@Suite struct BundledNetworkTests {
    @Test("the dense and 90%-sparse SNNs are within 2 points of their ANNs at T = 8", arguments: ["dense", "sparse90"])
    func convertedAccuracy(variant: String) throws {
        let networks = RepositoryPaths.root.appendingPathComponent("Datasets/networks")
        let ann = try NIRReader.read(path: networks.appendingPathComponent("digits-ann-\(variant).nir").path).network
        let snn = try NIRReader.read(path: networks.appendingPathComponent("digits-snn-\(variant).nir").path).network
        let data = try SampleDataset(path: ConversionTests.test)
        let annAccuracy = try #require(try SimulationRunner.run(plan: SimulationPlan.annView(of: ann), dataset: data).accuracyByTimestep?.first)
        let snnAccuracy = try #require(try SimulationRunner.run(plan: SimulationPlan(network: snn, options: SimulationOptions()), dataset: data)
            .accuracyByTimestep?.last)
        #expect(snnAccuracy >= annAccuracy - 0.02, "ANN \(annAccuracy), SNN at T = 8 \(snnAccuracy)")
    }
}
