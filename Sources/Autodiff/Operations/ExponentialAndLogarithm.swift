import Tensors

/// eˣ: ∂ = seed ⊙ eˣ (the output).
struct Exponential: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [seed * output]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]! * output
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]! * output
    }
}

/// log x: ∂ = seed / x.
struct Logarithm: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [seed / inputs[0]]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]! / inputs[0]
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]! / inputs[0].value
    }
}

extension Variable {
    public func exp() -> Variable { .recording(value.exp(), Exponential(), self) }
    public func log() -> Variable { .recording(value.log(), Logarithm(), self) }
}
