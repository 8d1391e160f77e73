/// The `p`-th percentile of `values` with linear interpolation between the two nearest ranks
/// (numpy's default), or nil for no values.
public func percentile(_ values: [Float], _ p: Double) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let rank = min(max(p, 0), 100) / 100 * Double(sorted.count - 1)
    let lower = Int(rank.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    let fraction = rank - Double(lower)
    return Double(sorted[lower]) + fraction * (Double(sorted[upper]) - Double(sorted[lower]))
}
