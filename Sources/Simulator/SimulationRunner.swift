import Dispatch
import Foundation
import Synchronization
import SampleData

/// Runs a plan over samples of a data file: samples are read in blocks, each block is simulated in parallel
/// (one `SampleWorker` per thread), and integer counts are summed, so results are identical on any thread count.
public enum SimulationRunner {
    /// Samples read and simulated together; bounds memory whatever the file's size.
    static let blockSize = 256
    /// Samples per trace block when spike events or potentials are traced: their size is not known ahead, so
    /// a few samples at a time keep the traces held in memory small.
    static let eventSamplesPerBlock = 8

    /// Checks that the data file's samples fit the plan's Input node and encoding.
    public static func validate(dataset: SampleDataset, plan: SimulationPlan) throws(SimulationError) {
        let expected = plan.sampleShape
        guard dataset.sampleShape == expected else {
            let encoding = plan.options.encoding
            var hint = encoding == .spikes ? " (spikes encoding: (N, T=\(plan.options.timesteps), …input shape))" : ""
            if expected.count == dataset.sampleShape.count + 1, expected.first == 1, Array(expected.dropFirst()) == dataset.sampleShape {
                hint += " (the Input's leading 1 is a batch dimension norse's exporter keeps: --framework norse drops it)"
            }
            throw SimulationError("\(dataset.path): dataset '\(dataset.samplesName)' holds samples of shape \(dataset.sampleShape), but input node '\(plan.network.nodes[plan.inputNode].name)' expects \(expected)\(hint)")
        }
    }

