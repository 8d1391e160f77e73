import CoreMapping
import EnergyLedger
import HardwareProfiles

/// What one `/energy/<key>` group holds: a profile's report with the energy forms of the counting conventions under
/// it, or why the profile could not price the run.
public struct EnergyEntry: Sendable {
    /// The group's name: unique among the profiles of one file.
    public let key: String
    public let profile: HardwareProfile
    public let report: EnergyReport?
    /// Why the profile could not price the run (nil when it could).
    public let unavailable: String?
    /// The conventions' energy forms under this profile.
    public let conventions: [ConventionEnergy]
    /// The core mapping behind the figures (neuromorphic profiles), written to `/mapping/<key>`.
    public let mapping: MappingReport?

    public init(key: String, profile: HardwareProfile, report: EnergyReport, conventions: [ConventionEnergy] = [],
                mapping: MappingReport? = nil) {
        self.mapping = mapping
        self.key = key
        self.profile = profile
        self.report = report
        self.unavailable = nil
        self.conventions = conventions
    }

    public init(key: String, profile: HardwareProfile, unavailable: String) {
        self.key = key
        self.profile = profile
        self.report = nil
        self.unavailable = unavailable
        self.conventions = []
        self.mapping = nil
    }

    /// Entries keyed by profile name (callers that price distinct profiles).
    public static func byName(_ reports: [(EnergyReport, HardwareProfile)], conventions: [ConventionEnergy] = []) -> [EnergyEntry] {
        reports.map { report, profile in
            EnergyEntry(key: report.profile, profile: profile, report: report, conventions: conventions.filter { $0.profile == report.profile })
        }
    }
}
