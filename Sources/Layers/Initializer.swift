import Tensors

/// How a layer's weights are drawn.
public enum Initializer: String, Sendable, CaseIterable {
    /// Glorot & Bengio (2010): U(−a, a) with a = √(6 / (fan_in + fan_out)); biases zero.
    /// TF-slim's default, used by the reference implementation.
    case xavierUniform
    /// PyTorch's `nn.Linear` default: weights and biases U(−1/√fan_in, 1/√fan_in).
    case pytorchDefault

    /// A weight of shape [fanOut, fanIn, …] (receptive field extents multiply both fans).
    public func weight(_ shape: [Int], dtype: DType = .float32, using generator: inout RandomGenerator) -> Tensor {
        let receptive = shape.dropFirst(2).reduce(1, *)
        let (fanOut, fanIn) = (shape[0] * receptive, shape[1] * receptive)
        let bound: Double
        switch self {
        case .xavierUniform: bound = (6 / Double(fanIn + fanOut)).squareRoot()
        case .pytorchDefault: bound = 1 / Double(fanIn).squareRoot()
        }
        return Tensor.uniform(shape, low: -bound, high: bound, dtype: dtype, using: &generator)
    }

    /// A bias of `count` elements for a layer with `fanIn` inputs.
    public func bias(_ count: Int, fanIn: Int, dtype: DType = .float32,
                     using generator: inout RandomGenerator) -> Tensor {
        switch self {
        case .xavierUniform: return Tensor.zeros([count], dtype: dtype)
        case .pytorchDefault:
            let bound = 1 / Double(fanIn).squareRoot()
            return Tensor.uniform([count], low: -bound, high: bound, dtype: dtype, using: &generator)
        }
    }
}