    /// Simulates samples `range` of `dataset` on `threads` threads.
    /// - Parameters:
    ///   - recordSteps: keep per-sample, per-step counts (N × T × L per metric).
    ///   - probedNodes: nodes (IF populations or their ANN view) whose positive summed inputs are collected,
    ///     every step of every sample, for threshold calibration.
    ///   - countSpikesPerNeuron: also count every spiking neuron's spikes (over all samples and steps), for core mapping.
    ///   - traces: spikes and potentials to record; each block's traces go to `onTraces`, on a background thread
    ///     while the next block is simulated (one block at a time, in order).
    ///   - shouldStop: asked after each block; when it says yes, the run ends there and the result covers the
    ///     samples completed so far.
    ///   - partialResultOnError: when a block fails (bad data further into the file), return the samples completed
    ///     before it with `RunResult.failure` set, instead of throwing.
    ///   - prepared: the workers `prepareWorkers` started making for this run; used when made for the same plan,
    ///     sample count, threads and monitoring, otherwise the run makes its own.
    ///   - progress: called on the calling thread after each block with the number of samples done.
    public static func run(plan: SimulationPlan, dataset: SampleDataset, range: Range<Int>? = nil, threads: Int? = nil,
                           recordSteps: Bool = false, probedNodes: Set<Int> = [], countSpikesPerNeuron: Bool = false,
                           traces: TraceRequest = TraceRequest(), onTraces: ((TraceBlock) throws -> Void)? = nil,
                           shouldStop: (() -> Bool)? = nil, partialResultOnError: Bool = false,
                           prepared: PreparedWorkers? = nil, progress: ((Int) -> Void)? = nil) throws -> RunResult {
        try validate(dataset: dataset, plan: plan)
        let samples = range ?? 0..<dataset.sampleCount
        guard samples.lowerBound >= 0, samples.upperBound <= dataset.sampleCount else {
            throw SimulationError("\(dataset.path): samples \(samples.lowerBound)..<\(samples.upperBound) requested, the file has \(dataset.sampleCount)")
        }
        let setup = WorkerSetup(plan: plan, sampleCount: samples.count, threads: threads, probedNodes: probedNodes,
                                countSpikesPerNeuron: countSpikesPerNeuron, traces: traces)
        let (threadCount, plan) = (setup.threadCount, setup.plan)
        let workers = prepared.flatMap { $0.setup.matches(setup) ? $0.workers() : nil } ?? setup.makeWorkers()
        // Traces go to the writer a trace block at a time while the simulation goes on (TracePipeline), so the
        // simulated blocks stay as large as untraced ones. Rasters have a known size: their trace blocks hold tens
        // of MiB, sized to fill the results file's chunks exactly (RasterBlocking); event lists go a few samples
        // at a time. Both divide `blockSize`, so a run stopped after a block leaves no trace block short.
        let pipeline = onTraces.flatMap { write -> TracePipeline? in
            guard !traces.isEmpty else { return nil }
            let samplesPerTraceBlock = traces.potentials.isEmpty && traces.spikeFormat == .raster
                ? RasterBlocking.samplesPerBlock(plan: plan, nodes: traces.spikingNodes) : eventSamplesPerBlock
            return TracePipeline(sampleCount: samples.count, samplesPerBlock: samplesPerTraceBlock,
                                 samplesPerTake: workers.workers.map(\.lanes).max() ?? 1, write: write)
        }
        var completed = 0
        var probedInputs: [Int: [Float]] = [:]
        var spikesPerNeuron: [Int: [Int]] = [:]
        let layers = plan.layerNodes.count
        let steps = plan.options.timesteps
        var counts = RunCounts(layerCount: layers, timesteps: steps, sampleCount: samples.count, recordSteps: recordSteps)
        var predictions = [Int](repeating: 0, count: samples.count * steps)
        let elementsPerSample = dataset.sampleElementCount

        var blockStart = samples.lowerBound
        var failure: String?
        var interrupted = false
        blocks: while blockStart < samples.upperBound {
          do {
            let read = blockStart..<min(blockStart + blockSize, samples.upperBound)
            var values = try dataset.read(read)[...]
            // A sample that is not 0/1 spikes ends the run, but the samples before it in the block still run.
            var badSample: SimulationError?
            var end = read.upperBound
            if plan.options.encoding == .spikes, let bad = values.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                let sample = read.lowerBound + (bad - values.startIndex) / elementsPerSample
                badSample = SimulationError("\(dataset.path): dataset '\(dataset.samplesName)' must hold 0/1 spikes under spikes encoding; sample \(sample) has \(values[bad])")
                values = values.prefix((sample - read.lowerBound) * elementsPerSample)
                end = sample
                if sample == read.lowerBound { throw badSample! }
            }
            let block = read.lowerBound..<end
            // Each worker writes only the rows of its own samples; the box lets the threads share the buffers.
            let sink = BlockResults(samples: block.count, steps: steps, layers: layers)
            let runOffset = block.lowerBound - samples.lowerBound
            // Workers take the block's samples a run (`lanes` samples) at a time as they free up, rather than a
            // fixed share: a thread that the trace writer (or anything else) preempts, or that drew costlier
            // samples, would otherwise keep the other waiting at the end of every block. Each sample's results
            // go to its own row, so which worker ran it changes nothing.
            let nextSample = SampleDispenser()
            values.withUnsafeBufferPointer { valueBuffer in
                let shared = SharedPointer(valueBuffer.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: threadCount) { workerIndex in
                    let worker = workers.workers[workerIndex]
                    while true {
                        let first = nextSample.take(worker.lanes)
                        guard first < block.count else { break }
                        let locals = first..<min(first + worker.lanes, block.count)
                        pipeline?.waitForRoom(through: runOffset + locals.upperBound - 1)
                        worker.run(samples: locals.map {
                            SampleWorker.Sample(values: shared.pointer + $0 * elementsPerSample, index: block.lowerBound + $0)
                        })
                        for (lane, local) in locals.enumerated() {
                            sink.store(sample: local, counts: worker.tally.counts[lane], predictions: worker.tally.predictions[lane])
                            pipeline?.deposit(worker.takeTraces(lane: lane), sample: runOffset + local)
                        }
                    }
                }
            }
            sink.merge(into: &counts, predictions: &predictions, blockOffset: runOffset)
            for worker in workers.workers {
                for (node, values) in worker.probe.takeInputs() { probedInputs[node, default: []] += values }
                for (node, counts) in worker.probe.takeSpikesPerNeuron() {
                    if spikesPerNeuron[node] == nil { spikesPerNeuron[node] = counts } else {
                        for index in counts.indices { spikesPerNeuron[node]![index] += counts[index] }
                    }
                }
            }
            blockStart = block.upperBound
            completed = block.upperBound - samples.lowerBound
            if let writeFailure = pipeline?.firstFailure {
                // The samples from the lost trace block on are not complete: their traces are not in the file.
                completed = min(completed, writeFailure.lostSamples.lowerBound)
                throw writeFailure.error
            }
            if let badSample { throw badSample }
            progress?(completed)
            if shouldStop?() == true {
                interrupted = completed < samples.count
                break blocks
            }
          } catch {
            guard partialResultOnError else {
                try? pipeline?.finish(through: completed)  // no write may outlive the run
                throw error
            }
            failure = "\(error)"
            break blocks
          }
        }
        do {
            try pipeline?.finish(through: completed)
        } catch {
            completed = min(completed, error.lostSamples.lowerBound)
            guard partialResultOnError else { throw error.error }
            failure = failure ?? "\(error)"
        }
        if completed < samples.count {
            counts = counts.prefix(samples: completed)
            predictions = Array(predictions.prefix(completed * steps))
        }
        let ran = samples.lowerBound..<(samples.lowerBound + completed)
        let labels = dataset.labels.map { Array($0[ran]) }
        return RunResult(readoutName: plan.network.nodes[plan.readoutNode].name, layerNames: plan.layerNames, layerKinds: plan.layerKinds, options: plan.options,
                         sampleRange: ran, counts: counts, labels: labels, predictionsByStep: predictions,
                         probedInputs: probedInputs, spikesPerNeuron: spikesPerNeuron,
                         interrupted: interrupted, failure: failure)
    }
}

