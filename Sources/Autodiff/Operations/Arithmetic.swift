import Tensors

/// a + b, broadcasting. ∂/∂a = seed summed back to a's shape; likewise b.
struct Addition: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [wanted[0] ? seed.summed(toShape: inputs[0].shape) : nil,
         wanted[1] ? seed.summed(toShape: inputs[1].shape) : nil]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        sum(tangents[0], tangents[1]).broadcast(to: output.shape)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        sum(tangents[0]?.blockAligned(toRank: output.rank), tangents[1]?.blockAligned(toRank: output.rank))
            .blockBroadcast(to: output.shape)
    }
}

/// a − b, broadcasting.
struct Subtraction: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [wanted[0] ? seed.summed(toShape: inputs[0].shape) : nil,
         wanted[1] ? (-seed).summed(toShape: inputs[1].shape) : nil]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        sum(tangents[0], tangents[1].map { -$0 }).broadcast(to: output.shape)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        let rank = output.rank
        let difference: Tensor = switch (tangents[0], tangents[1]) {
        case let (a?, b?): a.blockAligned(toRank: rank) - b.blockAligned(toRank: rank)
        case let (a?, nil): a
        case let (nil, b?): -b
        case (nil, nil): preconditionFailure("Subtraction: both blocks are zero")
        }
        return difference.blockBroadcast(to: output.shape)
    }
}

/// a ⊙ b, broadcasting. ∂/∂a = seed ⊙ b, ∂/∂b = seed ⊙ a.
struct Multiplication: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [wanted[0] ? (seed * inputs[1]).summed(toShape: inputs[0].shape) : nil,
         wanted[1] ? (seed * inputs[0]).summed(toShape: inputs[1].shape) : nil]
    }

    /// ∂(ab) = ∂a·b + a·∂b.
    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        sum(tangents[0].map { $0 * inputs[1] }, tangents[1].map { inputs[0] * $0 }).broadcast(to: output.shape)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        let rank = output.rank
        return sum(tangents[0].map { $0.blockAligned(toRank: rank) * inputs[1].value },
                   tangents[1].map { $0.blockAligned(toRank: rank) * inputs[0].value })
            .blockBroadcast(to: output.shape)
    }
}

/// a / b, broadcasting. ∂/∂a = seed / b, ∂/∂b = −seed ⊙ a / b².
struct Division: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [wanted[0] ? (seed / inputs[1]).summed(toShape: inputs[0].shape) : nil,
         wanted[1] ? (-seed * output / inputs[1]).summed(toShape: inputs[1].shape) : nil]
    }

    /// ∂(a/b) = (∂a − (a/b)·∂b) / b.
    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        (sum(tangents[0], tangents[1].map { -output * $0 }) / inputs[1]).broadcast(to: output.shape)
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        let rank = output.rank
        return (sum(tangents[0]?.blockAligned(toRank: rank),
                    tangents[1].map { -($0.blockAligned(toRank: rank) * output) }) / inputs[1].value)
            .blockBroadcast(to: output.shape)
    }
}

/// −a.
struct Negation: DifferentiableOperation {
    func gradients(seed: Variable, inputs: OperationInputs, output: Variable, wanted: InputMask) -> [Variable?] {
        [-seed]
    }

    func tangent(of inputs: OperationInputs, tangents: [Variable?], output: Variable) -> Variable {
        -tangents[0]!
    }

    func tangentBlock(of inputs: OperationInputs, tangents: [Tensor?], output: Tensor) -> Tensor {
        -tangents[0]!
    }
}

extension Variable {
    public static func + (a: Variable, b: Variable) -> Variable {
        recording(a.value + b.value, Addition(), a, b)
    }

    public static func - (a: Variable, b: Variable) -> Variable {
        recording(a.value - b.value, Subtraction(), a, b)
    }

    public static func * (a: Variable, b: Variable) -> Variable {
        recording(a.value * b.value, Multiplication(), a, b)
    }

    public static func / (a: Variable, b: Variable) -> Variable {
        recording(a.value / b.value, Division(), a, b)
    }

    public static prefix func - (a: Variable) -> Variable {
        recording(-a.value, Negation(), a)
    }

    public static func + (a: Variable, b: Double) -> Variable { a + a.constant(b) }
    public static func - (a: Variable, b: Double) -> Variable { a - a.constant(b) }
    public static func * (a: Variable, b: Double) -> Variable { a * a.constant(b) }
    public static func / (a: Variable, b: Double) -> Variable { a * a.constant(1 / b) }
    public static func + (a: Double, b: Variable) -> Variable { b.constant(a) + b }
    public static func - (a: Double, b: Variable) -> Variable { b.constant(a) - b }
    public static func * (a: Double, b: Variable) -> Variable { b * a }
    public static func / (a: Double, b: Variable) -> Variable { b.constant(a) / b }

    /// A scalar constant of this variable's dtype.
    func constant(_ value: Double) -> Variable {
        Variable(Tensor.scalar(value, dtype: dtype))
    }
}
