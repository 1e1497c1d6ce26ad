import Tensors

/// A first-order update rule: how a parameter moves given its gradient (descent direction is
/// −gradient). Rules with state (momentum, running averages) keep one state per *slot*, a
/// parameter's position in the list the caller updates, so one rule can serve many parameters.
public protocol StepRule: AnyObject {
    /// The parameter in `slot` after one step with `gradient`.
    func updated(_ value: Tensor, gradient: Tensor, slot: Int) -> Tensor

    /// The state of `slot`, named as PyTorch's optimizer state dict names it
    /// (`"square_avg"`, `"exp_avg"`, …); empty for a stateless rule or an unused slot.
    func state(ofSlot slot: Int) -> [String: Tensor]

    /// Restores the state of `slot` saved by ``state(ofSlot:)``.
    func restoreState(_ state: [String: Tensor], ofSlot slot: Int) throws(StepRuleStateError)
}

/// A saved state that does not fit the rule.
public struct StepRuleStateError: Error, CustomStringConvertible {
    public let description: String
}

/// Runs `body` on the state, value and gradient of one parameter as raw `S` pointers.
@inline(__always)
func withElements<S: TensorScalar>(
    _ value: Tensor, _ gradient: Tensor, _ states: [Tensor], as type: S.Type,
    _ body: (UnsafeMutablePointer<S>, UnsafePointer<S>, [UnsafeMutablePointer<S>], Int) -> Void
) -> (Tensor, [Tensor]) {
    var updated = value
    var states = states
    let statePointers = states.indices.map { index in
        states[index].withUnsafeMutableBufferPointer(as: S.self) { $0.baseAddress! }
    }
    updated.withUnsafeMutableBufferPointer(as: S.self) { parameter in
        gradient.withUnsafeBufferPointer(as: S.self) { gradient in
            body(parameter.baseAddress!, gradient.baseAddress!, statePointers, value.count)
        }
    }
    return (updated, states)
}

/// Checks the gradient against the value it updates.
func checkGradient(_ value: Tensor, _ gradient: Tensor, rule: String) {
    guard value.shape == gradient.shape, value.dtype == gradient.dtype else {
        ShapeError(op: rule, detail: "gradient of shape \(gradient.shape) (\(gradient.dtype)) for parameter of shape \(value.shape) (\(value.dtype))").stop()
    }
}
