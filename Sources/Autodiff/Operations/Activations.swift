import Tensors

/// max(x, 0): ∂ = seed ⊙ 1[x > 0]. The indicator is piecewise constant, so the second
/// derivative is zero almost everywhere.
struct RectifiedLinear: DifferentiableOperation {
    func gradients(seed: Variable, inputs: [Variable], output: Variable, wanted: [Bool]) -> [Variable?] {
        [seed * Variable(inputs[0].value.positiveIndicator())]
    }
}

/// x for x > 0, slope·x otherwise: ∂ = seed ⊙ (slope + (1 − slope)·1[x > 0]).
struct LeakyRectifiedLinear: DifferentiableOperation {
    let slope: Double

    func gradients(seed: Variable, inputs: [Variable], output: Variable, wanted: [Bool]) -> [Variable?] {
        [seed * Variable(inputs[0].value.positiveIndicator() * (1 - slope) + slope)]
    }
}

/// tanh x: ∂ = seed ⊙ (1 − tanh²x).
struct HyperbolicTangent: DifferentiableOperation {
    func gradients(seed: Variable, inputs: [Variable], output: Variable, wanted: [Bool]) -> [Variable?] {
        [seed * (1 - output.squared())]
    }
}

/// σ(x) = 1/(1 + e⁻ˣ): ∂ = seed ⊙ σ(x)(1 − σ(x)).
struct Sigmoid: DifferentiableOperation {
    func gradients(seed: Variable, inputs: [Variable], output: Variable, wanted: [Bool]) -> [Variable?] {
        [seed * output * (1 - output)]
    }
}

/// softplus x = log(1 + eˣ): ∂ = seed ⊙ σ(x).
struct Softplus: DifferentiableOperation {
    func gradients(seed: Variable, inputs: [Variable], output: Variable, wanted: [Bool]) -> [Variable?] {
        [seed * inputs[0].sigmoid()]
    }
}

extension Variable {
    public func relu() -> Variable { .recording(value.relu(), RectifiedLinear(), self) }
    public func leakyReLU(slope: Double) -> Variable {
        .recording(value.leakyReLU(slope: slope), LeakyRectifiedLinear(slope: slope), self)
    }
    public func tanh() -> Variable { .recording(value.tanh(), HyperbolicTangent(), self) }
    public func sigmoid() -> Variable { .recording(value.sigmoid(), Sigmoid(), self) }
    public func softplus() -> Variable { .recording(value.softplus(), Softplus(), self) }
}
