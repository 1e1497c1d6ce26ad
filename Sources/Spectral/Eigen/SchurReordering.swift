/// Reordering the diagonal blocks of a real Schur form T = QᵀAQ by orthogonal similarities
/// (Bai & Demmel 1993; LAPACK's `dtrexc` and `dlaexc`): adjacent 1×1 and 2×2 blocks are swapped
/// by a Givens rotation or by the reflectors that triangularise [−X; I], X solving the Sylvester
/// equation T₁₁X − XT₂₂ = T₁₂. Aggressive early deflation uses it to move each eigenvalue it
/// cannot deflate out of the way, so the ones above it can still be tested.
///
/// A swap whose result would be inaccurate (the would-be zero block larger than
/// ``swapTolerance``·ε·‖block‖) is refused and changes nothing.
struct SchurReordering {
    /// `dlaexc`'s factor on ε‖D‖ beyond which a swap is refused.
    static let swapTolerance = 10.0

    /// The quasi-triangular matrix being reordered.
    var t: Matrix
    /// The accumulated transformation: columns updated with every similarity applied to t.
    var q: Matrix

    /// Rows of the diagonal block starting at `row`.
    func blockSize(at row: Int) -> Int {
        row + 1 < t.rows && t[row + 1, row] != 0 ? 2 : 1
    }

    /// Moves the block starting at `from` up to start at `to` (a block boundary above it) by
    /// adjacent swaps; the blocks in between move down. Returns false when a swap was refused
    /// (the block is then left where that swap found it).
    mutating func moveBlock(from: Int, to: Int) -> Bool {
        var here = from
        let size = blockSize(at: here)
        while here > to {
            let above = here - 2 >= to && t[here - 1, here - 2] != 0 ? 2 : 1
            guard swap(at: here - above, sizes: above, size) else { return false }
            here -= above
            if size == 2 && t[here + 1, here] == 0 {
                // The pair became two real eigenvalues: move each the rest of the way.
                return moveBlock(from: here, to: to) && moveBlock(from: here + 1, to: to + 1)
            }
        }
        return true
    }

    /// Swaps the adjacent blocks of `n1` rows at `j` and `n2` rows at `j + n1`; returns false,
    /// changing nothing, when the result would be inaccurate.
    mutating func swap(at j: Int, sizes n1: Int, _ n2: Int) -> Bool {
        if n1 == 1 && n2 == 1 {
            swapScalars(at: j)
            return true
        }
        let size = n1 + n2
        let d = t.submatrix(rows: j..<(j + size), columns: j..<(j + size))
        let norm = d.elements.reduce(0) { max($0, abs($1)) }
        let threshold = max(SchurReordering.swapTolerance * Double.ulpOfOne * norm,
                            Double.leastNormalMagnitude / Double.ulpOfOne)
        let x = SchurReordering.sylvesterSolution(d, n1: n1, n2: n2)
        // Reflectors P (one, or two for 2×2 with 2×2) with P[−X; I] upper triangular bring
        // Pᵀ D P to [[T₂₂, *], [0, T₁₁]].
        var reflectors: [(vector: [Double], tau: Double, offset: Int)] = []
        switch (n1, n2) {
        case (1, 2):
            reflectors.append(SchurReordering.reflector(annihilatingAllBut: 2, of: [1, x[0, 0], x[0, 1]]))
        case (2, 1):
            reflectors.append(SchurReordering.reflector(annihilatingAllBut: 0, of: [-x[0, 0], -x[1, 0], 1]))
        default:
            let first = SchurReordering.reflector(annihilatingAllBut: 0, of: [-x[0, 0], -x[1, 0], 1])
            let (v, tau) = (first.vector, first.tau)
            // The second column [−x₁₂, −x₂₂, 0, 1] after the first reflector, rows 1...3.
            let w = -x[0, 1] * v[0] - x[1, 1] * v[1]
            let second = [-x[1, 1] - tau * w * v[1], -tau * w * v[2], 1.0]
            reflectors.append(first)
            var next = SchurReordering.reflector(annihilatingAllBut: 0, of: second)
            next.offset = 1
            reflectors.append(next)
        }
        var trial = d
        for reflector in reflectors {
            trial.reflectRows(from: reflector.offset, columns: 0..<size, vector: reflector.vector, tau: reflector.tau)
            trial.reflectColumns(from: reflector.offset, vector: reflector.vector, tau: reflector.tau)
        }
        // The block that must vanish: rows n2..<size, columns 0..<n2; and for a 1×1 moved up its
        // diagonal must keep the value it had.
        var residual = 0.0
        for row in n2..<size {
            for column in 0..<n2 { residual = max(residual, abs(trial[row, column])) }
        }
        if n1 == 1 { residual = max(residual, abs(trial[size - 1, size - 1] - d[0, 0])) }
        if n2 == 1 { residual = max(residual, abs(trial[0, 0] - d[size - 1, size - 1])) }
        guard residual <= threshold else { return false }
        let n = t.rows
        for reflector in reflectors {
            let first = j + reflector.offset
            t.reflectRows(from: first, columns: j..<n, vector: reflector.vector, tau: reflector.tau)
            t.reflectColumns(from: first, rows: 0..<min(j + size, n), vector: reflector.vector, tau: reflector.tau)
            q.reflectColumns(from: first, vector: reflector.vector, tau: reflector.tau)
        }
        for row in n2..<size {
            for column in 0..<n2 { t[j + row, j + column] = 0 }
        }
        if n2 == 1 { t[j, j] = d[size - 1, size - 1] }
        if n1 == 1 { t[j + size - 1, j + size - 1] = d[0, 0] }
        if n2 == 2 { standardize(at: j) }
        if n1 == 2 { standardize(at: j + n2) }
        return true
    }

