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
    /// Qᵀ for the accumulated transformation Q: each similarity applied to t updates two or
    /// three columns of Q, which are rows here, contiguous in memory.
    private(set) var qTransposed: Matrix

    /// Starts from T and Qᵀ.
    init(t: Matrix, qTransposed: Matrix) {
        self.t = t
        self.qTransposed = qTransposed
    }

    /// The accumulated transformation.
    var q: Matrix { qTransposed.transposed }

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
        let d = SmallSquare(t, at: j, size: size)
        let threshold = max(SchurReordering.swapTolerance * Double.ulpOfOne * d.largestMagnitude,
                            Double.leastNormalMagnitude / Double.ulpOfOne)
        let x = SchurReordering.sylvesterSolution(d, n1: n1, n2: n2)
        // Reflectors P (one, or two for 2×2 with 2×2) with P[−X; I] upper triangular bring
        // Pᵀ D P to [[T₂₂, *], [0, T₁₁]].
        let reflectors: (first: SwapReflector, second: SwapReflector?)
        switch (n1, n2) {
        case (1, 2):
            reflectors = (SwapReflector(annihilatingAllBut: 2, of: SIMD3(1, x[0, 0], x[0, 1])), nil)
        case (2, 1):
            reflectors = (SwapReflector(annihilatingAllBut: 0, of: SIMD3(-x[0, 0], -x[1, 0], 1)), nil)
        default:
            let first = SwapReflector(annihilatingAllBut: 0, of: SIMD3(-x[0, 0], -x[1, 0], 1))
            let v = first.vector
            // The second column [−x₁₂, −x₂₂, 0, 1] after the first reflector, rows 1...3.
            let w = -x[0, 1] * v[0] - x[1, 1] * v[1]
            var second = SwapReflector(annihilatingAllBut: 0, of: SIMD3(-x[1, 1] - first.tau * w * v[1], -first.tau * w * v[2], 1))
            second.offset = 1
            reflectors = (first, second)
        }
        /// Runs `body` on each reflector in order.
        func forEachReflector(_ body: (SwapReflector) -> Void) {
            body(reflectors.first)
            if let second = reflectors.second { body(second) }
        }
        var trial = d
        forEachReflector { trial.transform(by: $0) }
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
        t.elements.withUnsafeMutableBufferPointer { tBuffer in
            qTransposed.elements.withUnsafeMutableBufferPointer { qBuffer in
                forEachReflector { reflector in
                    let first = j + reflector.offset
                    reflector.applyToRows(tBuffer.baseAddress!, stride: n, first: first, columns: j..<n)
                    reflector.applyToColumns(tBuffer.baseAddress!, stride: n, first: first, rows: 0..<min(j + size, n))
                    reflector.applyToRows(qBuffer.baseAddress!, stride: n, first: first, columns: 0..<n)
                }
            }
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
        rotation.applyToRows(of: &qTransposed, at: j)
        (t[j, j], t[j + 1, j + 1]) = (t22, t11)
    }

    private mutating func standardize(at k: Int) {
        let block = StandardBlock(t[k, k], t[k, k + 1], t[k + 1, k], t[k + 1, k + 1])
        block.store(in: &t, at: k)
        block.rotation.applyToRows(of: &qTransposed, at: k)
    }

    /// X with T₁₁X − XT₂₂ = T₁₂ for the blocks of `d` (LAPACK's `dlasy2` without its scaling),
    /// by Gaussian elimination with complete pivoting on the Kronecker form; a pivot below
    /// ε·max|d| is raised to that, as `dlasy2` does for nearly equal eigenvalues.
    static func sylvesterSolution(_ d: SmallSquare, n1: Int, n2: Int) -> SmallSquare {
        let size = n1 * n2
        let smallest = max(Double.ulpOfOne * d.largestMagnitude, Double.leastNormalMagnitude)
        var x = SmallSquare(size: max(n1, n2))
        // The system, its right side and its solution in one stack buffer, indexed by pointer (a
        // SIMD vector indexed by a variable goes through memory on every access).
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 24) { buffer in
            let system = buffer.baseAddress!, right = system + 16, solution = system + 20
            buffer.initialize(repeating: 0)
            // Unknown (i, l) ↦ i + l·n1; row `equation` of the system at system[4·equation...].
            for i in 0..<n1 {
                for l in 0..<n2 {
                    let equation = i + l * n1
                    right[equation] = d[i, n1 + l]
                    for k in 0..<n1 { system[equation * 4 + k + l * n1] += d[i, k] }
                    for k in 0..<n2 { system[equation * 4 + i + k * n1] -= d[n1 + k, n1 + l] }
                }
            }
            var columnOrder = (0, 1, 2, 3)
            withUnsafeMutableBytes(of: &columnOrder) { orderBytes in
                let order = orderBytes.baseAddress!.assumingMemoryBound(to: Int.self)
                for step in 0..<size {
                    var (pivotRow, pivotColumn, largest) = (step, step, -1.0)
                    for row in step..<size {
                        for column in step..<size where abs(system[row * 4 + column]) > largest {
                            (pivotRow, pivotColumn, largest) = (row, column, abs(system[row * 4 + column]))
                        }
                    }
                    for column in 0..<size {
                        (system[step * 4 + column], system[pivotRow * 4 + column]) = (system[pivotRow * 4 + column], system[step * 4 + column])
                    }
                    (right[step], right[pivotRow]) = (right[pivotRow], right[step])
                    for row in 0..<size {
                        (system[row * 4 + step], system[row * 4 + pivotColumn]) = (system[row * 4 + pivotColumn], system[row * 4 + step])
                    }
                    (order[step], order[pivotColumn]) = (order[pivotColumn], order[step])
                    if abs(system[step * 4 + step]) < smallest { system[step * 4 + step] = smallest }
                    for row in (step + 1)..<size {
                        let factor = system[row * 4 + step] / system[step * 4 + step]
                        for column in step..<size { system[row * 4 + column] -= factor * system[step * 4 + column] }
                        right[row] -= factor * right[step]
                    }
                }
                for step in stride(from: size - 1, through: 0, by: -1) {
                    var sum = right[step]
                    for column in (step + 1)..<size { sum -= system[step * 4 + column] * solution[column] }
                    solution[step] = sum / system[step * 4 + step]
                }
                for position in 0..<size {
                    let unknown = order[position]
                    x[unknown % n1, unknown / n1] = solution[position]
                }
            }
        }
        return x
    }
}

