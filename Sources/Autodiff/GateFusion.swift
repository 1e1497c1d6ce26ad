import Tensors

/// A gate a gradient rule applies to its seed first: the seed where `reference` > 0, `slope`
/// times it elsewhere (a rectifier's derivative, ``Variable/gated(by:negativeSlope:)``).
public struct SeedGate {
    public let reference: Tensor
    public let slope: Double
}

/// An operation taking part in gate fusion in reverse mode. A rectifier's gradient rule gates
/// its seed, which the operation it feeds has just computed as a matrix product (`seed·W` of the
/// next layer): one pass over memory to write the product and one more to gate it. When such a
/// seed has that single contribution, ``gradients(of:wrt:seeds:createGraph:)`` asks the consumer
/// to gate the gradient it computes for that input as its product kernel stores it
/// (``Tensor/matmul(_:transposingSelf:transposingOther:gatedBy:negativeSlope:)``), and then hands
/// the rectifier's rule a seed already gated. The operations are the same, in the same order, so
/// the gradients are the same bits; only a pass over memory is saved per layer.
public protocol GateFusingOperation: DifferentiableOperation {
    /// The gate this operation's rule applies to its seed, if any.
    func seedGate(inputs: OperationInputs, output: Tensor) -> SeedGate?

    /// The input gradients, as ``DifferentiableOperation/gradients(seed:inputs:output:wanted:)``
    /// gives them, for a seed that already went through ``seedGate(inputs:output:)`` when
    /// `seedIsGated`, and with the gradient of input i gated by `gating[i]` where that is not nil
    /// (only where ``fusesGate(intoGradientOf:)``).
    func gradients(seed: Variable, seedIsGated: Bool, inputs: OperationInputs, output: Variable, wanted: InputMask,
                   gating: [SeedGate?]) -> [Variable?]

    /// Whether the gradient of input `index` is a product that can be gated as it is stored.
    func fusesGate(intoGradientOf index: Int) -> Bool
}

extension GateFusingOperation {
    public var gateFusing: (any GateFusingOperation)? { self }

    public func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        gradients(seed: seed, seedIsGated: false, inputs: inputs, output: output, wanted: wanted,
                  gating: Array(repeating: nil, count: inputs.count))
    }

    public func seedGate(inputs: OperationInputs, output: Tensor) -> SeedGate? { nil }

    public func fusesGate(intoGradientOf index: Int) -> Bool { false }

    /// The seed after this operation's own gate (unchanged when it has none or already went
    /// through it).
    func gatedSeed(_ seed: Variable, isGated: Bool, inputs: OperationInputs, output: Variable) -> Variable {
        guard !isGated, let gate = seedGate(inputs: inputs, output: output.value) else { return seed }
        return seed.gated(by: gate.reference, negativeSlope: gate.slope)
    }
}

/// C = gate(op(A)·op(B)) by a constant reference: the product with its gate applied as the
/// kernel stores it (the gradient a product passes to a rectifier). Its own rule gates its seed
/// by the same reference, then is the product's.
struct GatedProduct: GateFusingOperation {
    let product: MatrixProduct
    let gate: SeedGate

    func seedGate(inputs: OperationInputs, output: Tensor) -> SeedGate? { gate }

    func fusesGate(intoGradientOf index: Int) -> Bool { true }

    func gradients(seed: Variable, seedIsGated: Bool, inputs: OperationInputs, output: Variable, wanted: InputMask,
                   gating: [SeedGate?]) -> [Variable?] {
        product.gradients(seed: gatedSeed(seed, isGated: seedIsGated, inputs: inputs, output: output), seedIsGated: true,
                          inputs: inputs, output: output, wanted: wanted, gating: gating)
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        product.tangent(of: inputs, tangents: tangents, output: output).gated(by: gate.reference, negativeSlope: gate.slope)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        product.tangentBlock(of: inputs, tangents: tangents, output: output, gatedBy: gate)
    }
}

extension Variable {
    /// `op(self)·op(other)`, gated by `gate` (where not nil) as the product is stored: the same
    /// numbers as ``matmul(_:transposingSelf:transposingOther:)`` followed by
    /// ``gated(by:negativeSlope:)``, in one node and one kernel.
    func matmul(_ other: Variable, transposingSelf: Bool = false, transposingOther: Bool = false, gate: SeedGate?) -> Variable {
        guard let gate else { return matmul(other, transposingSelf: transposingSelf, transposingOther: transposingOther) }
        let value = self.value.matmul(other.value, transposingSelf: transposingSelf, transposingOther: transposingOther,
                                      gatedBy: gate.reference, negativeSlope: gate.slope)
        return .recording(value, GatedProduct(product: MatrixProduct(transposeA: transposingSelf, transposeB: transposingOther),
                                              gate: gate), self, other)
    }
}
