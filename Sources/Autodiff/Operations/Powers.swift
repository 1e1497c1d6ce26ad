import Tensors

/// x²: ∂ = 2·seed ⊙ x.
struct Square: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [seed * inputs[0] * 2]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]! * inputs[0] * 2
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]! * (inputs[0].value * 2)
    }
}

/// √x: ∂ = seed / (2√x).
struct SquareRoot: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [seed / output * 0.5]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]! / output * 0.5
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]! * (0.5 / output)
    }
}

/// |x|: ∂ = seed ⊙ sign(x) (0 at 0).
struct AbsoluteValue: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [seed * Variable(inputs[0].value.sign())]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]! * Variable(inputs[0].value.sign())
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]! * inputs[0].value.sign()
    }
}

extension Variable {
    public func squared() -> Variable { .recording(value.squared(), Square(), self) }
    public func squareRoot() -> Variable { .recording(value.squareRoot(), SquareRoot(), self) }
    public func abs() -> Variable { .recording(value.abs(), AbsoluteValue(), self) }
}
