import Dispatch
import Foundation

/// Carries a run's traces from the workers to the writer without stopping the simulation at every trace block.
///
/// Workers take samples as they free up and deposit each sample's traces as soon as it is done; once every sample
/// of a trace block is in, the block goes (in run order) to a serial background queue that writes it. A worker
/// waits before taking samples more than `windowSamples` past the first unwritten one, which bounds the traces
/// held in memory. Blocks that ended in a barrier cost a whole core for as long as the writer ran (on two cores
/// the writer preempts one of two simulating threads, and the other waited for it at the block's end).
///
/// Why the wait cannot deadlock: a worker waits only before it takes samples, never while it holds unfinished
/// ones, so the lowest unfinished sample always belongs to a running worker; once it finishes, its block and every
/// earlier one are complete, and the window (at least a trace block plus a worker's samples) then opens for the
/// lowest waiting worker.
final class TracePipeline: @unchecked Sendable {
    /// Samples per trace block (the last one may be shorter).
    let samplesPerBlock: Int
    /// Samples that may be taken past the first one whose traces are not yet written.
    let windowSamples: Int
    private let sampleCount: Int
    private let write: (TraceBlock) throws -> Void
    private let slots: TraceSlots
    private let queue = DispatchQueue(label: "neurocost.trace-writer")
    private let writes = DispatchGroup()
    /// Guards everything below it; workers wait on it for room in the window.
    private let condition = NSCondition()
    /// Per trace block in flight: samples deposited so far.
    private var depositedInBlock: [Int: Int] = [:]
    /// The first trace block not yet handed to the writer.
    private var nextBlock = 0
    /// Samples whose blocks were written (or whose write was skipped after a failure).
    private var writtenSamples = 0
    /// The first write error, and the samples of the block it lost; later blocks are not written.
    private var failure: (error: Error, samples: Range<Int>)?

    /// - Parameters:
    ///   - sampleCount: the run's samples (run-relative indices `0..<sampleCount`).
    ///   - samplesPerBlock: samples per trace block handed to `write`.
    ///   - samplesPerTake: the most samples a worker takes at once (its lanes).
    ///   - write: called on a background thread, one block at a time, in run order.
    init(sampleCount: Int, samplesPerBlock: Int, samplesPerTake: Int, write: @escaping (TraceBlock) throws -> Void) {
        precondition(samplesPerBlock > 0 && samplesPerTake > 0)
        self.sampleCount = sampleCount
        self.samplesPerBlock = samplesPerBlock
        // Two blocks: one being written while the next fills, plus what one worker may hold of a third.
        windowSamples = 2 * samplesPerBlock + samplesPerTake
        self.write = write
        slots = TraceSlots(count: windowSamples)
    }

    /// Waits until samples up to `last` (run-relative) may be taken: until they are within the window.
    func waitForRoom(through last: Int) {
        condition.lock()
        while last >= writtenSamples + windowSamples { condition.wait() }
        condition.unlock()
    }

    /// Deposits sample `sample`'s traces (run-relative; called once per sample, by the worker that ran it) and
    /// hands every block this completes to the writer.
    func deposit(_ traces: SampleTraces, sample: Int) {
        slots.put(traces, in: sample % windowSamples)
        condition.lock()
        defer { condition.unlock() }
        let block = sample / samplesPerBlock
        depositedInBlock[block, default: 0] += 1
        while let deposited = depositedInBlock[nextBlock], deposited == blockSamples(nextBlock).count {
            depositedInBlock[nextBlock] = nil
            submit(blockSamples(nextBlock))
            nextBlock += 1
        }
    }

    /// Hands the samples deposited before `end` that no block has taken yet (a run stopped inside a block) to
    /// the writer, waits until everything is written, and rethrows the first write error with the samples it lost.
    func finish(through end: Int) throws(TraceWriteFailure) {
        condition.lock()
        let start = nextBlock * samplesPerBlock
        if start < end {
            // Only a stopped run leaves a block short, and every sample before `end` was deposited.
            depositedInBlock[nextBlock] = nil
            submit(start..<end)
            nextBlock += 1
        }
        condition.unlock()
        writes.wait()
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw TraceWriteFailure(error: failure.error, lostSamples: failure.samples) }
    }

    /// The first write error so far, if any (the run stops at the end of its current block of work).
    var firstFailure: TraceWriteFailure? {
        condition.lock()
        defer { condition.unlock() }
        return failure.map { TraceWriteFailure(error: $0.error, lostSamples: $0.samples) }
    }

    private func blockSamples(_ block: Int) -> Range<Int> {
        (block * samplesPerBlock)..<min((block + 1) * samplesPerBlock, sampleCount)
    }

    /// Called with the lock held, in run order: the serial queue keeps that order.
    private func submit(_ samples: Range<Int>) {
        writes.enter()
        queue.async { [self] in
            // The window keeps workers off these slots until `writtenSamples` passes them.
            let traces = samples.map { slots.take($0 % windowSamples) }
            condition.lock()
            let failed = failure != nil
            condition.unlock()
            var error: Error?
            if !failed {
                do { try write(TraceBlock(samples: samples, traces: traces)) } catch let thrown { error = thrown }
            }
            condition.lock()
            if let error, failure == nil { failure = (error, samples) }
            writtenSamples = samples.upperBound
            condition.broadcast()
            condition.unlock()
            writes.leave()
        }
    }
}

/// A trace write that failed: the writer's error and the samples whose traces it lost (from there on, nothing
/// more was written).
struct TraceWriteFailure: Error, CustomStringConvertible {
    let error: Error
    let lostSamples: Range<Int>
    var description: String { "\(error)" }
}

/// The traces of the samples in a pipeline's window, one slot per sample; a slot is written by the worker that ran
/// its sample and taken by the writer, never both at once (the pipeline's window sees to that).
private final class TraceSlots: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<SampleTraces>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: SampleTraces())
    }

    deinit {
        _ = storage.deinitialize()
        storage.deallocate()
    }

    /// Puts a sample's traces in its slot.
    func put(_ traces: SampleTraces, in slot: Int) {
        assert(storage.indices.contains(slot), "trace slot \(slot) outside 0..<\(storage.count)")
        storage[slot] = traces
    }

    /// The slot's traces, leaving it empty (so that their memory goes with the block once written).
    func take(_ slot: Int) -> SampleTraces {
        assert(storage.indices.contains(slot), "trace slot \(slot) outside 0..<\(storage.count)")
        let traces = storage[slot]
        storage[slot] = SampleTraces()
        return traces
    }
}
