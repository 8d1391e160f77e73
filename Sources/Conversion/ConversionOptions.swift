/// How IF thresholds are calibrated.
public enum CalibrationMethod: String, Sendable, CaseIterable {
    /// One pass of the ANN view (IF as ReLU) over the calibration data; each IF's threshold is a percentile of
    /// its positive input currents, and the threshold is folded into the weights of the layer the IF feeds,
    /// so that spikes of amplitude 1 carry the ANN's activations (data-based normalisation).
    case dataBased = "data-based"
    /// Layer by layer on the partially converted SNN, over several steps, thresholds in the SNN's own current
    /// units and no weights changed (the reference paper's method).
    case sequential
}

/// Choices of a conversion.
public struct ConversionOptions: Sendable {
    public var method: CalibrationMethod
    /// Percentile of the positive input currents (100 = the maximum, max-norm).
    public var percentile: Double
    /// Multiplies every threshold (the reference paper uses 0.3 before fine-tuning).
    public var scale: Double
    /// Steps per calibration sample in the sequential method.
    public var calibrationSteps: Int
    public var threads: Int?

    public init(method: CalibrationMethod = .dataBased, percentile: Double = 99.9, scale: Double = 1,
                calibrationSteps: Int = 32, threads: Int? = nil) {
        self.method = method
        self.percentile = percentile
        self.scale = scale
        self.calibrationSteps = calibrationSteps
        self.threads = threads
    }
}
