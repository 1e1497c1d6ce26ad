import Tensors

/// C = op(A)·op(B) with op = transpose where flagged. With A′ = op(A), B′ = op(B):
/// ∂A′ = seed·B′ᵀ and ∂B′ = A′ᵀ·seed, transposed back where the operand was transposed —
/// each is again one matrix product with transposition flags, so no transpose is materialised.
struct MatrixProduct: GateFusingOperation {
    let transposeA: Bool
    let transposeB: Bool

    func fusesGate(intoGradientOf index: Int) -> Bool { true }

    func gradients(seed: Variable, seedIsGated: Bool, inputs: OperationInputs, output: Variable, wanted: InputMask,
                   gating: [SeedGate?]) -> [Variable?] {
        let (a, b) = (inputs[0], inputs[1])
        var gradientA: Variable?
        var gradientB: Variable?
        if wanted[0] {
            gradientA = transposeA
                ? b.matmul(seed, transposingSelf: transposeB, transposingOther: true, gate: gating[0])
                : seed.matmul(b, transposingOther: !transposeB, gate: gating[0])
        }
        if wanted[1] {
            gradientB = transposeB
                ? seed.matmul(a, transposingSelf: true, transposingOther: transposeA, gate: gating[1])
                : a.matmul(seed, transposingSelf: !transposeA, gate: gating[1])
        }
        return [gradientA, gradientB]
    }

    /// ∂C = op(∂A)·op(B) + op(A)·op(∂B).
    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        sum(tangents[0].map { $0.matmul(inputs[1], transposingSelf: transposeA, transposingOther: transposeB) },
            tangents[1].map { inputs[0].matmul($0, transposingSelf: transposeA, transposingOther: transposeB) })
    }

    /// For matrices, each term is one product of a block (a batch of matrices) with the other,
    /// shared, operand; products of batches fall back to the member-by-member rule.
    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        tangentBlock(of: inputs, tangents: tangents, output: output, gatedBy: nil)
    }

    /// The block rule followed by `gate` (its reference of one member's shape): in the product's
    /// stores when only one operand has a block, as a pass after the sum otherwise.
    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor, gatedBy gate: SeedGate?) -> Tensor {
        let (a, b) = (inputs[0].value, inputs[1].value)
        let terms = a.rank == 2 && b.rank == 2 ? [tangents[0].map { ($0, b) }, tangents[1].map { (a, $0) }].compactMap { $0 } : []
        if let gate, terms.count == 1 {
            return terms[0].0.matmul(terms[0].1, transposingSelf: transposeA, transposingOther: transposeB,
                                     gatedBy: gate.reference, negativeSlope: gate.slope)
        }
        let products = terms.map { $0.matmul($1, transposingSelf: transposeA, transposingOther: transposeB) }
        var block = products.first.map { products.dropFirst().reduce($0, +) }
            ?? memberwiseTangentBlock(of: inputs, tangents: tangents, output: output)
        if let gate { block.gate(by: gate.reference, negativeSlope: gate.slope) }
        return block
    }
}

extension Variable {
    /// The matrix product `op(self)·op(other)`; see `Tensor.matmul`. A batch `[n, m, k]` times a
    /// shared matrix `[k, p]` is computed as one `[n·m, k]·[k, p]` product.
    public func matmul(_ other: Variable, transposingSelf: Bool = false, transposingOther: Bool = false) -> Variable {
        if rank == 3 && other.rank == 2 && !transposingSelf {
            let flat = reshaped([shape[0] * shape[1], shape[2]])
            let product = flat.matmul(other, transposingOther: transposingOther)
            return product.reshaped([shape[0], shape[1], product.shape[1]])
        }
        if rank == 2 && other.rank == 3 {
            ShapeError(op: "matmul", detail: "a differentiable product of a matrix \(shape) and a batch \(other.shape) is not supported; broadcast the matrix to a batch first").stop()
        }
        let value = self.value.matmul(other.value, transposingSelf: transposingSelf, transposingOther: transposingOther)
        return Variable.recording(value, MatrixProduct(transposeA: transposingSelf, transposeB: transposingOther),
                                  self, other)
    }
}
