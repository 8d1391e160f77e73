/// A problem with a sample data file: which file, which dataset, what was expected.
public struct SampleDataError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let dataset: String?
    public let message: String

    public init(file: String, dataset: String? = nil, _ message: String) {
        self.file = file
        self.dataset = dataset
        self.message = message
    }

    public var description: String {
        [file, dataset.map { "dataset '\($0)'" }, message].compactMap { $0 }.joined(separator: ": ")
    }
}