/// Hands out a block's sample indices to the worker threads, `count` at a time, each index once.
private final class SampleDispenser: Sendable {
    private let next = Atomic<Int>(0)

    /// The first of the next `count` indices (past the block's end once all are taken).
    func take(_ count: Int) -> Int {
        next.wrappingAdd(count, ordering: .relaxed).oldValue
    }
}

extension SimulationRunner {
    /// Starts making the workers of a run on other threads, for the caller to finish its own set-up meanwhile
    /// (checking the data, creating the results file): a worker's set-up is mostly the first touch of its working
    /// memory. Pass the result to `run` with the same plan, sample count, threads and monitoring; workers made for
    /// anything else are not used there (`run` then makes its own).
    public static func prepareWorkers(plan: SimulationPlan, sampleCount: Int, threads: Int? = nil, probedNodes: Set<Int> = [],
                                      countSpikesPerNeuron: Bool = false, traces: TraceRequest = TraceRequest()) -> PreparedWorkers {
        PreparedWorkers(WorkerSetup(plan: plan, sampleCount: sampleCount, threads: threads, probedNodes: probedNodes,
                                    countSpikesPerNeuron: countSpikesPerNeuron, traces: traces))
    }
}

/// Workers being made ahead of a run (`SimulationRunner.prepareWorkers`).
///
/// Helper threads, one fewer than the run's, start on the workers while the caller finishes its own set-up; when
/// the caller asks for them (`workers()`) it makes those no helper has begun, then waits for the rest. With a helper
/// for every worker, a 2-thread run had three busy threads on two cores during the caller's set-up, whose few
/// milliseconds then waited for a core: from here to the end of a 2-sample simulation took 13-22 ms for about 13 ms
/// of work per core.
public final class PreparedWorkers: Sendable {
    fileprivate let setup: WorkerSetup
    private let making: WorkerMaking
    private let helpers: BackgroundTask<Void, Never>

    fileprivate init(_ setup: WorkerSetup) {
        self.setup = setup
        let making = setup.workerMaking()
        self.making = making
        let helperCount = max(1, setup.threadCount - 1)
        helpers = BackgroundTask { DispatchQueue.concurrentPerform(iterations: helperCount) { _ in making.makeUnclaimed() } }
    }

    fileprivate func workers() -> WorkerPool {
        making.makeUnclaimed()
        helpers.value()
        return WorkerPool(making.made())
    }
}

/// A run's workers, each made once by whichever thread claims it first.
private final class WorkerMaking: @unchecked Sendable {
    private let count: Int
    private let make: @Sendable () -> SampleWorker
    private let next = Atomic<Int>(0)
    /// Slot i is written only by the thread that claimed worker i, and read by `made()` after every claimer is done.
    private let slots: UnsafeMutableBufferPointer<SampleWorker?>

    init(count: Int, make: @escaping @Sendable () -> SampleWorker) {
        self.count = count
        self.make = make
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    /// Makes workers on this thread until every one is claimed.
    func makeUnclaimed() {
        while true {
            let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < count else { return }
            slots[index] = make()
        }
    }

    /// The workers, once every claimer has returned (the caller has waited for the helpers).
    func made() -> [SampleWorker] { slots.map { $0! } }
}

/// How many workers a run has, and what they are made with.
private struct WorkerSetup: @unchecked Sendable {
    let threadCount: Int
    let plan: SimulationPlan
    let monitoring: SampleWorker.Monitoring

    init(plan: SimulationPlan, sampleCount: Int, threads: Int?, probedNodes: Set<Int>, countSpikesPerNeuron: Bool,
         traces: TraceRequest) {
        threadCount = max(1, min(threads ?? ProcessInfo.processInfo.activeProcessorCount, max(sampleCount, 1)))
        monitoring = SampleWorker.Monitoring(tracedNodes: traces.spikingNodes, traceFormat: traces.spikeFormat,
                                             recordedPotentials: traces.potentials, probedNodes: probedNodes,
                                             countsSpikesPerNeuron: countSpikesPerNeuron)
        // A run with fewer samples than threads × lanes would leave threads idle while one worker runs its lanes
        // (two samples on two threads: one worker would take both); such runs use fewer lanes. Counts do not
        // depend on lanes.
        var plan = plan
        if plan.lanes == nil {
            let samplesPerThread = (sampleCount + threadCount - 1) / threadCount
            if WorkerSchedule(plan: plan).lanes > samplesPerThread { plan.lanes = max(1, samplesPerThread) }
        }
        self.plan = plan
    }

