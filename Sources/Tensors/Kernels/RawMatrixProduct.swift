/// Matrix products on raw memory, for algorithms in other modules (the eigenvalue solver) that
/// work in place on their own buffers. The same kernel as ``Tensor/matmul(_:transposingSelf:transposingOther:)``.
public enum RawMatrixProduct {
    /// C = A·B for an m×k matrix A and a k×n matrix B given by strides (a transposed operand is
    /// the same memory with its strides swapped), into the row-major C with row stride `ldc`.
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, aRowStride: Int, aColumnStride: Int,
        b: UnsafePointer<Double>, bRowStride: Int, bColumnStride: Int,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        gemm(m: m, n: n, k: k, a: MatrixOperand(base: a, rowStride: aRowStride, columnStride: aColumnStride),
             b: MatrixOperand(base: b, rowStride: bRowStride, columnStride: bColumnStride), c: c, ldc: ldc)
    }

    /// C −= A·B, in place, with the operands as in ``multiply(m:n:k:a:aRowStride:aColumnStride:b:bRowStride:bColumnStride:c:ldc:)``.
    public static func subtract(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, aRowStride: Int, aColumnStride: Int,
        b: UnsafePointer<Double>, bRowStride: Int, bColumnStride: Int,
        from c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        gemm(m: m, n: n, k: k, a: MatrixOperand(base: a, rowStride: aRowStride, columnStride: aColumnStride),
             b: MatrixOperand(base: b, rowStride: bRowStride, columnStride: bColumnStride), c: c, ldc: ldc,
             subtracting: true)
    }
}
