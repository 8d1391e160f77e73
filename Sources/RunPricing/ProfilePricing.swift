import CoreMapping
import EnergyLedger
import HardwareProfiles

/// Why a profile cannot price a run, kept beside the others' reports (one profile's gap never stops the rest).
public struct PricingFailure: Error, Sendable, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// One profile's pricing of a run.
public struct ProfilePricing: Sendable {
    /// Unique among the profiles priced together, and the name of its `/energy` group: the profile's name, and
    /// `name-2`, `name-3` … for other profiles that carry the same name (a copied and edited profile file).
    public let key: String
    public let profile: HardwareProfile
    /// The energy, or why the profile cannot price the run.
    public let outcome: Result<EnergyReport, PricingFailure>
    /// The core mapping behind the router hops (neuromorphic profiles with cores).
    public let mapping: MappingReport?

    public init(key: String, profile: HardwareProfile, outcome: Result<EnergyReport, PricingFailure>, mapping: MappingReport?) {
        self.key = key
        self.profile = profile
        self.outcome = outcome
        self.mapping = mapping
    }

    /// The report, when the profile could price the run.
    public var report: EnergyReport? { try? outcome.get() }
}

/// Profiles with unique keys: the same profile (same name and file) given twice is kept once; different profiles
/// with one name get `-2`, `-3` … in the order given.
public enum ProfileKeys {
    public static func unique(_ profiles: [HardwareProfile]) -> [(key: String, profile: HardwareProfile)] {
        var result: [(key: String, profile: HardwareProfile)] = []
        for profile in profiles {
            if result.contains(where: { $0.profile.name == profile.name && $0.profile.file == profile.file }) { continue }
            var key = profile.name
            var suffix = 2
            while result.contains(where: { $0.key == key }) {
                key = "\(profile.name)-\(suffix)"
                suffix += 1
            }
            result.append((key, profile))
        }
        return result
    }
}
