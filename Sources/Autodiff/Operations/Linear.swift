import Tensors

/// y = x·Wᵀ + b (a fully connected layer, W [out, in]): ∂x = seed·W, ∂W = seedᵀ·x,
/// ∂b = Σ_rows seed. One node instead of a product, a broadcast and a sum.
struct AffineMap: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        let (x, weight) = (inputs[0], inputs[1])
        return [wanted[0] ? seed.matmul(weight) : nil,
                wanted[1] ? seed.matmul(x, transposingSelf: true) : nil,
                wanted[2] ? seed.sum(alongAxes: [0]) : nil]
    }

    /// ∂y = ∂x·Wᵀ + x·∂Wᵀ + ∂b.
    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        let (x, weight) = (inputs[0], inputs[1])
        return sum(sum(tangents[0].map { $0.matmul(weight, transposingOther: true) },
                       tangents[1].map { x.matmul($0, transposingOther: true) }),
                   tangents[2]).broadcast(to: output.shape)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        let (x, weight) = (inputs[0].value, inputs[1].value)
        let terms = [tangents[0].map { $0.matmul(weight, transposingOther: true) },
                     tangents[1].map { x.matmul($0, transposingOther: true) },
                     tangents[2].map { $0.blockAligned(toRank: 2) }].compactMap { $0 }
        return terms.dropFirst().reduce(terms[0], +).blockBroadcast(to: output.shape)
    }
}

extension Variable {
    /// x·Wᵀ + b for a batch x [n, in], weight [out, in] and bias [out].
    public func linear(weight: Variable, bias: Variable) -> Variable {
        .recording(value.linear(weight: weight.value, bias: bias.value), AffineMap(), self, weight, bias)
    }
}
