import NetworkModel

/// For a node that a spike can stop at, how many synaptic operations one spike arriving at each element
/// of its input causes there: the non-zero weights it meets, with convolution borders, stride, padding,
/// dilation and groups taken exactly.
public enum SynapticTaps {
    /// Per input element (row-major over the node's input shape); nil for nodes a spike passes through (routing).
    public static func perInputElement(of node: Node, inputShape: [Int], outputShape: [Int]) -> [Int]? {
        let inputCount = inputShape.reduce(1, *)
        switch node.kind {
        case .affine(let weight, _), .linear(let weight):
            return nonZerosPerColumn(weight)
        case .convolution(let conv):
            return convolutionTaps(conv, inputShape: inputShape, outputShape: outputShape)
        case .scale(let scale):
            guard let map = try? BroadcastIndexMap(from: scale.shape, to: inputShape) else {
                // Same element count in another layout: elementwise in flat order.
                return (0..<inputCount).map { scale.value(at: $0) != 0 ? 1 : 0 }
            }
            return (0..<inputCount).map { scale.value(at: map.sourceIndex(of: $0)) != 0 ? 1 : 0 }
        case .neuron, .threshold:
            // An unweighted edge into a population is one accumulation per spike (an identity synapse).
            return Array(repeating: 1, count: inputCount)
        case .output, .input:
            // Readout accumulation is not a synaptic operation.
            return Array(repeating: 0, count: inputCount)
        case .flatten, .delay, .sumPool2d, .avgPool2d:
            return nil
        }
    }

    /// Non-zero weights in each column of an (out, in) matrix: the fan-out of input `j`.
    public static func nonZerosPerColumn(_ weight: ParameterTensor) -> [Int] {
        let rows = weight.shape[0]
        let columns = weight.shape[1]
        var counts = [Int](repeating: 0, count: columns)
        guard rows > 0, columns > 0 else { return counts }
        // Every weight non-zero (a dense network's usually are): each column has `rows`, no weight need be read.
        if weight.nonZeroCount == weight.count, weight.count == rows * columns {
            return [Int](repeating: rows, count: columns)
        }
        weight.forEachNonZero { index, _ in counts[index % columns] += 1 }
        return counts
    }

