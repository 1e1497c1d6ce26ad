/// The eigenvalues and orthonormal eigenvectors of a real symmetric matrix by the cyclic Jacobi
/// method (Golub & Van Loan §8.5): plane rotations annihilate the off-diagonal elements one by
/// one until they are negligible. Slower than tridiagonal QR for large n, but accurate to
/// rounding in every eigenvalue, small ones included — what matrix square roots of covariance
/// matrices (the Fréchet distance) need.
public struct SymmetricEigenDecomposition: Sendable {
    /// The eigenvalues, ascending.
    public let eigenvalues: [Double]
    /// Column j (as `eigenvectors[i, j]`) is the unit eigenvector of `eigenvalues[j]`.
    public let eigenvectors: Matrix

    /// Decomposes `matrix`, which must be square and symmetric (its upper triangle is used).
    public init(_ matrix: Matrix) {
        precondition(matrix.rows == matrix.columns, "SymmetricEigenDecomposition: a \(matrix.rows)×\(matrix.columns) matrix is not square")
        let n = matrix.rows
        var a = matrix
        for i in 0..<n {
            for j in 0..<i { a[i, j] = a[j, i] }
        }
        var v = Matrix.identity(n)
        let scale = max(a.frobeniusNorm, .leastNormalMagnitude)
        a.elements.withUnsafeMutableBufferPointer { aBuffer in
            v.elements.withUnsafeMutableBufferPointer { vBuffer in
                guard let a = aBuffer.baseAddress, let v = vBuffer.baseAddress else { return }  // n = 0
                for _ in 0..<100 {
                    var off = 0.0
                    for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { off += a[i * n + j] * a[i * n + j] } }
                    if off.squareRoot() <= 1e-15 * scale { break }
                    for p in 0..<n {
                        for q in (p + 1)..<max(n, p + 1) where a[p * n + q] != 0 {
                            // The rotation that zeroes a[p, q] (Rutishauser's stable form).
                            let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                            let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                            let c = 1 / (t * t + 1).squareRoot()
                            let s = t * c
                            SymmetricEigenDecomposition.rotate(a + p, a + q, stride: n, count: n, c, s)
                            SymmetricEigenDecomposition.rotate(a + p * n, a + q * n, stride: 1, count: n, c, s)
                            SymmetricEigenDecomposition.rotate(v + p, v + q, stride: n, count: n, c, s)
                        }
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0, $0] < a[$1, $1] }
        eigenvalues = order.map { a[$0, $0] }
        var sorted = Matrix(rows: n, columns: n)
        for (column, source) in order.enumerated() {
            for row in 0..<n { sorted[row, column] = v[row, source] }
        }
        eigenvectors = sorted
    }

    /// (x, y) ← (c·x − s·y, s·x + c·y) elementwise, for `count` elements `stride` apart.
    private static func rotate(_ x: UnsafeMutablePointer<Double>, _ y: UnsafeMutablePointer<Double>, stride: Int, count: Int,
                               _ c: Double, _ s: Double) {
        for k in 0..<count {
            let (xk, yk) = (x[k * stride], y[k * stride])
            x[k * stride] = c * xk - s * yk
            y[k * stride] = s * xk + c * yk
        }
    }

    /// f(A) = V diag(f(λ)) Vᵀ.
    public func applying(_ function: (Double) -> Double) -> Matrix {
        let n = eigenvalues.count
        let values = eigenvalues.map(function)
        var result = Matrix(rows: n, columns: n)
        for i in 0..<n {
            for j in i..<n {
                var sum = 0.0
                for k in 0..<n { sum += eigenvectors[i, k] * values[k] * eigenvectors[j, k] }
                result[i, j] = sum
                result[j, i] = sum
            }
        }
        return result
    }
}
