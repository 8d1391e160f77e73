import Foundation
import NeuroCost
import Testing

/// Workers made ahead of a run (`SimulationRunner.prepareWorkers`, which `neurocost run` uses to make them while it
/// checks the data): a run given them counts exactly as one that makes its own, and workers made for another
/// sample count, thread count or plan are not used (the run makes its own, and its counts are still its own).
@Suite struct PreparedWorkersTests {
    @Test("a run with workers made ahead counts exactly as without, whether they fit the run or not",
          arguments: ["cnn_sparse_direct", "recurrent_lif"])
    func sameCounts(testCase name: String) throws {
        let plan = try SimulationFixtures.casePlan(name).plan
        let dataset = try SampleDataset(path: SimulationFixtures.file("\(name).data.h5"),
                                        preferSpikes: plan.options.encoding == .spikes)
        let range = 0..<min(dataset.sampleCount, 5)
        let plain = try SimulationRunner.run(plan: plan, dataset: dataset, range: range, threads: 2)
        let fitting = SimulationRunner.prepareWorkers(plan: plan, sampleCount: range.count, threads: 2)
        let otherCount = SimulationRunner.prepareWorkers(plan: plan, sampleCount: 1, threads: 1)
        let otherPlan = try SimulationRunner.prepareWorkers(plan: SimulationFixtures.casePlan("mlp_dense_direct").plan,
                                                            sampleCount: range.count, threads: 2)
        for prepared in [fitting, otherCount, otherPlan] {
            let run = try SimulationRunner.run(plan: plan, dataset: dataset, range: range, threads: 2, prepared: prepared)
            #expect(run.counts == plain.counts)
            #expect(run.predictionsByStep == plain.predictionsByStep)
        }
        // Four workers: three helper threads and the run's own thread claim them, each made once.
        let wide = SimulationRunner.prepareWorkers(plan: plan, sampleCount: range.count, threads: 4)
        let wideRun = try SimulationRunner.run(plan: plan, dataset: dataset, range: range, threads: 4, prepared: wide)
        #expect(wideRun.counts == plain.counts)
        #expect(wideRun.predictionsByStep == plain.predictionsByStep)
    }
}
