import Tensors

/// A new shape for the same elements: ∂ = seed reshaped back.
struct Reshape: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [seed.reshaped(inputs[0].shape)]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]!.reshaped(output.shape)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]!.blockReshaped(output.shape)
    }
}

/// Axes rearranged by `axes`: ∂ = seed rearranged by the inverse permutation.
struct Permutation: DifferentiableOperation {
    let axes: [Int]

    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        var inverse = axes
        for (position, axis) in axes.enumerated() { inverse[axis] = position }
        return [seed.permuted(inverse)]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        tangents[0]!.permuted(axes)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangents[0]!.permuted([0] + axes.map { $0 + 1 })
    }
}

extension Variable {
    /// The same elements with a new shape (one extent may be −1).
    public func reshaped(_ newShape: [Int]) -> Variable {
        .recording(value.reshaped(newShape), Reshape(), self)
    }

    /// The axes rearranged: axis `i` of the result is axis `axes[i]` of `self`.
    public func permuted(_ axes: [Int]) -> Variable {
        .recording(value.permuted(axes), Permutation(axes: axes), self)
    }

    /// The last two axes swapped.
    public func transposed() -> Variable {
        permuted(Array(0..<rank - 2) + [rank - 1, rank - 2])
    }
}