    /// Whether workers made for `self` serve a run that needs `other`'s: the same plan (its buffers and settings),
    /// thread count and monitoring.
    func matches(_ other: WorkerSetup) -> Bool {
        threadCount == other.threadCount && plan.arena === other.plan.arena && plan.lanes == other.plan.lanes
            && plan.stepsPerGroup == other.plan.stepsPerGroup && plan.instructionSet == other.plan.instructionSet
            && plan.options == other.plan.options
            && monitoring.tracedNodes == other.monitoring.tracedNodes && monitoring.traceFormat == other.monitoring.traceFormat
            && monitoring.recordedPotentials == other.monitoring.recordedPotentials
            && monitoring.probedNodes == other.monitoring.probedNodes
            && monitoring.countsSpikesPerNeuron == other.monitoring.countsSpikesPerNeuron
    }

    /// Makes the workers on as many threads at once (the caller has nothing else to do meanwhile): a worker's
    /// set-up is mostly the first touch of its working memory, which is a large part of a short run.
    func makeWorkers() -> WorkerPool {
        let making = workerMaking()
        DispatchQueue.concurrentPerform(iterations: threadCount) { _ in making.makeUnclaimed() }
        return WorkerPool(making.made())
    }

    /// The run's workers, to be made by whichever threads claim them.
    func workerMaking() -> WorkerMaking {
        let (plan, monitoring) = (plan, monitoring)
        return WorkerMaking(count: threadCount) { SampleWorker(plan: plan, monitoring: monitoring) }
    }
}

/// The per-thread workers; thread `i` only ever touches `workers[i]`.
private final class WorkerPool: @unchecked Sendable {
    let workers: [SampleWorker]

    init(_ workers: [SampleWorker]) { self.workers = workers }
}

/// A read-only pointer handed to worker threads (the block's values do not change while they run).
private struct SharedPointer: @unchecked Sendable {
    let pointer: UnsafePointer<Float>
    init(_ pointer: UnsafePointer<Float>) { self.pointer = pointer }
}

/// Per-sample results of one block, written by worker threads into disjoint rows.
private final class BlockResults: @unchecked Sendable {
    let samples: Int, steps: Int, layers: Int
    /// Per metric: (samples, steps, layers).
    private var counts: [CountMetric: UnsafeMutableBufferPointer<Int>]
    private let predictions: UnsafeMutableBufferPointer<Int>

    init(samples: Int, steps: Int, layers: Int) {
        self.samples = samples
        self.steps = steps
        self.layers = layers
        counts = Dictionary(uniqueKeysWithValues: CountMetric.allCases.map { metric in
            let buffer = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(samples * steps * layers, 1))
            buffer.initialize(repeating: 0)
            return (metric, buffer)
        })
        predictions = .allocate(capacity: max(samples * steps, 1))
        predictions.initialize(repeating: 0)
    }

    deinit {
        for buffer in counts.values { buffer.deallocate() }
        predictions.deallocate()
    }

    /// Called from worker threads; each sample's rows belong to one worker only.
    func store(sample: Int, counts sampleCounts: [CountMetric: [Int]], predictions stepPredictions: [Int]) {
        let width = steps * layers
        for (metric, values) in sampleCounts {
            let destination = counts[metric]!
            for offset in 0..<width { destination[sample * width + offset] = values[offset] }
        }
        for step in 0..<steps { predictions[sample * steps + step] = stepPredictions[step] }
    }

    func merge(into total: inout RunCounts, predictions allPredictions: inout [Int], blockOffset: Int) {
        let width = steps * layers
        for metric in CountMetric.allCases {
            let block = counts[metric]!
            // Take each table out of its dictionary once, instead of hashing the metric for every value.
            var perStep = total.perStep.removeValue(forKey: metric)!
            var perSample = total.perSample.removeValue(forKey: metric)!
            var perSampleStep = total.perSampleStep?.removeValue(forKey: metric)
            for sample in 0..<samples {
                let row = blockOffset + sample
                for step in 0..<steps {
                    for layer in 0..<layers {
                        let value = block[sample * width + step * layers + layer]
                        perStep[step * layers + layer] += value
                        perSample[row * layers + layer] += value
                        perSampleStep?[(row * steps + step) * layers + layer] = value
                    }
                }
            }
            total.perStep[metric] = perStep
            total.perSample[metric] = perSample
            if let perSampleStep { total.perSampleStep?[metric] = perSampleStep }
        }
        for sample in 0..<samples {
            for step in 0..<steps { allPredictions[(blockOffset + sample) * steps + step] = predictions[sample * steps + step] }
        }
    }
}
