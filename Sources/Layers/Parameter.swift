import Autodiff
import Tensors

/// A trainable tensor owned by a layer.
///
/// `variable` is a differentiable leaf holding `value`; a forward pass reads it, so the gradient
/// of a loss with respect to the parameter is `gradients(of: loss, wrt: [parameter.variable])`.
/// Assigning `value` (as a step rule does) makes a fresh leaf.
public final class Parameter {
    public var value: Tensor {
        didSet { variable = Variable(differentiable: value) }
    }

    /// The leaf the forward pass uses.
    public private(set) var variable: Variable

    public init(_ value: Tensor) {
        self.value = value
        variable = Variable(differentiable: value)
    }

    public var shape: [Int] { value.shape }
}

/// A parameter with its dotted name in the module tree (PyTorch's `named_parameters()`).
public struct NamedParameter {
    public let name: String
    public let parameter: Parameter

    public init(name: String, parameter: Parameter) {
        self.name = name
        self.parameter = parameter
    }
}

/// A piece of a network: a differentiable function with named parameters.
public protocol Layer: AnyObject {
    /// The layer applied to a batch.
    func callAsFunction(_ input: Variable) -> Variable

    /// The layer's parameters, named as PyTorch names them (`"layers.0.weight"`).
    var namedParameters: [NamedParameter] { get }
}

extension Layer {
    /// The parameters in `namedParameters` order.
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }

    /// The total number of trainable scalars.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.value.count } }

    /// The parameters' names with `prefix.` in front.
    public func namedParameters(prefix: String) -> [NamedParameter] {
        namedParameters.map { NamedParameter(name: prefix.isEmpty ? $0.name : "\(prefix).\($0.name)",
                                             parameter: $0.parameter) }
    }

    /// The layer applied to a constant batch.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        self(Variable(input)).value
    }
}
