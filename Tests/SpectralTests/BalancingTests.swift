import Numerics
@testable import Spectral
import Testing

/// Balancing's diagonal scaling (the permutation is covered with the eigenvalue tests).
@Suite struct BalancingTests {
    /// Balancing sums every row's and column's norm in one pass over the rows: it scales exactly
    /// as `dgebal` does with each column's norm summed afresh (the reference below), bit for bit.
    @Test func balancingScalesAsWithFreshNorms() {
        let n = 40
        var a = randomMatrix(n, seed: 9)
        for i in 0..<n {
            for j in 0..<n { a[i, j] *= Double.pow(10, Double((i % 7) - (j % 5))) }
        }
        var balanced = a
        let balancing = Balancing(&balanced)
        #expect(balancing.middle == 0...(n - 1))
        var reference = a
        var scale = [Double](repeating: 1, count: n)
        var converged = false
        while !converged {
            converged = true
            for i in 0..<n {
                var (columnNorm, rowNorm) = (0.0, 0.0)
                for j in 0..<n where j != i {
                    columnNorm += abs(reference[j, i])
                    rowNorm += abs(reference[i, j])
                }
                guard columnNorm != 0 && rowNorm != 0 else { continue }
                var f = 1.0
                let s = columnNorm + rowNorm
                while columnNorm < rowNorm / 2 {
                    f *= 2
                    columnNorm *= 4
                }
                while columnNorm > rowNorm * 2 {
                    f /= 2
                    columnNorm /= 4
                }
                if (columnNorm + rowNorm) / f < 0.95 * s {
                    converged = false
                    scale[i] *= f
                    for j in 0..<n { reference[i, j] /= f }
                    for j in 0..<n { reference[j, i] *= f }
                }
            }
        }
        #expect(scale.contains { $0 != 1 }, "the test matrix needs scaling")
        let differing = zip(balanced.elements, reference.elements).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(n * n) elements differ from the reference's")
    }
}
