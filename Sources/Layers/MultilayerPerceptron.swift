import Autodiff
import Tensors

/// A fully connected network: Linear → activation, repeated, then a final Linear (no activation).
/// Parameters are named `layers.<index>.weight` like a PyTorch module holding `self.layers =
/// nn.Sequential(...)`.
public final class MultilayerPerceptron: Layer {
    public let layers: Sequential

    /// - Parameters:
    ///   - sizes: widths from input to output, e.g. `[16, 16, 16, 16, 16, 2]` for the paper's
    ///     generator (four hidden layers of 16).
    public init(sizes: [Int], activation: Activation.Function = .relu, initializer: Initializer = .xavierUniform,
                dtype: DType = .float32, using generator: inout RandomGenerator) {
        precondition(sizes.count >= 2, "MultilayerPerceptron: need an input and an output size, got \(sizes)")
        var layers: [any Layer] = []
        for index in 0..<(sizes.count - 1) {
            layers.append(Linear(inputSize: sizes[index], outputSize: sizes[index + 1], initializer: initializer,
                                 dtype: dtype, using: &generator))
            if index < sizes.count - 2 { layers.append(Activation(activation)) }
        }
        self.layers = Sequential(layers)
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        layers(input)
    }

    public var namedParameters: [NamedParameter] {
        layers.namedParameters(prefix: "layers")
    }

    public var sublayers: [any Layer] { [layers] }
}