    /// Two 1×1 blocks: the rotation taking e₁ to the eigenvector of the lower one.
    private mutating func swapScalars(at j: Int) {
        let (t11, t22) = (t[j, j], t[j + 1, j + 1])
        let (f, g) = (t[j, j + 1], t22 - t11)
        let r = hypot(f, g)
        guard r != 0 else { return }
        let rotation = PlaneRotation(cs: f / r, sn: g / r)
        rotation.applyOutsideBlock(of: &t, at: j)
        rotation.applyToColumns(of: &q, at: j)
        (t[j, j], t[j + 1, j + 1]) = (t22, t11)
    }

    private mutating func standardize(at k: Int) {
        let block = StandardBlock(t[k, k], t[k, k + 1], t[k + 1, k], t[k + 1, k + 1])
        block.store(in: &t, at: k)
        block.rotation.applyToColumns(of: &q, at: k)
    }

    /// X with T₁₁X − XT₂₂ = T₁₂ for the blocks of `d` (LAPACK's `dlasy2` without its scaling),
    /// by Gaussian elimination with complete pivoting on the Kronecker form; a pivot below
    /// ε·max|d| is raised to that, as `dlasy2` does for nearly equal eigenvalues.
    static func sylvesterSolution(_ d: Matrix, n1: Int, n2: Int) -> Matrix {
        let size = n1 * n2
        var system = Matrix(rows: size, columns: size)
        var right = [Double](repeating: 0, count: size)
        // Unknown (i, l) ↦ i + l·n1.
        for i in 0..<n1 {
            for l in 0..<n2 {
                let equation = i + l * n1
                right[equation] = d[i, n1 + l]
                for k in 0..<n1 { system[equation, k + l * n1] += d[i, k] }
                for k in 0..<n2 { system[equation, i + k * n1] -= d[n1 + k, n1 + l] }
            }
        }
        let smallest = max(Double.ulpOfOne * d.elements.reduce(0) { max($0, abs($1)) }, Double.leastNormalMagnitude)
        var columnOrder = Array(0..<size)
        for step in 0..<size {
            var (pivotRow, pivotColumn, largest) = (step, step, -1.0)
            for row in step..<size {
                for column in step..<size where abs(system[row, column]) > largest {
                    (pivotRow, pivotColumn, largest) = (row, column, abs(system[row, column]))
                }
            }
            for column in 0..<size {
                (system[step, column], system[pivotRow, column]) = (system[pivotRow, column], system[step, column])
            }
            right.swapAt(step, pivotRow)
            for row in 0..<size {
                (system[row, step], system[row, pivotColumn]) = (system[row, pivotColumn], system[row, step])
            }
            columnOrder.swapAt(step, pivotColumn)
            if abs(system[step, step]) < smallest { system[step, step] = smallest }
            for row in (step + 1)..<size {
                let factor = system[row, step] / system[step, step]
                for column in step..<size { system[row, column] -= factor * system[step, column] }
                right[row] -= factor * right[step]
            }
        }
        var solution = [Double](repeating: 0, count: size)
        for step in stride(from: size - 1, through: 0, by: -1) {
            var sum = right[step]
            for column in (step + 1)..<size { sum -= system[step, column] * solution[column] }
            solution[step] = sum / system[step, step]
        }
        var x = Matrix(rows: n1, columns: n2)
        for (position, unknown) in columnOrder.enumerated() { x[unknown % n1, unknown / n1] = solution[position] }
        return x
    }

    /// The reflector I − τvvᵀ of three elements mapping `u` onto a multiple of e_`kept`.
    static func reflector(annihilatingAllBut kept: Int, of u: [Double]) -> (vector: [Double], tau: Double, offset: Int) {
        // Put the kept element first, make the reflector, then put it back in place.
        let order = [kept] + (0..<3).filter { $0 != kept }
        var permuted = order.map { u[$0] }
        let tau = permuted.withUnsafeMutableBufferPointer { Householder.makeReflector($0.baseAddress!, count: 3) }
        permuted[0] = 1
        var vector = [Double](repeating: 0, count: 3)
        for (position, index) in order.enumerated() { vector[index] = permuted[position] }
        return (vector, tau, 0)
    }
}
