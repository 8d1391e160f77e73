import Foundation
import Synchronization
import Testing
@testable import Simulator

/// `TracePipeline`: whatever order threads finish samples in, the writer gets every sample once, in run order, in
/// blocks of the stated size; no sample is taken past the window; a failed write loses its block and the ones
/// after it, without leaving anyone waiting.
@Suite struct TracePipelineTests {
    /// A sample's traces that name the sample, to check what arrives where.
    static func traces(of sample: Int) -> SampleTraces {
        var traces = SampleTraces()
        traces.spikeNeurons[0] = [Int32(sample), Int32(sample * 3)]
        return traces
    }

    /// What the writer saw, and how far ahead of it the workers got.
    final class Recorder: @unchecked Sendable {
        let lock = NSLock()
        var blocks: [(samples: Range<Int>, firstNeurons: [Int32])] = []
        var written = 0
        var furthestAhead = 0
        var failAt: Int?

        func write(_ block: TraceBlock) throws {
            usleep(UInt32.random(in: 500...2_000))  // a slow writer lets the workers reach the window's end
            lock.lock()
            defer { lock.unlock() }
            blocks.append((block.samples, block.traces.map { $0.spikeNeurons[0]?.first ?? -1 }))
            if let failAt, block.samples.contains(failAt) { throw FixtureError(description: "disk full at \(failAt)") }
            written = block.samples.upperBound
        }

        func taking(through last: Int) {
            lock.lock()
            furthestAhead = max(furthestAhead, last - written)
            lock.unlock()
        }
    }

    /// Runs `samples` samples on `threads` threads, `lanes` at a time, with random work per sample.
    static func run(samples: Int, blockSize: Int, lanes: Int, threads: Int, recorder: Recorder,
                    finishThrough: Int? = nil) throws(TraceWriteFailure) -> TracePipeline {
        let pipeline = TracePipeline(sampleCount: samples, samplesPerBlock: blockSize, samplesPerTake: lanes,
                                     write: recorder.write)
        let next = Atomic<Int>(0)
        let end = finishThrough ?? samples
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while true {
                let first = next.wrappingAdd(lanes, ordering: .relaxed).oldValue
                guard first < end else { break }
                let taken = first..<min(first + lanes, end)
                pipeline.waitForRoom(through: taken.upperBound - 1)
                recorder.taking(through: taken.upperBound - 1)
                usleep(UInt32.random(in: 0...200))
                for sample in taken.shuffled() { pipeline.deposit(traces(of: sample), sample: sample) }
            }
        }
        try pipeline.finish(through: end)
        return pipeline
    }

    @Test("every sample once, in order, in whole blocks (the last one short), never past the window",
          arguments: [(samples: 203, blockSize: 8, lanes: 4, threads: 3), (samples: 64, blockSize: 64, lanes: 1, threads: 2),
                      (samples: 17, blockSize: 1, lanes: 3, threads: 4), (samples: 1, blockSize: 8, lanes: 8, threads: 2)])
    func inOrderWithinWindow(samples: Int, blockSize: Int, lanes: Int, threads: Int) throws {
        let recorder = Recorder()
        let pipeline = try Self.run(samples: samples, blockSize: blockSize, lanes: lanes, threads: threads, recorder: recorder)
        let expectedBlocks = stride(from: 0, to: samples, by: blockSize).map { $0..<min($0 + blockSize, samples) }
        #expect(recorder.blocks.map(\.samples) == expectedBlocks)
        #expect(recorder.blocks.flatMap(\.firstNeurons) == (0..<samples).map { Int32($0) })
        #expect(recorder.furthestAhead < pipeline.windowSamples, "took \(recorder.furthestAhead) past the last written")
    }

    @Test("a run stopped inside a block hands the samples it finished to the writer")
    func stoppedInsideBlock() throws {
        let recorder = Recorder()
        _ = try Self.run(samples: 100, blockSize: 16, lanes: 2, threads: 2, recorder: recorder, finishThrough: 37)
        #expect(recorder.blocks.map(\.samples) == [0..<16, 16..<32, 32..<37])
        #expect(recorder.blocks.flatMap(\.firstNeurons) == (0..<37).map { Int32($0) })
    }

    @Test("a failed write loses its block and every later one, reports them, and leaves no worker waiting")
    func failedWrite() {
        let recorder = Recorder()
        recorder.failAt = 21
        do {
            _ = try Self.run(samples: 120, blockSize: 8, lanes: 4, threads: 3, recorder: recorder)
            Issue.record("the failure was not reported")
        } catch {
            #expect(error.lostSamples == 16..<24)
            #expect("\(error)".contains("disk full at 21"))
        }
        #expect(recorder.blocks.map(\.samples) == [0..<8, 8..<16, 16..<24], "nothing written after the failure")
    }
}
