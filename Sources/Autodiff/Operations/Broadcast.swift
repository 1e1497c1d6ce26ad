import Tensors

/// Repetition along broadcast axes: ∂ = seed summed back to the input's shape.
struct BroadcastTo: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [seed.summed(toShape: inputs[0].shape)]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]!.broadcast(to: output.shape)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]!.blockBroadcast(to: output.shape)
    }
}

/// The sum over broadcast axes (the adjoint of broadcasting): ∂ = seed broadcast back.
struct SumToShape: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [seed.broadcast(to: inputs[0].shape)]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]!.summed(toShape: output.shape)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]!.blockSummed(to: output.shape)
    }
}

extension Variable {
    /// This variable repeated along broadcast axes to `shape`.
    public func broadcast(to shape: [Int]) -> Variable {
        if shape == self.shape { return self }
        return .recording(value.broadcast(to: shape), BroadcastTo(), self)
    }

    /// The sum over the axes along which a tensor of `shape` was broadcast to this shape.
    public func summed(toShape shape: [Int]) -> Variable {
        if shape == self.shape { return self }
        return .recording(value.summed(toShape: shape), SumToShape(), self)
    }
}
