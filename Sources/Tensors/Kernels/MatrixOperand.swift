/// A read-only strided view of a matrix: element (i, j) is at `base[i·rowStride + j·columnStride]`.
///
/// A row-major matrix has strides (columns, 1); its transpose is the same memory with the strides
/// swapped, which is how the kernels multiply by a transposed operand without copying it.
struct MatrixOperand<S: TensorScalar> {
    let base: UnsafePointer<S>
    let rowStride: Int
    let columnStride: Int

    @inline(__always)
    subscript(row: Int, column: Int) -> S {
        base[row * rowStride + column * columnStride]
    }

    /// The operand starting at (row, column).
    @inline(__always)
    func offset(row: Int, column: Int) -> MatrixOperand {
        MatrixOperand(base: base + row * rowStride + column * columnStride, rowStride: rowStride,
                      columnStride: columnStride)
    }
}
