import ArgumentParser
import Foundation
import NeuroCost

/// Checks on a data file before a run, against the network that will read it (rules in docs/input-validation.md):
/// NaN or infinite values and integer-typed images are refused; labels outside the readout's classes and values
/// outside the range the network was calibrated on are warned about.
struct DataCheckOptions: ParsableArguments {
    @Flag(name: .customLong("allow-integer-images"),
          help: "Run on integer-typed images (e.g. raw uint8 pixels) as they are, instead of refusing them.")
    var allowIntegerImages = false

    /// The metadata key under which `convert` records the range of its calibration data.
    static let calibrationRangeKey = "neurocost_calibration_input_range"

    func check(_ dataset: SampleDataset, range: Range<Int>, plan: SimulationPlan, encoding: InputEncoding) throws {
        if dataset.samplesName == "images", dataset.hasIntegerSamples, !allowIntegerImages {
            throw CommandFailure("\(dataset.path): dataset 'images' holds integers (\(dataset.sampleElementType)), likely raw pixels never scaled to the range the network expects; scale them, or pass --allow-integer-images to run on them as they are")
        }
        let statistics = try dataset.statistics(range)
        if statistics.nonFiniteCount > 0 {
            throw CommandFailure("\(dataset.path): dataset '\(dataset.samplesName)' holds \(statistics.nonFiniteCount) NaN or infinite value(s), the first in sample \(statistics.firstNonFiniteSample ?? 0)")
        }
        if let labels = dataset.labels {
            let classes = ShapeArithmetic.elementCount(plan.network.outputShapes[plan.readoutNode]) ?? 0
            let outside = labels[range].filter { $0 < 0 || $0 >= classes }
            if !outside.isEmpty {
                Diagnostics.warn("\(dataset.path): dataset 'labels': \(outside.count) label(s) are negative or not below the readout's \(classes) classes (e.g. \(outside[0])); those samples can never be predicted right")
            }
        }
        if case .floats(let bounds)? = plan.network.metadata[Self.calibrationRangeKey], bounds.count == 2,
           let low = statistics.minimum, let high = statistics.maximum {
            let calibrated = (bounds.value(at: 0), bounds.value(at: 1))
            let slack = 0.01 * max(calibrated.1 - calibrated.0, 1e-12)
            if Double(low) < calibrated.0 - slack || Double(high) > calibrated.1 + slack {
                Diagnostics.warn("\(dataset.path): dataset '\(dataset.samplesName)' spans [\(low), \(high)], outside the range [\(calibrated.0), \(calibrated.1)] the network was calibrated on; its thresholds may not fit these inputs")
            }
        }
    }
}
