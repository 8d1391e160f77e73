/// Counter-based Bernoulli spikes: element `k` of sample `s` spikes at step `t` when
/// `u < clip(x, 0, 1)`, with `u = (h >> 40)·2⁻²⁴` and `h = mix(mix(mix(mix(seed) ⊕ s) ⊕ t) ⊕ k)`.
/// No generator state is shared, so results do not depend on threads or on the order samples run in.
public enum PoissonEncoder {
    /// SplitMix64: add the golden-ratio increment, then the finaliser (modulo 2⁶⁴).
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The hash prefix shared by every element of one sample at one step.
    @inline(__always)
    public static func stepKey(seed: UInt64, sample: Int, step: Int) -> UInt64 {
        mix(mix(mix(seed) ^ UInt64(sample)) ^ UInt64(step))
    }

    /// Whether element `element` spikes, for probability `value` (clipped to [0, 1]).
    @inline(__always)
    public static func spikes(stepKey: UInt64, element: Int, value: Float) -> Bool {
        let uniform = Float(mix(stepKey ^ UInt64(element)) >> 40) * 0x1p-24
        return uniform < min(max(value, 0), 1)
    }
}