/// A square matrix of at most 4×4 held in registers: the pair of diagonal blocks a swap
/// exchanges, and the small systems it solves.
struct SmallSquare {
    private var elements = SIMD16<Double>()
    let size: Int

    /// The zero matrix of `size` rows.
    init(size: Int) {
        precondition(size <= 4, "SmallSquare: at most 4×4")
        self.size = size
    }

    /// The `size`×`size` block of `m` at (`start`, `start`).
    init(_ m: Matrix, at start: Int, size: Int) {
        self.init(size: size)
        for i in 0..<size {
            for j in 0..<size { self[i, j] = m[start + i, start + j] }
        }
    }

    subscript(row: Int, column: Int) -> Double {
        get { elements[row * 4 + column] }
        set { elements[row * 4 + column] = newValue }
    }

    /// max |mᵢⱼ|.
    var largestMagnitude: Double { elements.replacing(with: -elements, where: elements .< 0).max() }

    /// P·M·P for the reflector P on rows and columns offset ..< offset + 3.
    mutating func transform(by reflector: SwapReflector) {
        withUnsafeMutablePointer(to: &elements) { pointer in
            pointer.withMemoryRebound(to: Double.self, capacity: 16) { m in
                reflector.applyToRows(m, stride: 4, first: reflector.offset, columns: 0..<size)
                reflector.applyToColumns(m, stride: 4, first: reflector.offset, rows: 0..<size)
            }
        }
    }
}

/// A reflector I − τvvᵀ on three consecutive indices `offset ..< offset + 3` with one component
/// of v equal to 1 (any of the three): how a swap of diagonal blocks triangularises [−X; I].
struct SwapReflector {
    let vector: SIMD3<Double>
    let tau: Double
    var offset = 0

    /// The reflector mapping `u` onto a multiple of e_`kept`.
    init(annihilatingAllBut kept: Int, of u: SIMD3<Double>) {
        // Put the kept element first, make the reflector, then put it back in place.
        let order = SIMD3<Int>(kept, kept == 0 ? 1 : 0, kept == 2 ? 1 : 2)
        var permuted = SIMD3<Double>(u[order[0]], u[order[1]], u[order[2]])
        tau = withUnsafeMutablePointer(to: &permuted) {
            $0.withMemoryRebound(to: Double.self, capacity: 3) { Householder.makeReflector($0, count: 3) }
        }
        permuted[0] = 1
        var vector = SIMD3<Double>()
        for position in 0..<3 { vector[order[position]] = permuted[position] }
        self.vector = vector
    }

    /// Rows `first ..< first + 3` of a row-major matrix over `columns`: w = vᵀA, A −= τ·v·wᵀ.
    @inline(__always)
    func applyToRows(_ a: UnsafeMutablePointer<Double>, stride: Int, first: Int, columns: Range<Int>) {
        let (r0, r1, r2) = (a + first * stride, a + (first + 1) * stride, a + (first + 2) * stride)
        let (v0, v1, v2) = (vector[0], vector[1], vector[2])
        for j in columns {
            let sum = tau * (r0[j] * v0 + r1[j] * v1 + r2[j] * v2)
            r0[j] -= sum * v0
            r1[j] -= sum * v1
            r2[j] -= sum * v2
        }
    }

    /// Columns `first ..< first + 3` of the rows in `rows`: s = A·v, A −= τ·s·vᵀ.
    @inline(__always)
    func applyToColumns(_ a: UnsafeMutablePointer<Double>, stride: Int, first: Int, rows: Range<Int>) {
        let (v0, v1, v2) = (vector[0], vector[1], vector[2])
        for i in rows {
            let row = a + i * stride + first
            let sum = tau * (row[0] * v0 + row[1] * v1 + row[2] * v2)
            row[0] -= sum * v0
            row[1] -= sum * v1
            row[2] -= sum * v2
        }
    }
}
