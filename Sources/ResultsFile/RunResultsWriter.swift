import EnergyLedger
import HardwareProfiles
import Simulator

/// Writes a finished run in one go (see `RunResultsFile` for writing while a run goes on).
public enum RunResultsWriter {
    /// The results file layout version.
    public static var schemaVersion: String { RunResultsFile.schemaVersion }

    /// Writes `result` to `path`. An existing file is replaced only when `overwrite` is true.
    public static func write(_ result: RunResult, plan: SimulationPlan, provenance: RunProvenance, to path: String, overwrite: Bool,
                             energy: [(EnergyReport, HardwareProfile)] = [], conventions: [ConventionReport] = [],
                             conventionEnergies: [ConventionEnergy] = []) throws {
        let file = try RunResultsFile(path: path, overwrite: overwrite, plan: plan, provenance: provenance,
                                      sampleOffset: result.sampleRange.lowerBound, plannedSamples: result.counts.sampleCount)
        defer { file.close() }
        try file.finish(result, energy: energy, conventions: conventions, conventionEnergies: conventionEnergies)
        try file.commit()
    }
}
