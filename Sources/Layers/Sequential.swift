import Autodiff

/// Layers applied in order; parameters are named by position (`"0.weight"`, `"2.bias"`), as in
/// PyTorch's `nn.Sequential`.
public final class Sequential: Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) {
        self.layers = layers
    }

    /// The layers applied in order; a ``Linear`` followed by a rectifying ``Activation`` runs as
    /// one fused layer (one kernel, the same numbers).
    public func callAsFunction(_ input: Variable) -> Variable {
        var output = input
        var index = layers.startIndex
        while index < layers.endIndex {
            if index + 1 < layers.endIndex, let linear = layers[index] as? Linear, let activation = layers[index + 1] as? Activation,
               let fused = linear(output, then: activation) {
                output = fused
                index += 2
            } else {
                output = layers[index](output)
                index += 1
            }
        }
        return output
    }

    public var namedParameters: [NamedParameter] {
        layers.enumerated().flatMap { $0.element.namedParameters(prefix: "\($0.offset)") }
    }

    public var namedBuffers: [NamedBuffer] {
        layers.enumerated().flatMap { $0.element.namedBuffers(prefix: "\($0.offset)") }
    }

    public var sublayers: [any Layer] { layers }
}
