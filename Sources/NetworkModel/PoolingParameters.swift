/// A 2-D sum or average pool over each channel (NIR `SumPool2d` / `AvgPool2d`, PyTorch floor semantics;
/// the average divides by the full window size, padding included, as `count_include_pad=True`).
public struct PoolingParameters: Sendable, Equatable {
    public var kernelSize: [Int]
    public var stride: [Int]
    public var padding: [Int]

    public init(kernelSize: [Int], stride: [Int], padding: [Int]) {
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
    }

    /// Elements in one window.
    public var windowSize: Int { kernelSize.reduce(1, *) }

    /// Output spatial shape for an input of spatial shape `(H, W)`.
    public func outputSpatialShape(inputSpatialShape: [Int]) -> [Int] {
        (0..<2).map { axis in
            let padded = inputSpatialShape[axis] + 2 * padding[axis]
            return padded < kernelSize[axis] ? 0 : (padded - kernelSize[axis]) / stride[axis] + 1
        }
    }

    func validate(node: String) throws(NetworkError) {
        for (field, values, minimum) in [("kernel_size", kernelSize, 1), ("stride", stride, 1), ("padding", padding, 0)] {
            guard values.count == 2, values.allSatisfy({ $0 >= minimum && $0 <= ShapeArithmetic.maxSetting }) else {
                throw NetworkError(node: node, field: field, "expected 2 values in \(minimum)...\(ShapeArithmetic.maxSetting), got \(values)")
            }
        }
    }
}
