import Tensors

/// Gradient descent with optional heavy-ball momentum, in PyTorch's form:
/// b ← μ·b + g;  p ← p − lr·b  (with μ = 0: p ← p − lr·g).
public final class StochasticGradientDescent: StepRule {
    public let learningRate: Double
    public let momentum: Double
    private var buffers: [Int: Tensor] = [:]

    public init(learningRate: Double, momentum: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    public func updated(_ value: Tensor, gradient: Tensor, slot: Int) -> Tensor {
        checkGradient(value, gradient, rule: "SGD")
        let buffer = momentum == 0 ? [] : [buffers[slot] ?? Tensor.zeros(like: value)]
        let (result, state) = value.dtype == .float32
            ? step(value, gradient, buffer, Float.self) : step(value, gradient, buffer, Double.self)
        if momentum != 0 { buffers[slot] = state[0] }
        return result
    }

    private func step<S: TensorScalar>(_ value: Tensor, _ gradient: Tensor, _ buffer: [Tensor], _: S.Type)
        -> (Tensor, [Tensor]) {
        let (lr, mu) = (S(learningRate), S(momentum))
        return withElements(value, gradient, buffer, as: S.self) { p, g, state, count in
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

    public func state(ofSlot slot: Int) -> [String: Tensor] {
        buffers[slot].map { ["momentum_buffer": $0] } ?? [:]
    }

    public func restoreState(_ state: [String: Tensor], ofSlot slot: Int) throws(StepRuleStateError) {
        buffers[slot] = state["momentum_buffer"]
    }
}
