/// Reduction to upper Hessenberg form by Householder similarity transformations:
/// H = Qᵀ A Q with H[i, j] = 0 for i > j + 1 (Golub & Van Loan, Algorithm 7.4.2).
///
/// Both updates of each step are written row by row (w = vᵀA over rows, then A[i, :] · v per
/// row), which suits row-major storage and vectorises along rows.
struct HessenbergReduction {
    /// The Householder vectors (v[0] = 1 implicit) and factors τ of each column, to form Q.
    private var reflectors: [(vector: [Double], tau: Double)] = []

    /// Reduces `matrix` in place.
    init(_ matrix: inout Matrix) {
        let n = matrix.rows
        guard n > 2 else { return }
        let v = UnsafeMutablePointer<Double>.allocate(capacity: n)
        let w = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer {
            v.deallocate()
            w.deallocate()
        }
        matrix.elements.withUnsafeMutableBufferPointer { buffer in
            let a = buffer.baseAddress!
            for k in 0..<(n - 2) {
                // The reflector that zeroes A[k+2..., k].
                let alpha = a[(k + 1) * n + k]
                var tailNorm = 0.0
                for i in (k + 2)..<n { tailNorm += a[i * n + k] * a[i * n + k] }
                guard tailNorm > 0 else {
                    reflectors.append(([], 0))
                    continue
                }
                let beta = -(alpha >= 0 ? 1.0 : -1.0) * (alpha * alpha + tailNorm).squareRoot()
                let tau = (beta - alpha) / beta
                let scale = 1 / (alpha - beta)
                let m = n - k - 1  // length of v
                v[0] = 1
                for i in 1..<m { v[i] = a[(k + 1 + i) * n + k] * scale }
                a[(k + 1) * n + k] = beta
                for i in (k + 2)..<n { a[i * n + k] = 0 }
                // Left: A[k+1..., k+1...] -= τ v (vᵀ A[k+1..., k+1...]).
                let width = n - k - 1
                for j in 0..<width { w[j] = 0 }
                for i in 0..<m {
                    let row = a + (k + 1 + i) * n + k + 1
                    let vi = v[i]
                    for j in 0..<width { w[j] += vi * row[j] }
                }
                for i in 0..<m {
                    let row = a + (k + 1 + i) * n + k + 1
                    let factor = tau * v[i]
                    for j in 0..<width { row[j] -= factor * w[j] }
                }
                // Right: A[:, k+1...] -= τ (A[:, k+1...] v) vᵀ.
                for i in 0..<n {
                    let row = a + i * n + k + 1
                    var s = 0.0
                    for j in 0..<m { s += row[j] * v[j] }
                    let factor = tau * s
                    for j in 0..<m { row[j] -= factor * v[j] }
                }
                reflectors.append((Array(UnsafeBufferPointer(start: v, count: m)), tau))
            }
        }
    }

    /// Q = P₀P₁⋯P_{n−3}, accumulated backwards.
    func orthogonalFactor(size n: Int) -> Matrix {
        var q = Matrix.identity(n)
        for (k, reflector) in reflectors.enumerated().reversed() where reflector.tau != 0 {
            let v = reflector.vector
            let offset = k + 1
            // Q[offset..., offset...] = (I − τvvᵀ) Q[offset..., offset...]
            var w = [Double](repeating: 0, count: n)
            for i in 0..<v.count {
                for j in offset..<n { w[j] += v[i] * q[offset + i, j] }
            }
            for i in 0..<v.count {
                for j in offset..<n { q[offset + i, j] -= reflector.tau * v[i] * w[j] }
            }
        }
        return q
    }
}
