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

    /// C = A·B, as ``multiply(m:n:k:a:aRowStride:aColumnStride:b:bRowStride:bColumnStride:c:ldc:)``,
    /// for banded operands: row i of A is zero outside columns `nonzeroColumnsOfA[i]` and column j
    /// of B outside rows `nonzeroRowsOfB[j]` (nil: dense), and each tile of C is multiplied over
    /// only the part of k its rows and columns share. On the calling thread (for callers that
    /// already share the cores out).
    public static func multiplyBanded(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, aRowStride: Int, aColumnStride: Int, nonzeroColumnsOfA: [Range<Int>]? = nil,
        b: UnsafePointer<Double>, bRowStride: Int, bColumnStride: Int, nonzeroRowsOfB: [Range<Int>]? = nil,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        precondition(nonzeroColumnsOfA.map { $0.count == m } ?? true && nonzeroRowsOfB.map { $0.count == n } ?? true,
                     "RawMatrixProduct.multiplyBanded: one range per row of A and per column of B")
        guard m > 0 && n > 0 else { return }
        guard k > 0 else {
            for row in 0..<m { (c + row * ldc).initialize(repeating: 0, count: n) }
            return
        }
        gemmPacked(m: m, n: n, k: k, a: MatrixOperand(base: a, rowStride: aRowStride, columnStride: aColumnStride),
                   b: MatrixOperand(base: b, rowStride: bRowStride, columnStride: bColumnStride), c: c, ldc: ldc,
                   subtracting: false, bands: DepthBands(rowsOfA: nonzeroColumnsOfA, columnsOfB: nonzeroRowsOfB))
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
