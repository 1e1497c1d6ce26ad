import Tensors

/// The state a step rule keeps for one parameter: tensors under PyTorch's state names
/// (`"square_avg"`, `"exp_avg"`, `"step"`, `"momentum_buffer"`).
public typealias ParameterState = [String: Tensor]

/// A first-order update rule: how a parameter moves given its gradient (the descent direction
/// is −gradient).
///
/// A rule holds only its hyperparameters. Its state — running averages, momentum — is a value
/// the caller owns and passes in (optax's `GradientTransformation` design), so a state can be
/// copied to try a step and thrown away, saved with a checkpoint by parameter name, and
/// restored. A parameter's state starts empty; the rule fills it on the first step.
public protocol StepRule: Sendable {
    /// The step size the rule scales its updates by.
    var learningRate: Double { get }

    /// The names of the state the rule keeps for a parameter (other entries of a
    /// ``ParameterState`` belong to the game method and are left alone).
    var stateNames: [String] { get }

    /// The parameter after one step along −`gradient`, updating `state` (the parameter's).
    func step(_ value: Tensor, gradient: Tensor, state: inout ParameterState) -> Tensor

    /// Checks the rule's entries of a state read from a checkpoint against the parameter they
    /// belong to.
    func validate(_ state: ParameterState, for value: Tensor) throws(StepRuleStateError)
}

/// A saved state that does not fit the rule.
public struct StepRuleStateError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

extension StepRule {
    /// Checks that the rule's entries of `state` are all there or all absent (a parameter not
    /// stepped yet), each of the parameter's shape and dtype, and that `scalars` hold one number.
    func validate(_ state: ParameterState, for value: Tensor, scalars: [String] = [], rule: String) throws(StepRuleStateError) {
        let present = stateNames.filter { state[$0] != nil }
        guard !present.isEmpty else { return }
        guard present.count == stateNames.count else {
            throw StepRuleStateError("\(rule) state needs \(stateNames.joined(separator: ", ")), found only \(present.joined(separator: ", "))")
        }
        for name in stateNames {
            let tensor = state[name]!
            if scalars.contains(name) {
                guard tensor.count == 1 else {
                    throw StepRuleStateError("\(rule) state \(name) must hold one number, found shape \(tensor.shape)")
                }
            } else if tensor.shape != value.shape || tensor.dtype != value.dtype {
                throw StepRuleStateError("\(rule) state \(name) is \(tensor.dtype) \(tensor.shape), the parameter \(value.dtype) \(value.shape)")
            }
        }
    }
}

/// Runs `body` on the elements of a copy of `value` (to update), `gradient`, and the state
/// tensors `names` taken out of `state` (created by `initial` when absent), as raw `S` pointers;
/// puts the state back and returns the updated value. The update is one kernel of a recording
/// ``KernelTrace`` (``Tensor/elementwiseUpdate(of:reading:states:as:_:)``); a state created
/// here makes the recording unreplayable, since a replay would create it again. `body` gets the
/// same range of every array — all of it, or for a large tensor one part per core, concurrently —
/// so it must treat elements independently.
@inline(__always)
func withElements<S: TensorScalar>(
    _ value: Tensor, _ gradient: Tensor, _ state: inout ParameterState, _ names: [String], as type: S.Type,
    initial: (String) -> Tensor,
    _ body: @escaping (UnsafeMutablePointer<S>, UnsafePointer<S>, [UnsafeMutablePointer<S>], Int) -> Void
) -> Tensor {
    var tensors = names.map { name in
        state.removeValue(forKey: name) ?? {
            KernelTrace.noteUnreplayable("the step rule's state \(name) is created in this step")
            return initial(name)
        }()
    }
    let count = value.count
    // Every rule is elementwise, so a large tensor is updated in parts on all cores (the update is
    // memory-bound: 5 streams of the parameter's size; 3% of a DCGAN step on one core).
    let parts = count >= 1 << 18 ? Parallel.processorCount : 1
    let updated = Tensor.elementwiseUpdate(of: value, reading: gradient, states: &tensors, as: S.self) { parameter, gradient, states in
        guard count > 0 else { return }
        Parallel.forEach(parts) { part in
            let (start, end) = (count * part / parts, count * (part + 1) / parts)
            body(parameter + start, gradient + start, states.map { $0 + start }, end - start)
        }
    }
    for (name, tensor) in zip(names, tensors) { state[name] = tensor }
    return updated
}

/// Checks the gradient against the value it updates.
func checkGradient(_ value: Tensor, _ gradient: Tensor, rule: String) {
    guard value.shape == gradient.shape, value.dtype == gradient.dtype else {
        ShapeError(op: rule, detail: "gradient of shape \(gradient.shape) (\(gradient.dtype)) for parameter of shape \(value.shape) (\(value.dtype))").stop()
    }
}
