import Tensors

/// Gradient descent with optional heavy-ball momentum, in PyTorch's form:
/// b ← μ·b + g;  p ← p − lr·b  (with μ = 0: p ← p − lr·g).
///
/// State: `momentum_buffer` (b), when μ ≠ 0.
public struct StochasticGradientDescent: StepRule {
    public let learningRate: Double
    public let momentum: Double

    public init(learningRate: Double, momentum: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public func step(_ value: Tensor, gradient: Tensor, state: inout ParameterState) -> Tensor {
        checkGradient(value, gradient, rule: "SGD")
        return value.dtype == .float32
            ? step(value, gradient, &state, Float.self) : step(value, gradient, &state, Double.self)
    }

    private func step<S: TensorScalar>(_ value: Tensor, _ gradient: Tensor, _ state: inout ParameterState,
                                       _: S.Type) -> Tensor {
        let (lr, mu) = (S(learningRate), S(momentum))
        return withElements(value, gradient, &state, momentum == 0 ? [] : ["momentum_buffer"], as: S.self,
                            initial: { _ in Tensor.zeros(like: value) }) { p, g, state, count in
            if state.isEmpty {
                for i in 0..<count { p[i] -= lr * g[i] }
            } else {
                let b = state[0]
                for i in 0..<count {
                    b[i] = mu * b[i] + g[i]
                    p[i] -= lr * b[i]
                }
            }
        }
    }

    public var stateNames: [String] { momentum == 0 ? [] : ["momentum_buffer"] }

    public func validate(_ state: ParameterState, for value: Tensor) throws(StepRuleStateError) {
        try validate(state, for: value, rule: "SGD")
    }
}
