import Tensors

/// Adam (Kingma & Ba 2015) with bias correction:
/// m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  p ← p − lr·m̂ / (√v̂ + ε),
/// m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), t counted per parameter.
///
/// State: `exp_avg` (m), `exp_avg_sq` (v) and `step` (t, one number), as PyTorch names them.
public struct Adam: StepRule {
    public let learningRate: Double
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double

    public init(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public func step(_ value: Tensor, gradient: Tensor, state: inout ParameterState) -> Tensor {
        checkGradient(value, gradient, rule: "Adam")
        let step = Int(state["step"]?.item ?? 0) + 1
        let updated = value.dtype == .float32
            ? update(value, gradient, &state, step, Float.self) : update(value, gradient, &state, step, Double.self)
        state["step"] = Tensor.scalar(Double(step), dtype: .float64)
        return updated
    }

    private func update<S: TensorScalar>(_ value: Tensor, _ gradient: Tensor, _ state: inout ParameterState, _ step: Int,
                                         _: S.Type) -> Tensor {
        let (b1, b2, eps) = (S(beta1), S(beta2), S(epsilon))
        let correction1 = 1 - Double.pow(beta1, Double(step))
        let correction2 = 1 - Double.pow(beta2, Double(step))
        let stepSize = S(learningRate / correction1)
        let rootCorrection2 = S(correction2.squareRoot())
        return withElements(value, gradient, &state, ["exp_avg", "exp_avg_sq"], as: S.self,
                            initial: { _ in Tensor.zeros(like: value) }) { p, g, state, count in
            let (m, v) = (state[0], state[1])
            for i in 0..<count {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * (g[i] * g[i])
                p[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection2 + eps)
            }
        }
    }

    public var stateNames: [String] { ["exp_avg", "exp_avg_sq", "step"] }

    public func validate(_ state: ParameterState, for value: Tensor) throws(StepRuleStateError) {
        try validate(state, for: value, scalars: ["step"], rule: "Adam")
        if let step = state["step"]?.item, !(step >= 0 && step == step.rounded() && step < 1e15) {
            throw StepRuleStateError("Adam state step must be a non-negative whole number, found \(step)")
        }
    }
}
