@testable import Spectral
import Testing
import Tensors

/// The Hessenberg reduction: blocked panels with the merged two-sided update, and its
/// matrix-vector products four rows at a time.
@Suite struct HessenbergReductionTests {
    /// H = QᵀAQ is upper Hessenberg with Q orthogonal, for sizes that take one, several and no
    /// blocked panels (the last 96 columns are reduced one at a time).
    @Test(arguments: [90, 161, 300])
    func reductionIsAnOrthogonalSimilarity(n: Int) {
        let a = randomMatrix(n, seed: UInt64(n))
        var h = a
        let q = HessenbergReduction(&h).orthogonalFactor(size: n)
        for i in 0..<n {
            for j in 0..<max(0, i - 1) { #expect(h[i, j] == 0, "H[\(i), \(j)] = \(h[i, j])") }
        }
        let norm = a.frobeniusNorm
        let back = q * h * q.transposed
        let similarityError = zip(back.elements, a.elements).map { abs($0 - $1) }.max()!
        #expect(similarityError < 1e-13 * norm, "‖QHQᵀ − A‖ = \(similarityError)")
        let identity = q.transposed * q
        let orthogonalityError = (0..<n).flatMap { i in (0..<n).map { j in abs(identity[i, j] - (i == j ? 1 : 0)) } }.max()!
        #expect(orthogonalityError < 1e-13)
    }

    /// `dots` of four rows gives each row the bits `dot` gives it alone, for lengths that end
    /// in every part of the loop (whole blocks of 32, blocks of 8, a scalar tail), NaN included.
    @Test func fourRowsHaveTheBitsOfOneRowEach() {
        var generator = RandomGenerator(seed: 31)
        for count in [0, 1, 7, 8, 31, 32, 33, 77, 1000, 2003] {
            var rows = (0..<4).map { _ in Tensor.normal([count], dtype: .float64, using: &generator).doubles }
            let y = Tensor.normal([count], dtype: .float64, using: &generator).doubles
            if count > 5 { rows[2][5] = .nan }
            let together = rows[0].withUnsafeBufferPointer { r0 in
                rows[1].withUnsafeBufferPointer { r1 in
                    rows[2].withUnsafeBufferPointer { r2 in
                        rows[3].withUnsafeBufferPointer { r3 in
                            y.withUnsafeBufferPointer { y in
                                dots(r0.baseAddress!, r1.baseAddress!, r2.baseAddress!, r3.baseAddress!, y.baseAddress!, count: count)
                            }
                        }
                    }
                }
            }
            let alone = rows.map { row in
                row.withUnsafeBufferPointer { r in y.withUnsafeBufferPointer { y in dot(r.baseAddress!, y.baseAddress!, count: count) } }
            }
            #expect([together.0, together.1, together.2, together.3].map(\.bitPattern) == alone.map(\.bitPattern), "count \(count)")
        }
    }

    /// The panel's column kernels against plain loops: x − C·s and Cᵀx over a range of rows,
    /// for column counts that leave every group size (1–4) and row counts that end in every part
    /// of the loops; and x − C·s gives each row the same bits however the rows are split.
    @Test func columnKernelsMatchPlainLoops() {
        var generator = RandomGenerator(seed: 41)
        let ld = 60
        for columns in [0, 1, 2, 3, 4, 5, 9] {
            for rows in [0..<0, 3..<4, 2..<9, 5..<21, 1..<40, 0..<60] {
                let c = Tensor.normal([columns * ld], dtype: .float64, using: &generator).doubles
                let coefficients = Tensor.normal([max(columns, 1)], dtype: .float64, using: &generator).doubles
                let x = Tensor.normal([ld], dtype: .float64, using: &generator).doubles
                var whole = x, split = x
                var sums = [Double](repeating: 1, count: max(columns, 1))
                c.withUnsafeBufferPointer { c in
                    coefficients.withUnsafeBufferPointer { s in
                        whole.withUnsafeMutableBufferPointer { subtractProduct(of: c.baseAddress!, leadingDimension: ld, columns: columns, with: s.baseAddress!, rows: rows, from: $0.baseAddress!) }
                        split.withUnsafeMutableBufferPointer { target in
                            for part in 0..<3 {
                                subtractProduct(of: c.baseAddress!, leadingDimension: ld, columns: columns, with: s.baseAddress!,
                                                rows: rows.part(part, of: 3), from: target.baseAddress!)
                            }
                        }
                    }
                    x.withUnsafeBufferPointer { x in
                        sums.withUnsafeMutableBufferPointer { accumulateProducts(of: c.baseAddress!, leadingDimension: ld, columns: columns, with: x.baseAddress!, rows: rows, into: $0.baseAddress!) }
                    }
                }
                let differing = zip(whole, split).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(differing == 0, "\(differing) rows differ when split, \(columns) columns, rows \(rows)")
                for r in 0..<ld {
                    let expected = rows.contains(r) ? x[r] - (0..<columns).reduce(0) { $0 + c[$1 * ld + r] * coefficients[$1] } : x[r]
                    #expect(abs(whole[r] - expected) <= 1e-14 * (abs(x[r]) + 8), "row \(r), \(columns) columns, rows \(rows)")
                }
                for q in 0..<columns {
                    let expected = 1 + rows.reduce(0) { $0 + c[q * ld + $1] * x[$1] }
                    #expect(abs(sums[q] - expected) <= 1e-13, "column \(q), rows \(rows)")
                }
                if columns == 0 { #expect(sums == [1]) }
            }
        }
    }
}
