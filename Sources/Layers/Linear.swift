import Autodiff
import Tensors

/// y = x·Wᵀ + b, with W of shape [out, in] as in PyTorch's `nn.Linear` (b absent before a batch
/// normalization, as in TF-slim).
public final class Linear: Layer {
    public let weight: Parameter
    public let bias: Parameter?

    public init(inputSize: Int, outputSize: Int, bias: Bool = true, initializer: Initializer = .xavierUniform,
                dtype: DType = .float32, using generator: inout RandomGenerator) {
        weight = Parameter(initializer.weight([outputSize, inputSize], dtype: dtype, using: &generator))
        self.bias = bias ? Parameter(initializer.bias(outputSize, fanIn: inputSize, dtype: dtype, using: &generator)) : nil
    }

    public var inputSize: Int { weight.shape[1] }
    public var outputSize: Int { weight.shape[0] }

    public func callAsFunction(_ input: Variable) -> Variable {
        guard let bias else { return input.matmul(weight.variable, transposingOther: true) }
        return input.linear(weight: weight.variable, bias: bias.variable)
    }

    /// `activation`(x·Wᵀ + b) in one kernel when `activation` is a rectifier it can fuse and the
    /// layer has a bias (the same numbers as the two layers one after the other); nil otherwise.
    func callAsFunction(_ input: Variable, then activation: Activation) -> Variable? {
        guard let bias, let slope = activation.fusableNegativeSlope else { return nil }
        return input.rectifiedLinear(weight: weight.variable, bias: bias.variable, negativeSlope: slope)
    }

    public var namedParameters: [NamedParameter] {
        [NamedParameter(name: "weight", parameter: weight)] + (bias.map { [NamedParameter(name: "bias", parameter: $0)] } ?? [])
    }
}
