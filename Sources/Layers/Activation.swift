import Autodiff

/// An elementwise nonlinearity, as a layer without parameters.
public final class Activation: Layer {
    public enum Function: Equatable, Sendable {
        case relu
        case leakyReLU(slope: Double)
        case tanh
        case sigmoid
        case softplus
    }

    public let function: Function

    /// The negative slope of a rectifier that a preceding ``Linear`` can apply in its own kernel
    /// (``Autodiff/Variable/rectifiedLinear(weight:bias:negativeSlope:)``): 0 for ReLU, the
    /// slope of a leaky ReLU whose slope is positive; nil for other functions.
    var fusableNegativeSlope: Double? {
        switch function {
        case .relu: 0
        case .leakyReLU(let slope) where slope > 0: slope
        default: nil
        }
    }

    public init(_ function: Function) {
        self.function = function
    }

    public func callAsFunction(_ input: Variable) -> Variable {
        switch function {
        case .relu: return input.relu()
        case .leakyReLU(let slope): return input.leakyReLU(slope: slope)
        case .tanh: return input.tanh()
        case .sigmoid: return input.sigmoid()
        case .softplus: return input.softplus()
        }
    }

    public var namedParameters: [NamedParameter] { [] }
}
