extension Tensor {
    /// The matrix product `op(self) · op(other)`, where `op` transposes the last two axes when
    /// asked (no copy is made: the kernel reads the operand transposed).
    ///
    /// Rank-2 operands give an m×n matrix. Rank-3 operands `[batch, m, k]·[batch, k, n]` are
    /// multiplied batch by batch; a rank-2 operand beside a rank-3 one is shared by every batch.
    public func matmul(_ other: Tensor, transposingSelf: Bool = false, transposingOther: Bool = false) -> Tensor {
        product(other, transposingSelf: transposingSelf, transposingOther: transposingOther)
    }

    /// The product gated by `reference`: `op(self)·op(other)` where `reference` > 0 and
    /// `negativeSlope` times it elsewhere, as ``gated(by:negativeSlope:)`` of the product computes
    /// it (the same bits) but in the product's own stores where the kernel allows — a backward
    /// pass's `seed·W` through a rectifier, without a pass over memory for the gate. For a batch,
    /// `reference` may have one member's shape and then gates every member.
    public func matmul(_ other: Tensor, transposingSelf: Bool = false, transposingOther: Bool = false,
                       gatedBy reference: Tensor, negativeSlope: Double = 0) -> Tensor {
        product(other, transposingSelf: transposingSelf, transposingOther: transposingOther, gate: reference,
                gateSlope: negativeSlope)
    }

    /// ``matmul(_:transposingSelf:transposingOther:)`` finished by adding `bias` to every row of
    /// each product (its last axis), applying `rectifier` (ReLU or leaky ReLU), then gating by
    /// `gate` (of the result's shape) with `gateSlope`, in the product's own stores where the
    /// kernel allows (``ProductEpilogue``).
    func product(_ other: Tensor, transposingSelf: Bool = false, transposingOther: Bool = false, bias: Tensor? = nil,
                 rectifier: UnaryFunction? = nil, gate: Tensor? = nil, gateSlope: Double = 0) -> Tensor {
        let op = "matmul"
        guard dtype == other.dtype else {
            ShapeError(op: op, detail: "shapes \(shape) and \(other.shape) hold \(dtype) and \(other.dtype)").stop()
        }
        guard (rank == 2 || rank == 3) && (other.rank == 2 || other.rank == 3) else {
            ShapeError(op: op, detail: "shapes \(shape) and \(other.shape) are not matrices or batches of matrices").stop()
        }
        let batch = rank == 3 ? shape[0] : other.rank == 3 ? other.shape[0] : 1
        let (rowsA, columnsA) = (shape[rank - 2], shape[rank - 1])
        let (rowsB, columnsB) = (other.shape[other.rank - 2], other.shape[other.rank - 1])
        let (m, k) = transposingSelf ? (columnsA, rowsA) : (rowsA, columnsA)
        let (kB, n) = transposingOther ? (columnsB, rowsB) : (rowsB, columnsB)
        guard k == kB, other.rank == 2 || other.shape[0] == batch else {
            let flags = "\(transposingSelf ? "ᵀ" : "")·\(transposingOther ? "ᵀ" : "")"
            ShapeError(op: op, detail: "shapes \(shape) and \(other.shape) do not fit (\(flags))").stop()
        }
        let strideA = rank == 3 ? m * k : 0
        let strideB = other.rank == 3 ? rowsB * columnsB : 0
        let resultShape = rank == 3 || other.rank == 3 ? [batch, m, n] : [m, n]
        if let bias, bias.shape != [n] || bias.dtype != dtype {
            ShapeError(op: op, detail: "bias \(bias.shape) (\(bias.dtype)) does not fit a product of \(n) columns (\(dtype))").stop()
        }
        // A gate of one member's shape gates every member of a batch, as `gated(by:)` would.
        let sharedGate = gate.map { resultShape.count == 3 && $0.shape == [m, n] } ?? false
        if let gate, !(sharedGate || gate.shape == resultShape) || gate.dtype != dtype {
            ShapeError(op: "gated", detail: "shapes \(resultShape) and \(gate.shape) differ").stop()
        }
        func fill(_ result: Tensor) {
            switch self.dtype {
            case .float32:
                multiplyBatches(self, other, result, batch: batch, m: m, n: n, k: k, strideA: strideA, strideB: strideB,
                                transposeA: transposingSelf, transposeB: transposingOther, sharedGate: sharedGate,
                                epilogue: ProductEpilogue(bias: bias?.pointer(as: Float.self), rectifier: rectifier,
                                                          gate: gate?.pointer(as: Float.self), gateStride: n, gateSlope: Float(gateSlope)))
            case .float64:
                multiplyBatches(self, other, result, batch: batch, m: m, n: n, k: k, strideA: strideA, strideB: strideB,
                                transposeA: transposingSelf, transposeB: transposingOther, sharedGate: sharedGate,
                                epilogue: ProductEpilogue(bias: bias?.pointer(as: Double.self), rectifier: rectifier,
                                                          gate: gate?.pointer(as: Double.self), gateStride: n, gateSlope: gateSlope))
            }
        }
        return Tensor.computed(resultShape, dtype: dtype, fill, replaying: fill, reading: [self, other] + [bias, gate].compactMap { $0 })
    }
}

private func multiplyBatches<S: TensorScalar>(
    _ a: Tensor, _ b: Tensor, _ c: Tensor, batch: Int, m: Int, n: Int, k: Int, strideA: Int, strideB: Int,
    transposeA: Bool, transposeB: Bool, sharedGate: Bool, epilogue: ProductEpilogue<S>
) {
    let (columnsA, columnsB) = (a.shape[a.rank - 1], b.shape[b.rank - 1])
    let (pa, pb, pc) = (a.pointer(as: S.self), b.pointer(as: S.self), c.mutablePointer(as: S.self))
    // (Stacked rows would run past a gate shared by the members: those go member by member.)
    if batch > 1 && strideA == m * k && strideB == 0 && !transposeA && !sharedGate {
        // A batch of row-major matrices times a shared one is one product with the batch's rows
        // stacked: each row of C is the same chain of multiply-adds either way.
        let right = MatrixOperand(base: pb, rowStride: transposeB ? 1 : columnsB, columnStride: transposeB ? columnsB : 1)
        gemm(m: batch * m, n: n, k: k, a: MatrixOperand(base: pa, rowStride: columnsA, columnStride: 1), b: right, c: pc, ldc: n,
             epilogue: epilogue)
        return
    }
    for index in 0..<batch {
        let left = MatrixOperand(base: pa + index * strideA, rowStride: transposeA ? 1 : columnsA,
                                 columnStride: transposeA ? columnsA : 1)
        let right = MatrixOperand(base: pb + index * strideB, rowStride: transposeB ? 1 : columnsB,
                                  columnStride: transposeB ? columnsB : 1)
        gemm(m: m, n: n, k: k, a: left, b: right, c: pc + index * m * n, ldc: n,
             epilogue: epilogue.offset(row: sharedGate ? 0 : index * m, column: 0))
    }
}