    /// Per input position `(c, spatial…)`: Σ over kernel taps whose output position exists of the number of
    /// output channels (in c's group) with a non-zero weight at that tap.
    /// Whether a tap lands inside the output depends on each spatial axis separately, which keeps this cheap.
    static func convolutionTaps(_ conv: ConvolutionParameters, inputShape: [Int], outputShape: [Int]) -> [Int] {
        let channels = inputShape[0]
        let spatial = Array(inputShape.dropFirst())
        let outSpatial = Array(outputShape.dropFirst())
        let kernel = conv.kernelShape
        let tapsPerChannel = kernel.reduce(1, *)
        let perGroupIn = conv.inputChannelsPerGroup
        let perGroupOut = conv.outputChannelsPerGroup

        // nonZeroOutputs[c][tap]: output channels of c's group with a non-zero weight at this tap.
        var nonZeroOutputs = [Int](repeating: 0, count: channels * tapsPerChannel)
        // Weight index ((outChannel · perGroupIn + local) · taps + tap). A dense weight: one output channel's weights
        // are a row whose non-zero flags add to its group's counts, a loop the compiler vectorises (a per-weight index
        // walk was a visible part of a dense VGG-16's start-up).
        let weightsPerOutputChannel = perGroupIn * tapsPerChannel
        if conv.weight.nonZeroCount == conv.weight.count, perGroupOut > 0,
           conv.weight.count == conv.outputChannels * weightsPerOutputChannel {
            // Every weight non-zero (a dense network's usually are): each output channel adds one at every entry of
            // its group's row, so the counts follow from the channel counts without reading the weights (the walk
            // below read all 61 MB of a dense VGG-16 again).
            var outChannel = 0
            while outChannel < conv.outputChannels {
                let inGroup = min(perGroupOut - outChannel % perGroupOut, conv.outputChannels - outChannel)
                let target = (outChannel / perGroupOut) * weightsPerOutputChannel
                for index in 0..<weightsPerOutputChannel { nonZeroOutputs[target + index] += inGroup }
                outChannel += inGroup
            }
        } else if conv.weight.keepsNonZeroList {
            // A pruned weight: its non-zeros are listed, and reading the dense array would touch every page of it.
            conv.weight.forEachNonZero { index, _ in
                let outChannel = index / weightsPerOutputChannel
                nonZeroOutputs[(outChannel / perGroupOut) * weightsPerOutputChannel + index % weightsPerOutputChannel] += 1
            }
        } else {
            nonZeroOutputs.withUnsafeMutableBufferPointer { counts in
                func addRows<Value: BinaryFloatingPoint>(_ weights: UnsafeBufferPointer<Value>) {
                    for outChannel in 0..<conv.outputChannels {
                        let row = weights.baseAddress! + outChannel &* weightsPerOutputChannel
                        let target = counts.baseAddress! + (outChannel / perGroupOut) &* weightsPerOutputChannel
                        for index in 0..<weightsPerOutputChannel { target[index] &+= row[index] != 0 ? 1 : 0 }
                    }
                }
                switch conv.weight.storage {
                case .float32(let values): values.withUnsafeBufferPointer { addRows($0) }
                case .float64(let values): values.withUnsafeBufferPointer { addRows($0) }
                }
            }
        }

        // lands[axis][position * k + tapOffset]: does this tap read from this position for some output?
        let pads = conv.paddingPerAxis(inputSpatialShape: spatial)
        let lands: [[Bool]] = (0..<spatial.count).map { axis in
            var result = [Bool](repeating: false, count: spatial[axis] * kernel[axis])
            for position in 0..<spatial[axis] {
                for offset in 0..<kernel[axis] {
                    let numerator = position + pads[axis].before - offset * conv.dilation[axis]
                    if numerator >= 0, numerator % conv.stride[axis] == 0, numerator / conv.stride[axis] < outSpatial[axis] {
                        result[position * kernel[axis] + offset] = true
                    }
                }
            }
            return result
        }

        let positions = spatial.reduce(1, *)
        var taps = [Int](repeating: 0, count: channels * positions)
        if spatial.count == 1 {
            let length = spatial[0], k = kernel[0]
            for channel in 0..<channels {
                for x in 0..<length {
                    var sum = 0
                    for offset in 0..<k where lands[0][x * k + offset] { sum += nonZeroOutputs[channel * k + offset] }
                    taps[channel * length + x] = sum
                }
            }
        } else {
            // Landing is separable: per input row, the kernel rows that land are summed once into one count per
            // kernel column, and each position of the row adds the columns that land (a third of the work of
            // summing every tap at every position, which planning pays for each convolution several times).
            let height = spatial[0], width = spatial[1], kh = kernel[0], kw = kernel[1]
            var columnCounts = [Int](repeating: 0, count: kw)
            // Positions of a row whose kernel columns land alike get the same sum: one class per landing pattern
            // (three for a padded 3×3: both edges and the interior), summed once per row, so a position costs a
            // lookup rather than a walk over the kernel's width.
            var classColumns: [[Int]] = []
            var classOf = [Int](repeating: 0, count: width)
            var classOfPattern: [[Bool]: Int] = [:]
            for x in 0..<width {
                let pattern = Array(lands[1][(x * kw)..<((x + 1) * kw)])
                if let known = classOfPattern[pattern] {
                    classOf[x] = known
                } else {
                    classOf[x] = classColumns.count
                    classOfPattern[pattern] = classColumns.count
                    classColumns.append((0..<kw).filter { pattern[$0] })
                }
            }
            var classSums = [Int](repeating: 0, count: classColumns.count)
            for channel in 0..<channels {
                for y in 0..<height {
                    for dx in 0..<kw { columnCounts[dx] = 0 }
                    for dy in 0..<kh where lands[0][y * kh + dy] {
                        let row = (channel * kh + dy) * kw
                        for dx in 0..<kw { columnCounts[dx] += nonZeroOutputs[row + dx] }
                    }
                    for (index, columns) in classColumns.enumerated() {
                        var sum = 0
                        for dx in columns { sum += columnCounts[dx] }
                        classSums[index] = sum
                    }
                    let rowStart = (channel * height + y) * width
                    for x in 0..<width { taps[rowStart + x] = classSums[classOf[x]] }
                }
            }
        }
        return taps
    }
}
