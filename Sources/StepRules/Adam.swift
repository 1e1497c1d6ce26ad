import Tensors

/// Adam (Kingma & Ba 2015) with bias correction:
/// m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  p ← p − lr·m̂ / (√v̂ + ε),
/// m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), t counted per parameter.
public final class Adam: StepRule {
    public let learningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    private var moments: [Int: (first: Tensor, second: Tensor, step: Int)] = [:]

    public init(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public func updated(_ value: Tensor, gradient: Tensor, slot: Int) -> Tensor {
        checkGradient(value, gradient, rule: "Adam")
        let previous = moments[slot] ?? (Tensor.zeros(like: value), Tensor.zeros(like: value), 0)
        let step = previous.step + 1
        let (result, state) = value.dtype == .float32
            ? update(value, gradient, [previous.first, previous.second], step, Float.self)
            : update(value, gradient, [previous.first, previous.second], step, Double.self)
        moments[slot] = (state[0], state[1], step)
        return result
    }

    private func update<S: TensorScalar>(_ value: Tensor, _ gradient: Tensor, _ state: [Tensor], _ step: Int,
                                         _: S.Type) -> (Tensor, [Tensor]) {
        let (b1, b2, eps) = (S(beta1), S(beta2), S(epsilon))
        let correction1 = 1 - Double.pow(beta1, Double(step))
        let correction2 = 1 - Double.pow(beta2, Double(step))
        let stepSize = S(learningRate / correction1)
        let rootCorrection2 = S(correction2.squareRoot())
        return withElements(value, gradient, state, as: S.self) { p, g, state, count in
            let (m, v) = (state[0], state[1])
            for i in 0..<count {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * (g[i] * g[i])
                p[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
            }
        }
    }

    public func state(ofSlot slot: Int) -> [String: Tensor] {
        guard let moment = moments[slot] else { return [:] }
        return ["exp_avg": moment.first, "exp_avg_sq": moment.second,
                "step": Tensor.scalar(Double(moment.step), dtype: .float64)]
    }

    public func restoreState(_ state: [String: Tensor], ofSlot slot: Int) throws(StepRuleStateError) {
        guard !state.isEmpty else {
            moments[slot] = nil
            return
        }
        guard let first = state["exp_avg"], let second = state["exp_avg_sq"], let step = state["step"],
              first.shape == second.shape, step.count == 1 else {
            throw StepRuleStateError(description: "Adam state needs exp_avg, exp_avg_sq and step of matching shapes")
        }
        moments[slot] = (first, second, Int(step.item))
    }
}
