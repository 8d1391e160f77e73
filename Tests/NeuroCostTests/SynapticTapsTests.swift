import CostAnalysis
import NetworkModel
import Testing

/// `SynapticTaps.perInputElement` against its definition, counted output by output: the synaptic operations a spike
/// at an input element causes are the (output element, non-zero weight) pairs it reaches. Weights with every value
/// non-zero take a short way (the counts follow from the channel counts) and weights with a zero take the walk over
/// the weights; both must give the definition's counts.
@Suite struct SynapticTapsTests {
    /// Weights with no zero (every fifth negative), or with zeros at every `zeroEvery`-th weight.
    static func weights(_ count: Int, zeroEvery: Int?) -> [Float] {
        (0..<count).map { index in
            if let zeroEvery, index % zeroEvery == 0 { return 0 }
            return Float(index % 17 + 1) * (index % 5 == 0 ? -0.25 : 0.5)
        }
    }

    @Test(arguments: [nil, 7, 1_000])
    func convolutionTapsFollowTheDefinition(zeroEvery: Int?) throws {
        // 6 input channels in 2 groups, 4 output channels, 3×2 kernel, stride (2, 1), padding 1, dilation (1, 2).
        let (channels, height, width, outChannels, groups) = (6, 7, 9, 4, 2)
        let (kh, kw, stride, dilation, pad) = (3, 2, [2, 1], [1, 2], 1)
        let perGroupIn = channels / groups, perGroupOut = outChannels / groups
        let values = Self.weights(outChannels * perGroupIn * kh * kw, zeroEvery: zeroEvery)
        let weight = try ParameterTensor(shape: [outChannels, perGroupIn, kh, kw], float32: values)
        #expect((weight.nonZeroCount == weight.count) == (zeroEvery == nil))
        let conv = ConvolutionParameters(weight: weight, bias: nil, stride: stride, padding: .explicit([pad, pad]),
                                         dilation: dilation, groups: groups, declaredInputSpatialShape: nil)
        let outHeight = (height + 2 * pad - dilation[0] * (kh - 1) - 1) / stride[0] + 1
        let outWidth = (width + 2 * pad - dilation[1] * (kw - 1) - 1) / stride[1] + 1
        var expected = [Int](repeating: 0, count: channels * height * width)
        for out in 0..<outChannels {
            let group = out / perGroupOut
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    for local in 0..<perGroupIn {
                        for dy in 0..<kh {
                            for dx in 0..<kw {
                                let y = oy * stride[0] - pad + dy * dilation[0], x = ox * stride[1] - pad + dx * dilation[1]
                                guard (0..<height).contains(y), (0..<width).contains(x),
                                      values[((out * perGroupIn + local) * kh + dy) * kw + dx] != 0 else { continue }
                                expected[((group * perGroupIn + local) * height + y) * width + x] += 1
                            }
                        }
                    }
                }
            }
        }
        let node = Node(name: "conv", kind: .convolution(conv))
        let taps = SynapticTaps.perInputElement(of: node, inputShape: [channels, height, width],
                                                outputShape: [outChannels, outHeight, outWidth])
        #expect(taps == expected)
    }

    @Test(arguments: [nil, 3, 1_000])
    func affineTapsAreEachColumnsNonZeros(zeroEvery: Int?) throws {
        let (rows, columns) = (5, 700)
        let values = Self.weights(rows * columns, zeroEvery: zeroEvery)
        let node = Node(name: "fc", kind: .affine(weight: try ParameterTensor(shape: [rows, columns], float32: values),
                                                  bias: try ParameterTensor(shape: [rows], float32: Array(repeating: 0, count: rows))))
        let expected = (0..<columns).map { column in (0..<rows).filter { values[$0 * columns + column] != 0 }.count }
        #expect(SynapticTaps.perInputElement(of: node, inputShape: [columns], outputShape: [rows]) == expected)
    }
}
