import Tensors

/// y = x·Wᵀ + b (a fully connected layer, W [out, in]): ∂x = seed·W, ∂W = seedᵀ·x,
/// ∂b = Σ_rows seed. One node instead of a product, a broadcast and a sum.
struct AffineMap: GateFusingOperation {
    func fusesGate(intoGradientOf index: Int) -> Bool { index == 0 }

    func gradients(seed: Variable, seedIsGated: Bool, inputs: OperationInputs, output: Variable, wanted: InputMask,
                   gating: [SeedGate?]) -> [Variable?] {
        let (x, weight) = (inputs[0], inputs[1])
        return [wanted[0] ? seed.matmul(weight, gate: gating[0]) : nil,
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
        tangentBlock(of: inputs, tangents: tangents, output: output, gatedBy: nil)
    }

    /// The block rule followed by `gate` (its reference of the output's shape): in the product's
    /// stores when the block is that of x or of W alone, as a pass after the sum otherwise.
    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor, gatedBy gate: SeedGate?) -> Tensor {
        let (x, weight) = (inputs[0].value, inputs[1].value)
        let products = [tangents[0].map { ($0, weight) }, tangents[1].map { (x, $0) }].compactMap { $0 }
        if let gate, products.count == 1, tangents[2] == nil {
            return products[0].0.matmul(products[0].1, transposingOther: true, gatedBy: gate.reference,
                                        negativeSlope: gate.slope)
        }
        let terms = products.map { $0.matmul($1, transposingOther: true) } + [tangents[2].map { $0.blockAligned(toRank: 2) }].compactMap { $0 }
        var block = terms.dropFirst().reduce(terms[0], +).blockBroadcast(to: output.shape)
        if let gate { block.gate(by: gate.reference, negativeSlope: gate.slope) }
        return block
    }
}

/// y = ρ(x·Wᵀ + b) for a rectifier ρ (ReLU, or leaky ReLU with slope ≥ 0) in one kernel: the
/// ``AffineMap``'s rules behind the rectifier's gate. The gate is taken where y > 0, which for
/// these rectifiers is exactly where x·Wᵀ + b > 0, so the pre-activation is never stored.
struct RectifiedAffineMap: GateFusingOperation {
    /// The rectifier's slope for negative values (0 for ReLU).
    let slope: Double

    func seedGate(inputs: OperationInputs, output: Tensor) -> SeedGate? { SeedGate(reference: output, slope: slope) }

    func fusesGate(intoGradientOf index: Int) -> Bool { index == 0 }

    func gradients(seed: Variable, seedIsGated: Bool, inputs: OperationInputs, output: Variable, wanted: InputMask,
                   gating: [SeedGate?]) -> [Variable?] {
        AffineMap().gradients(seed: gatedSeed(seed, isGated: seedIsGated, inputs: inputs, output: output), seedIsGated: true,
                              inputs: inputs, output: output, wanted: wanted, gating: gating)
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        AffineMap().tangent(of: inputs, tangents: tangents, output: output).gated(by: output.value, negativeSlope: slope)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        AffineMap().tangentBlock(of: inputs, tangents: tangents, output: output,
                                 gatedBy: SeedGate(reference: output, slope: slope))
    }
}

extension Variable {
    /// x·Wᵀ + b for a batch x [n, in], weight [out, in] and bias [out].
    public func linear(weight: Variable, bias: Variable) -> Variable {
        .recording(value.linear(weight: weight.value, bias: bias.value), AffineMap(), self, weight, bias)
    }

    /// relu(x·Wᵀ + b) (`negativeSlope` 0) or leakyReLU(x·Wᵀ + b) in one node and one kernel: the
    /// same numbers as ``linear(weight:bias:)`` followed by ``relu()`` or
    /// ``leakyReLU(slope:)``, without the two passes over memory between them.
    public func rectifiedLinear(weight: Variable, bias: Variable, negativeSlope: Double = 0) -> Variable {
        precondition(negativeSlope >= 0, "rectifiedLinear: the negative slope \(negativeSlope) is below 0")
        let rectifier: UnaryFunction = negativeSlope == 0 ? .relu : .leakyReLU(slope: negativeSlope)
        return .recording(value.linear(weight: weight.value, bias: bias.value, activation: rectifier),
                          RectifiedAffineMap(slope: negativeSlope), self, weight, bias)
    }
}
