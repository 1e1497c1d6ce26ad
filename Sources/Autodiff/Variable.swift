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
        node = GraphNode(operation: nil, value: value)
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
/// Up to three inputs are stored inline (no array per node); more go to `others`.
@usableFromInline
final class GraphNode {
    let operation: (any DifferentiableOperation)?
    let value: Tensor
    let inputCount: Int
    private let first: Variable?
    private let second: Variable?
    private let third: Variable?
    private let others: [Variable]

    init(operation: (any DifferentiableOperation)?, value: Tensor, first: Variable? = nil, second: Variable? = nil,
         third: Variable? = nil, others: [Variable] = []) {
        self.operation = operation
        self.value = value
        self.first = first
        self.second = second
        self.third = third
        self.others = others
        inputCount = (first == nil ? 0 : 1) + (second == nil ? 0 : 1) + (third == nil ? 0 : 1) + others.count
    }

    /// A node for an operation on any number of inputs.
    convenience init(operation: any DifferentiableOperation, value: Tensor, inputs: [Variable]) {
        self.init(operation: operation, value: value, first: inputs.first, second: inputs.count > 1 ? inputs[1] : nil,
                  third: inputs.count > 2 ? inputs[2] : nil, others: inputs.count > 3 ? Array(inputs[3...]) : [])
    }

    /// The graph node of the input at `index` (nil for a constant).
    @inline(__always)
    func inputNode(_ index: Int) -> GraphNode? {
        switch index {
        case 0: return first?.node
        case 1: return second?.node
        case 2: return third?.node
        default: return others[index - 3].node
        }
    }

    /// The input at `index`.
    @inline(__always)
    func input(_ index: Int) -> Variable {
        switch index {
        case 0: return first!
        case 1: return second!
        case 2: return third!
        default: return others[index - 3]
        }
    }
}

/// The differentiation rule of an operation.
///
/// To add an operation: write its forward computation with `Tensor` ops, a type conforming to this
/// protocol whose `gradients` is written with `Variable` ops, and a `Variable` method that calls
/// ``Variable/recording(_:_:_:)``. Nothing else in the engine changes.
public protocol DifferentiableOperation {
    /// The gradient with respect to each input, given the gradient `seed` with respect to the
    /// output (the transpose of the operation's derivative, for reverse mode). `inputs` and
    /// `output` are differentiable when a graph of the gradient is being recorded, constants
    /// otherwise. Return nil where `wanted[i]` is false.
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?]

    /// The output's tangent — the derivative applied to the inputs' tangents, for forward mode —
    /// given each input's tangent (nil where it is zero; at least one is not). Written in
    /// `Variable` ops like ``gradients(seed:inputs:output:wanted:)``, so it can be differentiated
    /// again.
    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable

    /// The tangent rule for a block of k tangents at once: each non-nil `tangents[i]` has shape
    /// [k] + input i's shape, the result [k] + `output`'s shape. Never differentiated, so it is
    /// written with `Tensor` ops. The default applies ``tangent(of:tangents:output:)`` to each
    /// member; see ``jacobianVectorProducts(of:wrt:tangents:)``.
    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor

    /// This operation as a part of gate fusion in reverse mode, or nil (the default): a
    /// requirement, so the backward pass asks each node without a dynamic cast.
    var gateFusing: (any GateFusingOperation)? { get }
}

extension DifferentiableOperation {
    public var gateFusing: (any GateFusingOperation)? { nil }
}

/// What tangent rules add: variables, and the tensors of block rules.
protocol Summable {
    static func + (a: Self, b: Self) -> Self
}

extension Variable: Summable {}
extension Tensor: Summable {}

/// a + b where either may be absent (zero); at least one is present.
func sum<Value: Summable>(_ a: Value?, _ b: Value?) -> Value {
    switch (a, b) {
    case let (a?, b?): return a + b
    case let (a?, nil): return a
    case let (nil, b?): return b
    case (nil, nil): preconditionFailure("sum: both tangents are zero")
    }
}

/// The inputs of a recorded operation as its backward rule sees them: the recorded variables when
/// a graph of the gradient is being built, the same values as constants otherwise (read without
/// copying the list).
public struct OperationInputs: RandomAccessCollection {
    let node: GraphNode
    let detached: Bool

    public var startIndex: Int { 0 }
    public var endIndex: Int { node.inputCount }

    public subscript(position: Int) -> Variable {
        detached ? node.input(position).detached : node.input(position)
    }
}

/// Which inputs of an operation need a gradient (those leading to a requested target).
public struct InputMask: Sendable {
    private let bits: UInt64

    init(_ bits: UInt64) {
        self.bits = bits
    }

    /// Every input (for operations with more than 64 inputs, which are then all differentiated).
    static let all = InputMask(.max)

    public subscript(index: Int) -> Bool {
        index >= 64 || bits & (1 << UInt64(index)) != 0
    }
}

extension Variable {
    /// `value`, the result of `operation` on `input`: recorded in the graph when the input needs a
    /// gradient, a constant otherwise.
    public static func recording(_ value: Tensor, _ operation: some DifferentiableOperation, _ input: Variable) -> Variable {
        guard input.node != nil else { return Variable(value) }
        return Variable(value: value, node: GraphNode(operation: operation, value: value, first: input))
    }

    /// `value`, the result of `operation` on two inputs; see ``recording(_:_:_:)``.
    public static func recording(_ value: Tensor, _ operation: some DifferentiableOperation, _ first: Variable,
                                 _ second: Variable) -> Variable {
        guard first.node != nil || second.node != nil else { return Variable(value) }
        return Variable(value: value, node: GraphNode(operation: operation, value: value, first: first, second: second))
    }

    /// `value`, the result of `operation` on three inputs; see ``recording(_:_:_:)``.
    public static func recording(_ value: Tensor, _ operation: some DifferentiableOperation, _ first: Variable,
                                 _ second: Variable, _ third: Variable) -> Variable {
        guard first.node != nil || second.node != nil || third.node != nil else { return Variable(value) }
        return Variable(value: value, node: GraphNode(operation: operation, value: value, first: first, second: second,
                                                      third: third))
    }

    /// `value`, the result of `operation` on the array `inputs`; see ``recording(_:_:_:)``.
    public static func recording(
        _ value: Tensor, _ operation: some DifferentiableOperation, inputs: [Variable]
    ) -> Variable {
        guard inputs.contains(where: { $0.node != nil }) else { return Variable(value) }
        return Variable(value: value, node: GraphNode(operation: operation, value: value, inputs: inputs))
    }
}
