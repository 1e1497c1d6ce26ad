/// Diagonal similarity scaling that makes row and column norms comparable (Parlett & Reinsch
/// 1969, LAPACK's `dgebal` without permutation): eigenvalues are unchanged, their accuracy
/// improves for badly scaled matrices. Scale factors are powers of 2, so the scaling is exact.
struct Balancing {
    /// D with A′ = D⁻¹AD.
    private(set) var scale: [Double]

    /// Balances `matrix` in place.
    init(_ matrix: inout Matrix) {
        let n = matrix.rows
        scale = [Double](repeating: 1, count: n)
        let radix = 2.0
        var converged = false
        while !converged {
            converged = true
            for i in 0..<n {
                var (columnNorm, rowNorm) = (0.0, 0.0)
                for j in 0..<n where j != i {
                    columnNorm += abs(matrix[j, i])
                    rowNorm += abs(matrix[i, j])
                }
                guard columnNorm != 0 && rowNorm != 0 else { continue }
                var g = rowNorm / radix
                var f = 1.0
                let s = columnNorm + rowNorm
                while columnNorm < g {
                    f *= radix
                    columnNorm *= radix * radix
                }
                g = rowNorm * radix
                while columnNorm > g {
                    f /= radix
                    columnNorm /= radix * radix
                }
                if (columnNorm + rowNorm) / f < 0.95 * s {
                    converged = false
                    scale[i] *= f
                    for j in 0..<n { matrix[i, j] /= f }
                    for j in 0..<n { matrix[j, i] *= f }
                }
            }
        }
    }
}
