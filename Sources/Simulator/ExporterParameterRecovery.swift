import Foundation

/// Recovers the float32 parameter a framework's forward pass uses from the value its NIR exporter wrote.
///
/// Exporters write time constants derived from the framework's own parameters in float32 (snntorch writes
/// `τ = dt / (1 − β)`, norse `τ = dt / τ⁻¹`), so the obvious inverse (`β = 1 − dt/τ`) misses the framework's value
/// by an ulp in about one case in 250 — enough to move a spike. The recovery below re-runs the exporter's float32
/// arithmetic on the candidates nearest the obvious inverse and keeps the nearest one that writes exactly the
/// stored value; where none does (a file not written by that exporter) it keeps the obvious inverse.
enum ExporterParameterRecovery {
    /// The float32 value nearest `estimate` (within 16 ulps) that `export` maps to `stored`, else `estimate`.
    static func invert(stored: Float, estimate: Float, export: (Float) -> Float) -> Float {
        guard estimate.isFinite else { return estimate }
        if export(estimate).bitPattern == stored.bitPattern { return estimate }
        var below = estimate, above = estimate
        for _ in 0..<16 {
            below = below.nextDown
            above = above.nextUp
            if export(below).bitPattern == stored.bitPattern { return below }
            if export(above).bitPattern == stored.bitPattern { return above }
        }
        return estimate
    }

    /// snntorch's decay factor (β of `Leaky`, α of `Synaptic`) from the time constant its exporter wrote,
    /// `τ = dt / (1 − β)` in float32 (numpy). `τ = ∞` is snntorch's β = 1.
    static func snntorchDecay(timeConstant tau: Double, dt: Double) -> Float {
        guard tau.isFinite else { return 1 }
        let step = Float(dt)
        return invert(stored: Float(tau), estimate: Float(1 - dt / tau)) { beta in step / (1 - beta) }
    }

    /// norse's τ⁻¹ (`tau_mem_inv`, `tau_syn_inv`) from the time constant its exporter wrote, `dt / τ⁻¹` in torch
    /// float32, which torch evaluates as `(1 / τ⁻¹) · dt`.
    static func norseInverseTimeConstant(timeConstant tau: Double, dt: Double) -> Float {
        let step = Float(dt)
        return invert(stored: Float(tau), estimate: Float(dt / tau)) { inverse in (1 / inverse) * step }
    }

    /// sinabs's decay factor `exp(−dt/τ)`, as sinabs computes it: `−dt/τ` in float32, then the exponential rounded
    /// to float32 (torch's float32 exponential agrees with the correctly rounded one on the time constants checked in
    /// `docs/frameworks.md`; elsewhere it may differ by an ulp).
    static func sinabsDecay(timeConstant tau: Double, dt: Double) -> Float {
        guard tau.isFinite else { return 1 }
        let exponent = -Float(dt) / Float(tau)
        return Float(Foundation.exp(Double(exponent)))
    }

    /// Whether an exporter's derived gain (`r = τ/dt` from snntorch, `w_in = τ_syn/dt`, `r = 1/dt` from SpikingJelly)
    /// stands for a unit input gain: equal to the expected ratio up to the float32 rounding of both numbers.
    static func isUnitGain(_ gain: Double) -> Bool {
        abs(gain - 1) <= 1e-5
    }
}
