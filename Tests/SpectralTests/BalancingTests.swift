import Numerics
@testable import Spectral
import Testing

/// Balancing's permutation and diagonal scaling, and the copies of the matrix around it.
@Suite struct BalancingTests {
    /// Balancing is the similarity D⁻¹PᵀAPD, bit for bit, with P the exchanges it recorded
    /// (applied here to rows and columns at once, where balancing defers the columns'), and
    /// outside its middle block the result is upper triangular. Rows 3 and 17 are zero but for
    /// their diagonal, and row 20's only other element is in column 3, so that row 20 is
    /// isolated only by a second pass; likewise columns 11 and 5.
    @Test func balancingIsAPermutedAndScaledSimilarity() {
        let n = 30
        var a = randomMatrix(n, seed: 4)
        for i in 0..<n {
            for j in 0..<n { a[i, j] *= Double.pow(10, Double((i % 4) - (j % 3))) }
        }
        for j in 0..<n where j != 3 { a[3, j] = 0 }
        for j in 0..<n where j != 17 { a[17, j] = 0 }
        for j in 0..<n where j != 20 && j != 3 { a[20, j] = 0 }
        for i in 0..<n where i != 11 { a[i, 11] = 0 }
        for i in 0..<n where i != 5 && i != 11 { a[i, 5] = 0 }
        var balanced = a
        let balancing = Balancing(&balanced)
        #expect(balancing.middle == 2...(n - 4))
        var reference = a
        for (i, j) in balancing.swaps {
            for k in 0..<n { (reference[i, k], reference[j, k]) = (reference[j, k], reference[i, k]) }
            for k in 0..<n { (reference[k, i], reference[k, j]) = (reference[k, j], reference[k, i]) }
        }
        #expect(balancing.scale.contains { $0 != 1 }, "the test matrix needs scaling")
        for i in 0..<n {
            for j in 0..<n { reference[i, j] = reference[i, j] / balancing.scale[i] * balancing.scale[j] }
        }
        let differing = zip(balanced.elements, reference.elements).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(n * n) elements differ from D⁻¹PᵀAPD")
        let outside = (0..<n).flatMap { i in (0..<i).map { (i, $0) } }.filter { !balancing.middle.contains($0.0) || !balancing.middle.contains($0.1) }
        #expect(outside.allSatisfy { balanced[$0.0, $0.1] == 0 })
    }

    /// The off-diagonal norms, summed four rows at a time, are bit for bit the sums of one row
    /// and one column at a time in order (a block of 37 rows: nine groups of four and one more).
    @Test func offDiagonalNormsAreTheSumsInOrder() {
        let n = 41
        var a = randomMatrix(n, seed: 5)
        for i in 0..<n {
            for j in 0..<n { a[i, j] *= Double.pow(3, Double((i * j) % 11) - 5) }
        }
        let block = 2...38
        let (rows, columns) = Balancing.offDiagonalNorms(a, block: block)
        for i in block {
            var (row, column) = (0.0, 0.0)
            for j in block where j != i {
                row += abs(a[i, j])
                column += abs(a[j, i])
            }
            #expect(rows[i].bitPattern == row.bitPattern, "row \(i)")
            #expect(columns[i].bitPattern == column.bitPattern, "column \(i)")
        }
    }

    /// The principal submatrix formed in place, and a copy by all the cores, hold what a fresh
    /// copy of the same elements does.
    @Test func principalSubmatrixAndCopyKeepTheElements() {
        let a = randomMatrix(300, seed: 2)
        for range in [0..<300, 0..<120, 45..<300, 7..<8, 100..<100] {
            var block = a.copiedByAllCores()
            #expect(block.elements.elementsEqual(a.elements))
            block.formPrincipalSubmatrix(range)
            let expected = a.submatrix(rows: range, columns: range)
            #expect(block.rows == range.count && block.columns == range.count, "\(range)")
            #expect(block.elements.elementsEqual(expected.elements), "\(range)")
        }
        var empty = Matrix(rows: 0, columns: 0).copiedByAllCores()
        empty.formPrincipalSubmatrix(0..<0)
        #expect(empty.rows == 0 && empty.elements.isEmpty)
    }

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
