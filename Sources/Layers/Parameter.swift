import Autodiff
import Synchronization
import Tensors

/// A trainable tensor owned by a layer.
///
/// `variable` is a differentiable leaf holding `value`; a forward pass reads it, so the gradient
/// of a loss with respect to the parameter is `gradients(of: loss, wrt: [parameter.variable])`.
/// Assigning `value` (as a step rule does) makes a fresh leaf.
public final class Parameter {
    public var value: Tensor {
        get { stored }
        set {
            stored = newValue
            leaf.withLock { $0 = nil }
        }
    }

    private var stored: Tensor
    /// Made on first use and dropped when `value` changes; behind a lock because forward passes
    /// on several threads may share a network whose values never change (the bundled scorer).
    private let leaf = Mutex<Variable?>(nil)

    /// Makes `value` hold `source`'s elements, in its own buffer when nothing else shares it
    /// (``Tensors/Tensor/assignElements(of:)``; through `value`'s setter the buffer would be
    /// shared with the copy the setter is given).
    public func assignElements(of source: Tensor) {
        leaf.withLock { $0 = nil }
        stored.assignElements(of: source)
    }

    /// The leaf the forward pass uses: the same one until `value` is assigned, made when first
    /// asked for (so values no forward pass reads, a replayed step's, cost no graph node and
    /// leave `value` the only holder of its buffer).
    public var variable: Variable {
        leaf.withLock { leaf in
            if let leaf { return leaf }
            let made = Variable(differentiable: stored)
            leaf = made
            return made
        }
    }

    public init(_ value: Tensor) {
        stored = value
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

/// State of a layer that is not trained — batch normalization's running statistics (PyTorch's
/// buffers): saved in checkpoints and restored with them, but not part of any gradient, of a
/// game's vector field or of its Jacobian.
public final class Buffer {
    public var value: Tensor
    /// Whether the buffer counts something (PyTorch's `num_batches_tracked`): files store it as
    /// a 64-bit integer, as PyTorch does.
    public let isCount: Bool

    public init(_ value: Tensor, isCount: Bool = false) {
        self.value = value
        self.isCount = isCount
    }
}

/// A buffer with its dotted name in the module tree (PyTorch's `named_buffers()`).
public struct NamedBuffer {
    public let name: String
    public let buffer: Buffer

    public init(name: String, buffer: Buffer) {
        self.name = name
        self.buffer = buffer
    }
}

/// Whether layers that behave differently in training (batch normalization) use the batch's
/// statistics or their running averages.
public enum LayerMode: Sendable, Equatable {
    /// Batch statistics; running averages are updated when `updatesStatistics`.
    case training(updatesStatistics: Bool)
    /// Running averages, as at inference.
    case evaluation
}

/// A layer whose output depends on a ``LayerMode``.
public protocol ModeDependent: AnyObject {
    var mode: LayerMode { get set }
}

/// A piece of a network: a differentiable function with named parameters, and perhaps buffers
/// and sublayers.
public protocol Layer: AnyObject {
    /// The layer applied to a batch.
    func callAsFunction(_ input: Variable) -> Variable

    /// The layer's parameters, named as PyTorch names them (`"layers.0.weight"`).
    var namedParameters: [NamedParameter] { get }

    /// The layer's buffers, named as PyTorch names them (`"layers.1.running_mean"`).
    var namedBuffers: [NamedBuffer] { get }

    /// The layers this one is made of (for setting a mode throughout a network).
    var sublayers: [any Layer] { get }
}

extension Layer {
    /// No buffers by default.
    public var namedBuffers: [NamedBuffer] { [] }

    /// No sublayers by default.
    public var sublayers: [any Layer] { [] }

    /// Sets `mode` on this layer and every layer it contains.
    public func setMode(_ mode: LayerMode) {
        (self as? ModeDependent)?.mode = mode
        for layer in sublayers { layer.setMode(mode) }
    }

    /// The buffers' names with `prefix.` in front.
    public func namedBuffers(prefix: String) -> [NamedBuffer] {
        namedBuffers.map { NamedBuffer(name: prefix.isEmpty ? $0.name : "\(prefix).\($0.name)", buffer: $0.buffer) }
    }

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
