import Tensors

/// x for x > 0, slope·x otherwise (slope 0: ReLU): ∂ = seed where x > 0, slope·seed elsewhere.
/// The gate is piecewise constant in x, so the second derivative is zero almost everywhere.
struct LeakyRectifiedLinear: InPlaceTangentBlock, GateFusingOperation {
    let slope: Double

    func seedGate(inputs: OperationInputs, output: Tensor) -> SeedGate? { SeedGate(reference: inputs[0].value, slope: slope) }

    func gradients(seed: Variable, seedIsGated: Bool, inputs: OperationInputs, output: Variable, wanted: InputMask,
                   gating: [SeedGate?]) -> [Variable?] {
        [gatedSeed(seed, isGated: seedIsGated, inputs: inputs, output: output)]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]!.gated(by: inputs[0].value, negativeSlope: slope)
    }

    func updateTangentBlock(_ block: inout Tensor, of inputs: OperationInputs) {
        block.gate(by: inputs[0].value, negativeSlope: slope)
    }
}

/// seed where a fixed reference is positive, slope·seed elsewhere: linear in seed, so its
/// gradient is the same gate.
struct Gate: InPlaceTangentBlock, GateFusingOperation {
    let reference: Tensor
    let slope: Double

    func seedGate(inputs: OperationInputs, output: Tensor) -> SeedGate? { SeedGate(reference: reference, slope: slope) }

    func gradients(seed: Variable, seedIsGated: Bool, inputs: OperationInputs, output: Variable, wanted: InputMask,
                   gating: [SeedGate?]) -> [Variable?] {
        [gatedSeed(seed, isGated: seedIsGated, inputs: inputs, output: output)]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]!.gated(by: reference, negativeSlope: slope)
    }

    func updateTangentBlock(_ block: inout Tensor, of inputs: OperationInputs) {
        block.gate(by: reference, negativeSlope: slope)
    }
}

/// tanh x: ∂ = seed ⊙ (1 − tanh²x).
struct HyperbolicTangent: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [seed * (1 - output.squared())]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]! * (1 - output.squared())
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]! * (1 - output.squared())
    }
}

/// σ(x) = 1/(1 + e⁻ˣ): ∂ = seed ⊙ σ(x)(1 − σ(x)).
struct Sigmoid: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [seed * output * (1 - output)]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]! * output * (1 - output)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]! * (output * (1 - output))
    }
}

/// softplus x = log(1 + eˣ): ∂ = seed ⊙ σ(x).
struct Softplus: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [seed * inputs[0].sigmoid()]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]! * inputs[0].sigmoid()
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]! * inputs[0].value.sigmoid()
    }
}

extension Variable {
    public func relu() -> Variable { .recording(value.relu(), LeakyRectifiedLinear(slope: 0), self) }
    public func leakyReLU(slope: Double) -> Variable {
        .recording(value.leakyReLU(slope: slope), LeakyRectifiedLinear(slope: slope), self)
    }
    public func tanh() -> Variable { .recording(value.tanh(), HyperbolicTangent(), self) }
    public func sigmoid() -> Variable { .recording(value.sigmoid(), Sigmoid(), self) }
    public func softplus() -> Variable { .recording(value.softplus(), Softplus(), self) }

    /// `self` where `reference > 0`, `slope·self` elsewhere, with `reference` held constant.
    public func gated(by reference: Tensor, negativeSlope slope: Double = 0) -> Variable {
        .recording(value.gated(by: reference, negativeSlope: slope), Gate(reference: reference, slope: slope), self)
    }
}
