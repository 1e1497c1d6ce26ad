import Numerics
@testable import Spectral
import Testing
import Tensors

/// Moving diagonal blocks of a real Schur form: every block to every boundary above it.
@Suite struct SchurReorderingTests {
    /// A quasi-triangular matrix with blocks of `sizes` (2×2 ones standard, with complex
    /// eigenvalues), a random strictly upper part.
    func schurForm(sizes: [Int], seed: UInt64) -> Matrix {
        var generator = RandomGenerator(seed: seed)
        let n = sizes.reduce(0, +)
        let random = Tensor.uniform([n, n], low: -1, high: 1, dtype: .float64, using: &generator).doubles
        var t = Matrix(rows: n, columns: n)
        var start = 0
        for size in sizes {
            for row in start..<n {
                for column in max(row, start + size)..<n { t[row, column] = random[row * n + column] }
            }
            let center = random[start * n + start] * 3
            if size == 1 {
                t[start, start] = center
            } else {
                (t[start, start], t[start + 1, start + 1]) = (center, center)
                t[start, start + 1] = 0.5 + abs(random[(start + 1) * n + start])
                t[start + 1, start] = -(0.2 + abs(random[start * n + start + 1]))
            }
            start += size
        }
        return t
    }

    /// The eigenvalues of the block starting at `row`.
    func blockEigenvalues(_ t: Matrix, at row: Int, size: Int) -> [Complex<Double>] {
        guard size == 2 else { return [Complex(t[row, row])] }
        let values = StandardBlock(t[row, row], t[row, row + 1], t[row + 1, row], t[row + 1, row + 1]).eigenvalues
        return [values.0, values.1]
    }

    /// Block starts and sizes of a quasi-triangular matrix; nil when it is not one in standard form.
    func blocks(of t: Matrix) -> [(start: Int, size: Int)]? {
        var result: [(Int, Int)] = []
        var row = 0
        while row < t.rows {
            for below in (row + 2)..<max(t.rows, row + 2) where t[below, row] != 0 { return nil }
            if row + 1 < t.rows && t[row + 1, row] != 0 {
                guard t[row, row] == t[row + 1, row + 1], t[row, row + 1] * t[row + 1, row] < 0,
                      row + 2 >= t.rows || t[row + 2, row + 1] == 0 else { return nil }
                result.append((row, 2))
                row += 2
            } else {
                result.append((row, 1))
                row += 1
            }
        }
        return result
    }

    @Test(arguments: [[1, 2, 1, 2, 2, 1], [2, 2, 1, 1, 2], [1, 1, 1, 2]])
    func everyBlockMovesToEveryBoundaryAbove(sizes: [Int]) throws {
        let original = schurForm(sizes: sizes, seed: UInt64(sizes.count))
        let norm = original.frobeniusNorm
        let layout = try #require(blocks(of: original))
        #expect(layout.map(\.size) == sizes)
        for (index, block) in layout.enumerated() {
            let leaving = blockEigenvalues(original, at: block.start, size: block.size)
            for target in layout[0...index].map(\.start) {
                var reordering = SchurReordering(t: original, qTransposed: .identity(original.rows))
                let moved = reordering.moveBlock(from: block.start, to: target)
                #expect(moved, "block at \(block.start) to \(target)")
                let t = reordering.t, q = reordering.q
                // Orthogonal, a similarity of the original, still in standard form.
                let identityError = (q.transposed * q).elements.enumerated().map { abs($1 - ($0 % (q.rows + 1) == 0 ? 1 : 0)) }.max()!
                #expect(identityError < 1e-14)
                let back = q * t * q.transposed
                let similarityError = zip(back.elements, original.elements).map { abs($0 - $1) }.max()!
                #expect(similarityError < 1e-13 * norm, "block at \(block.start) to \(target): \(similarityError)")
                let newLayout = try #require(blocks(of: t), "block at \(block.start) to \(target) left T not quasi-triangular")
                // The moved eigenvalues now lead at the target.
                let arrived = newLayout.first { $0.start == target }
                let found = blockEigenvalues(t, at: target, size: arrived?.size ?? 1)
                for (a, b) in zip(found, leaving) {
                    #expect((a - b).length < 1e-12 * max(1, b.length), "block at \(block.start) to \(target): \(a) vs \(b)")
                }
            }
        }
    }

    /// T₁₁X − XT₂₂ = T₁₂ for every pair of block sizes.
    @Test(arguments: [(1, 2), (2, 1), (2, 2), (1, 1)])
    func sylvesterSolution(sizes: (Int, Int)) {
        let (n1, n2) = sizes
        let d = schurForm(sizes: [n1, n2], seed: 7)
        let x = SchurReordering.sylvesterSolution(SmallSquare(d, at: 0, size: n1 + n2), n1: n1, n2: n2)
        for i in 0..<n1 {
            for l in 0..<n2 {
                var left = 0.0
                for k in 0..<n1 { left += d[i, k] * x[k, l] }
                for k in 0..<n2 { left -= x[i, k] * d[n1 + k, n1 + l] }
                #expect(abs(left - d[i, n1 + l]) < 1e-13)
            }
        }
    }
}
