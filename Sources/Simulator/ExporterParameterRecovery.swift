import Foundation

/// Recovers the float32 parameter a framework's forward pass uses from the value its NIR exporter wrote.
///
/// Exporters write time constants derived from the framework's own parameters in float32 (snntorch writes
/// `τ = dt / (1 − β)`, norse `τ = dt / τ⁻¹`), so the obvious inverse (`β = 1 − dt/τ`) misses the framework's value
/// by an ulp in about one case in 250 — enough to move a spike. The recovery re-runs the exporter's float32
/// arithmetic on the candidates near the obvious inverse and keeps those that write exactly the stored value.
/// Several can (the exporter's rounding loses information); people write parameters as short decimals (β = 0.9,
/// τ⁻¹ = 53.8), so the one with the shortest decimal form wins, then the one nearest the obvious inverse. Where
/// none matches (a file not written by that exporter) the obvious inverse stands.
enum ExporterParameterRecovery {
    /// How far from the obvious inverse to look, in ulps: for small β, `1 − β` keeps ~7 fewer bits than β, so
    /// about a hundred values of β write one τ.
    static let searchRadius = 512

    /// The candidate within `searchRadius` ulps of `estimate` that `export` maps to `stored` (shortest decimal form
    /// first, then nearest), else `estimate`.
    static func invert(stored: Float, estimate: Float, export: (Float) -> Float) -> Float {
        guard estimate.isFinite else { return estimate }
        var best: (value: Float, digits: Int, distance: Int)?
        var candidate = estimate
        for _ in 0..<searchRadius { candidate = candidate.nextDown }
        for distance in -searchRadius...searchRadius {
            defer { candidate = candidate.nextUp }
            guard export(candidate).bitPattern == stored.bitPattern else { continue }
            let digits = candidate.description.count
            if best == nil || digits < best!.digits || (digits == best!.digits && abs(distance) < best!.distance) {
                best = (candidate, digits, abs(distance))
            }
        }
        return best?.value ?? estimate
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
