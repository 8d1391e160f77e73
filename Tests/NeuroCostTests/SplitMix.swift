import Simulator

/// SplitMix64 (the Poisson encoder's mix over a counter): a fixed sequence, so a failing random case reproduces.
/// The tests' one generator of random cases.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        defer { state &+= 0x9E37_79B9_7F4A_7C15 }
        return PoissonEncoder.mix(state)
    }
}
