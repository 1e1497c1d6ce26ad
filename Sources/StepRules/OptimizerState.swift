import Tensors

/// Everything an optimizer carries from one iteration to the next, by parameter name: each step
/// rule's state, and what a game method keeps (the previous direction of optimistic and past
/// extragradient methods, Lookahead's slow weights, a weight average).
///
/// A value the caller owns: copy it to try a step and throw the copy away, save it with a
/// checkpoint, restore it. In files it is flat, `<parameter name>.<state name>` →
/// tensor (`generator.layers.0.weight.square_avg`), which is how PyTorch users find it.
public struct OptimizerState: Sendable {
    /// Parameter name → state name → tensor.
    public var parameters: [String: ParameterState]

    /// An empty state (nothing stepped yet).
    public init() {
        parameters = [:]
    }

    /// The state of the parameter called `name` (empty if it has none yet).
    public subscript(name: String) -> ParameterState {
        get { parameters[name] ?? [:] }
        set { parameters[name] = newValue.isEmpty ? nil : newValue }
    }

    /// `<parameter name>.<state name>` → tensor.
    public var flattened: [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (parameter, state) in parameters {
            for (name, tensor) in state { result[parameter + "." + name] = tensor }
        }
        return result
    }

    /// The state written as ``flattened``, split at each key's last dot (state names have none).
    public init(flattened: [String: Tensor]) throws(StepRuleStateError) {
        parameters = [:]
        for (key, tensor) in flattened {
            guard let dot = key.lastIndex(of: "."), dot != key.startIndex, key.index(after: dot) != key.endIndex else {
                throw StepRuleStateError("'\(key)' is not of the form <parameter>.<state>")
            }
            parameters[String(key[..<dot]), default: [:]][String(key[key.index(after: dot)...])] = tensor
        }
    }
}
