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
