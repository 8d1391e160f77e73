import CostAnalysis
import NetworkModel
import Testing
@testable import Simulator

/// A pool route's window map (`SignalRoute.windowMap`) against the definition: for every input element, the pooled
/// positions whose window holds it, in `forEachWindowMember`'s order. Non-overlapping unpadded pools take a one-pass
/// path of their own; overlapping and padded ones the general two passes; both must give the definition's CSR.
@Suite struct PoolWindowMapTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let input: [Int]
        let kernel: [Int]
        let stride: [Int]
        let padding: [Int]
        var testDescription: String { "input \(input), kernel \(kernel), stride \(stride), padding \(padding)" }
    }

    static let cases = [
        Case(input: [3, 4, 4], kernel: [2, 2], stride: [2, 2], padding: [0, 0]),
        Case(input: [2, 5, 7], kernel: [2, 2], stride: [2, 2], padding: [0, 0]),  // floor: the last row and column in no window
        Case(input: [2, 6, 9], kernel: [3, 3], stride: [3, 3], padding: [0, 0]),
        Case(input: [1, 6, 8], kernel: [2, 4], stride: [2, 4], padding: [0, 0]),
        Case(input: [2, 5, 5], kernel: [2, 2], stride: [1, 1], padding: [0, 0]),  // overlapping
        Case(input: [2, 5, 6], kernel: [2, 2], stride: [2, 2], padding: [1, 1]),  // padded
        Case(input: [1, 7, 7], kernel: [3, 3], stride: [2, 2], padding: [1, 1]),
    ]

    @Test("the same CSR as the windows' definition", arguments: cases)
    func matchesDefinition(testCase: Case) {
        let pool = PoolingParameters(kernelSize: testCase.kernel, stride: testCase.stride, padding: testCase.padding)
        let output = [testCase.input[0]] + pool.outputSpatialShape(inputSpatialShape: Array(testCase.input.dropFirst()))
        var lists = [[Int32]](repeating: [], count: testCase.input.reduce(1, *))
        SpikeRouting.forEachWindowMember(pool, inputShape: testCase.input, outputShape: output) { input, window in
            lists[input].append(Int32(window))
        }
        var expectedStarts: [Int32] = [0]
        for list in lists { expectedStarts.append(expectedStarts.last! + Int32(list.count)) }
        let map = SignalRoute.windowMap(pool, inputShape: testCase.input, outputShape: output)
        #expect(map.starts == expectedStarts)
        #expect(map.windows == lists.flatMap { $0 })
        #expect(!map.windows.isEmpty)
    }
}
