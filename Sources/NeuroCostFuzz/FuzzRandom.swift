/// A small deterministic generator (SplitMix64): input `i` of seed `s` is always the same mutation, so any
/// failure replays from two numbers.
struct FuzzRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64, index: Int) {
        state = seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: index) &* 0xBF58_476D_1CE4_E5B9 ^ 0x94D0_49BB_1331_11EB
        _ = next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }

    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &self)] }

    /// Sizes that break arithmetic: zero, one, negative, around powers of two, and the integer extremes.
    mutating func interestingInteger() -> Int64 {
        pick([0, 1, -1, 2, 3, 7, 255, 256, 65_535, 65_536, Int64(Int32.max), Int64(Int32.max) + 1, Int64(Int32.min),
              1 << 40, 1 << 62, Int64.max, Int64.min, Int64.random(in: -1000...1000, using: &self)])
    }

    /// Values that break arithmetic: NaN, infinities, zero of both signs, subnormals, huge and tiny.
    mutating func interestingDouble() -> Double {
        pick([.nan, .infinity, -.infinity, 0, -0.0, 1, -1, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
              -.greatestFiniteMagnitude, 1e-30, 1e30, 0.5, Double.random(in: -10...10, using: &self)])
    }

    mutating func interestingShape() -> [Int] {
        pick([[], [0], [1], [2], [3], [4], [8], [1, 1], [0, 4], [4, 0], [3, 4], [2, 2, 2], [1, 1, 1, 1, 1],
              [Int.random(in: 1...40, using: &self), Int.random(in: 1...40, using: &self)]])
    }
}
