import ArgumentParser

/// `--shard I/K`: the I-th (0-based) of K balanced parts of the samples a run would otherwise do.
///
/// Part I covers `[lower + I·n/K, lower + (I+1)·n/K)` (integer division) of the n selected samples, so the sizes
/// differ by at most one and the K parts tile the range in order, with no gap and no overlap.
struct SampleShard: ExpressibleByArgument, Equatable {
    let index: Int
    let count: Int

    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, index >= 0, index < count else {
            return nil
        }
        self.index = index
        self.count = count
    }

    static var defaultCompletionKind: CompletionKind { .default }

    /// This shard's part of `range`; empty when there are fewer samples than shards and this one gets none.
    func part(of range: Range<Int>) -> Range<Int> {
        let n = range.count
        return (range.lowerBound + index * n / count)..<(range.lowerBound + (index + 1) * n / count)
    }
}
