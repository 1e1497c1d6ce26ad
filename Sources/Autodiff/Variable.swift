import Tensors

/// A tensor taking part in a differentiable computation.
///
/// A `Variable` is a constant (no graph), a *leaf* whose gradient can be asked for (made with
/// ``init(differentiable:)``), or the result of an operation on variables at least one of which
/// needs a gradient; such results remember the operation and its inputs in a `GraphNode`.
/// The graph is a DAG pointing from results to inputs, so it is freed as soon as the last
/// variable referring to it goes away.
///
/// Gradients are taken with ``gradients(of:wrt:seed:createGraph:)``. Every backward rule is
/// written with `Variable` operations, so with `createGraph: true` the gradients are themselves
/// differentiable: Hessian-vector products, gradients of gradient norms and Jacobians follow.
public struct Variable: @unchecked Sendable {
    /// The current value.
    public let value: Tensor
    @usableFromInline let node: GraphNode?

    /// A constant: no gradient flows into it.
    public init(_ value: Tensor) {
        self.value = value
        node = nil
    }

    /// A leaf whose gradient can be taken.
    public init(differentiable value: Tensor) {
        self.value = value
        node = GraphNode(operation: nil, inputs: [], value: value)
    }

    init(value: Tensor, node: GraphNode?) {
        self.value = value
        self.node = node
    }

    /// Whether gradients can flow into this variable.
    public var requiresGradient: Bool { node != nil }

    /// The same value as a constant, cut from the graph.
    public var detached: Variable { Variable(value) }

    public var shape: [Int] { value.shape }
    public var dtype: DType { value.dtype }
    public var rank: Int { value.rank }
    public var count: Int { value.count }
}

/// One recorded operation: the rule that differentiates it and the variables it was applied to.
@usableFromInline
final class GraphNode {
    let operation: (any DifferentiableOperation)?
    let inputs: [Variable]
    let value: Tensor

    init(operation: (any DifferentiableOperation)?, inputs: [Variable], value: Tensor) {
        self.operation = operation
        self.inputs = inputs
        self.value = value
    }
}

/// The differentiation rule of an operation.
///
/// To add an operation: write its forward computation with `Tensor` ops, a type conforming to this
/// protocol whose `gradients` is written with `Variable` ops, and a `Variable` method that calls
/// ``Variable/recording(_:_:_:)``. Nothing else in the engine changes.
public protocol DifferentiableOperation {
    /// The gradient with respect to each input, given the gradient `seed` with respect to the
    /// output. `inputs` and `output` are differentiable when a graph of the gradient is being
    /// recorded, constants otherwise. Return nil where `wanted[i]` is false.
    func gradients(seed: Variable, inputs: [Variable], output: Variable, wanted: [Bool]) -> [Variable?]
}

extension Variable {
    /// `value`, the result of `operation` on `inputs`: recorded in the graph when some input needs
    /// a gradient, a constant otherwise.
    public static func recording(
        _ value: Tensor, _ operation: some DifferentiableOperation, _ inputs: Variable...
    ) -> Variable {
        recording(value, operation, inputs: inputs)
    }

    /// `value`, the result of `operation` on the array `inputs`; see ``recording(_:_:_:)``.
    public static func recording(
        _ value: Tensor, _ operation: some DifferentiableOperation, inputs: [Variable]
    ) -> Variable {
        guard inputs.contains(where: { $0.node != nil }) else { return Variable(value) }
        return Variable(value: value, node: GraphNode(operation: operation, inputs: inputs, value: value))
    }
}
