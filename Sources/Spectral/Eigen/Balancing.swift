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
        var (lo, hi) = (0, n - 1)
        // Rows with no off-diagonal element in columns lo...hi go to the bottom.
        var moved = true
        rows: while moved {
            moved = false
            for i in stride(from: hi, through: lo, by: -1) where Balancing.isZero(matrix, row: i, columns: lo...hi) {
                swap(&matrix, i, hi)
                moved = true
                if hi == lo { break rows }
                hi -= 1
                break
            }
        }
        // Columns with no off-diagonal element in rows lo...hi go to the top.
        moved = hi > lo
        columns: while moved {
            moved = false
            for j in lo...hi where Balancing.isZero(matrix, column: j, rows: lo...hi) {
                swap(&matrix, j, lo)
                moved = true
                if lo == hi { break columns }
                lo += 1
                break
            }
        }
        middle = lo...hi
        scaleMiddle(&matrix)
    }

    /// Swaps rows i and j and columns i and j (a permutation similarity).
    private mutating func swap(_ matrix: inout Matrix, _ i: Int, _ j: Int) {
        guard i != j else { return }
        swaps.append((i, j))
        let n = matrix.rows
        for k in 0..<n { matrix.elements.swapAt(i * n + k, j * n + k) }
        for k in 0..<n { matrix.elements.swapAt(k * n + i, k * n + j) }
    }

    private static func isZero(_ matrix: Matrix, row i: Int, columns: ClosedRange<Int>) -> Bool {
        columns.allSatisfy { $0 == i || matrix[i, $0] == 0 }
    }

    private static func isZero(_ matrix: Matrix, column j: Int, rows: ClosedRange<Int>) -> Bool {
        rows.allSatisfy { $0 == j || matrix[$0, j] == 0 }
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
    private static func offDiagonalNorms(_ matrix: Matrix, block: ClosedRange<Int>) -> (rows: [Double], columns: [Double]) {
        let n = matrix.rows
        var rows = [Double](repeating: 0, count: n)
        var columns = [Double](repeating: 0, count: n)
        matrix.elements.withUnsafeBufferPointer { a in
            columns.withUnsafeMutableBufferPointer { columns in
                for i in block {
                    let row = a.baseAddress! + i * n
                    var sum = 0.0
                    for j in block where j != i {
                        sum += abs(row[j])
                        columns[j] += abs(row[j])
                    }
                    rows[i] = sum
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
