import Foundation

/// The vocabulary of a constant's `evidence` field: a basis, optionally followed by a verification tag in
/// parentheses, e.g. `measured (SEC)` or `derived`.
public enum EvidenceGrade {
    /// What a figure rests on: measured on silicon, pre-silicon simulation, arithmetic on published numbers,
    /// a number a peer tool ships, or an estimate.
    public static let bases = ["measured", "simulated", "derived", "peer-tool", "estimated"]

    /// How well the figure was checked (the research note's legend): read from a tool's source (SRC), matches the
    /// primary paper (PRI), seen only in a secondary transcription (SEC), or found in no supporting text (UNV).
    public static let verificationTags = ["SRC", "PRI", "SEC", "UNV"]

    /// Splits `"simulated (SEC)"` into its basis and tag; `nil` when the text does not follow the vocabulary.
    public static func parse(_ text: String) -> (basis: String, verification: String?)? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if bases.contains(trimmed) { return (trimmed, nil) }
        guard trimmed.hasSuffix(")"), let open = trimmed.firstIndex(of: "(") else { return nil }
        let basis = trimmed[..<open].trimmingCharacters(in: .whitespaces)
        let tag = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
            .trimmingCharacters(in: .whitespaces)
        guard bases.contains(basis), verificationTags.contains(tag) else { return nil }
        return (basis, tag)
    }
}
