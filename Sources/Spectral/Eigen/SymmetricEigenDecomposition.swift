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
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { off += a[i, j] * a[i, j] } }
            if off.squareRoot() <= 1e-15 * scale { break }
            for p in 0..<n {
                for q in (p + 1)..<max(n, p + 1) where a[p, q] != 0 {
                    // The rotation that zeroes a[p, q] (Rutishauser's stable form).
                    let theta = (a[q, q] - a[p, p]) / (2 * a[p, q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot()
                    let s = t * c
                    for k in 0..<n {
                        let (akp, akq) = (a[k, p], a[k, q])
                        a[k, p] = c * akp - s * akq
                        a[k, q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let (apk, aqk) = (a[p, k], a[q, k])
                        a[p, k] = c * apk - s * aqk
                        a[q, k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let (vkp, vkq) = (v[k, p], v[k, q])
                        v[k, p] = c * vkp - s * vkq
                        v[k, q] = s * vkp + c * vkq
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
