import Autodiff

/// Layers applied in order; parameters are named by position (`"0.weight"`, `"2.bias"`), as in
/// PyTorch's `nn.Sequential`.
public final class Sequential: Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        layers.reduce(input) { $1($0) }
    }

    public var namedParameters: [NamedParameter] {
        layers.enumerated().flatMap { $0.element.namedParameters(prefix: "\($0.offset)") }
    }

    public var namedBuffers: [NamedBuffer] {
        layers.enumerated().flatMap { $0.element.namedBuffers(prefix: "\($0.offset)") }
    }

    public var sublayers: [any Layer] { layers }
}
