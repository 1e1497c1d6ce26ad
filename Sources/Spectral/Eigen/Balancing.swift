import Tensors

/// Balancing (Parlett & Reinsch 1969; LAPACK's `dgebal` with job 'B'): a permutation that
/// isolates eigenvalues, then a diagonal scaling of the rest, A′ = D⁻¹PᵀAPD.
///
/// The permutation moves rows whose off-diagonal elements are all zero to the bottom and columns
/// whose off-diagonal elements are all zero to the top, repeatedly, so that A′ is block upper
/// triangular with triangular blocks outside rows `isolated.lowerBound ... isolated.upperBound`:
/// their diagonal elements are eigenvalues, and only the middle block needs the QR algorithm.
/// Jacobians of networks with dead ReLU units have hundreds of such rows.
///
/// The scaling makes the row and column norms of the middle block comparable, which improves
/// the accuracy of the eigenvalues of badly scaled matrices. Scale factors are powers of 2, so
/// the scaling is exact; eigenvalues are unchanged by both steps.
struct Balancing {
    /// D with A′ = D⁻¹PᵀAPD (1 outside the middle block).
    private(set) var scale: [Double]
    /// The row and column swaps P is made of, in the order they were applied.
    private(set) var swaps: [(Int, Int)] = []
    /// The rows and columns of the block that is not triangular.
    private(set) var middle: ClosedRange<Int>

    /// Balances `matrix` in place.
    init(_ matrix: inout Matrix) {
        let n = matrix.rows
        scale = [Double](repeating: 1, count: n)
        middle = 0...max(n - 1, 0)
        guard n > 1 else { return }
        matrix.elements.withUnsafeMutableBufferPointer { isolateEigenvalues($0.baseAddress!, n: n) }
        scaleMiddle(&matrix)
    }

    /// The permutation, searched as `dgebal` does. A row exchange is done as it is found (a row
    /// is contiguous); a column exchange only in `columnOrder` (the stored column of each column
    /// of the permuted matrix), and in the matrix all together at the end, a row at a time: done
    /// as found, each one read a cache line of every row. With the passes below, isolating the
    /// 195 rows of a trained mog8 Jacobian (n = 2003) takes 1.9 ms instead of 4.8.
    private mutating func isolateEigenvalues(_ a: UnsafeMutablePointer<Double>, n: Int) {
        var columnOrder = Array(0..<n)
        var (lo, hi) = (0, n - 1)
        /// Exchanges rows i and j, and columns i and j in `columnOrder`.
        func exchange(_ i: Int, _ j: Int) {
            guard i != j else { return }
            swaps.append((i, j))
            let (rowI, rowJ) = (a + i * n, a + j * n)
            for k in 0..<n { (rowI[k], rowJ[k]) = (rowJ[k], rowI[k]) }
            columnOrder.swapAt(i, j)
        }
        // Rows with no off-diagonal element in columns lo...hi go to the bottom, columns with none
        // in rows lo...hi to the top. Each pass goes on past what it moves, as `dgebal` does since
        // LAPACK 3.11, instead of starting over after each move from the last row.
        var moved = true
        rows: while moved {
            moved = false
            for i in stride(from: hi, through: lo, by: -1)
            where (lo...hi).allSatisfy({ $0 == i || a[i * n + columnOrder[$0]] == 0 }) {
                exchange(i, hi)
                moved = true
                if hi == lo { break rows }
                hi -= 1
            }
        }
        moved = hi > lo
        columns: while moved {
            moved = false
            for j in lo...hi where (lo...hi).allSatisfy({ $0 == j || a[$0 * n + columnOrder[j]] == 0 }) {
                exchange(j, lo)
                moved = true
                if lo == hi { break columns }
                lo += 1
            }
        }
        middle = lo...hi
        guard !swaps.isEmpty else { return }
        swaps.withUnsafeBufferPointer { swaps in
            CoreParts.forEach(of: 0..<n, elementsPerItem: swaps.count) { rows in
                for r in rows {
                    let row = a + r * n
                    for (i, j) in swaps { (row[i], row[j]) = (row[j], row[i]) }
                }
            }
        }
    }

    /// Scales the middle block until no row/column pair's 1-norms improve by 5%.
    ///
    /// Each pass starts from every row's and column's norm, summed in one pass over the rows (a
    /// column at a time would read a cache line per element); once a pass has scaled a row and
    /// column, the later ones' norms are summed afresh, as `dgebal` does. Either way each norm is
    /// the same sum in the same order, so the scaling does not depend on which was used.
    private mutating func scaleMiddle(_ matrix: inout Matrix) {
        let n = matrix.rows
        let radix = 2.0
        var converged = false
        while !converged {
            converged = true
            var (rowNorms, columnNorms) = Balancing.offDiagonalNorms(matrix, block: middle)
            var current = true
            for i in middle {
                if !current {
                    (columnNorms[i], rowNorms[i]) = (0, 0)
                    for j in middle where j != i {
                        columnNorms[i] += abs(matrix[j, i])
                        rowNorms[i] += abs(matrix[i, j])
                    }
                }
                var (columnNorm, rowNorm) = (columnNorms[i], rowNorms[i])
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
                    current = false
                    scale[i] *= f
                    for j in 0..<n { matrix[i, j] /= f }
                    for j in 0..<n { matrix[j, i] *= f }
                }
            }
        }
    }

    /// The 1-norms of the rows and columns of `block` × `block` without their diagonal elements,
    /// indexed by row and column of the matrix, each summed in order of the other index.
    ///
    /// Four rows at a time, each row's sum a chain of its own: one row at a time, each addition
    /// waited on the one before (3.5 ms for the 1,808 rows of a trained mog8 Jacobian's middle
    /// block). A column's sum takes the four rows in order, and a diagonal element enters as +0,
    /// which leaves a sum of absolute values as it was: the same sums, bit for bit.
    static func offDiagonalNorms(_ matrix: Matrix, block: ClosedRange<Int>) -> (rows: [Double], columns: [Double]) {
        let n = matrix.rows
        var rows = [Double](repeating: 0, count: n)
        var columns = [Double](repeating: 0, count: n)
        matrix.elements.withUnsafeBufferPointer { a in
            columns.withUnsafeMutableBufferPointer { columns in
                /// |A[i, j]|, or +0 on the diagonal.
                func term(_ i: Int, _ j: Int) -> Double { i == j ? 0 : abs(a[i * n + j]) }
                var i = block.lowerBound
                while i + 3 <= block.upperBound {
                    var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
                    for j in block {
                        let (e0, e1, e2, e3) = (term(i, j), term(i + 1, j), term(i + 2, j), term(i + 3, j))
                        (s0, s1, s2, s3) = (s0 + e0, s1 + e1, s2 + e2, s3 + e3)
                        columns[j] = columns[j] + e0 + e1 + e2 + e3
                    }
                    (rows[i], rows[i + 1], rows[i + 2], rows[i + 3]) = (s0, s1, s2, s3)
                    i += 4
                }
                while i <= block.upperBound {
                    var sum = 0.0
                    for j in block {
                        sum += term(i, j)
                        columns[j] += term(i, j)
                    }
                    rows[i] = sum
                    i += 1
                }
            }
        }
        return (rows, columns)
    }

    /// The vector x of the original matrix for a vector x′ of the balanced one: x = P·D·x′.
    func restore<Element>(_ vector: [Element], scaling: (Element, Double) -> Element) -> [Element] {
        var result = zip(vector, scale).map(scaling)
        for (i, j) in swaps.reversed() { result.swapAt(i, j) }
        return result
    }
}
