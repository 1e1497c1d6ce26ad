import Numerics
import Tensors

/// Aggressive early deflation (Braman, Byers & Mathias 2002; LAPACK's `dlaqr3`, without
/// reordering): the trailing window W = H[kw...hi] of the active block is brought to real Schur
/// form W = V S Vᵀ. The single element coupling the window to the rest, s = H[kw, kw−1], becomes
/// the spike s·Vᵀe₁; eigenvalues of S at the bottom whose spike entries are negligible are
/// deflated at once, often dozens per call. The rest of the window is returned to Hessenberg
/// form and its eigenvalues serve as shifts for the next sweep.
struct AggressiveEarlyDeflation {
    /// Eigenvalues deflated at the bottom of the block.
    private(set) var deflated = 0
    /// The undeflated eigenvalues of the window, bottom last: shifts for the next sweep.
    private(set) var shifts: [Complex<Double>] = []

    init(_ h: inout Matrix, lo: Int, hi: Int, windowSize: Int) throws(EigenError) {
        let n = h.rows
        let kw = hi - windowSize + 1
        precondition(kw > lo, "AggressiveEarlyDeflation: the window must leave a spike")
        let spike = h[kw, kw - 1]
        var window = Matrix(rows: windowSize, columns: windowSize)
        for i in 0..<windowSize {
            for j in max(0, i - 1)..<windowSize { window[i, j] = h[kw + i, kw + j] }
        }
        var vectors: Matrix? = Matrix.identity(windowSize)
        let schur = try SchurDecomposition(&window, z: &vectors, wantSchurForm: true)
        guard let v = vectors else { return }
        // Deflate from the bottom while the spike entries are negligible.
        let ulp = Double.ulpOfOne
        let small = Double.leastNormalMagnitude * (Double(n) / ulp)
        var kept = windowSize
        while kept > 0 {
            let pair = kept >= 2 && window[kept - 1, kept - 2] != 0
            let size = pair ? 2 : 1
            let magnitude = pair
                ? abs(window[kept - 1, kept - 1]) + abs(window[kept - 1, kept - 2]).squareRoot()
                    * abs(window[kept - 2, kept - 1]).squareRoot()
                : abs(window[kept - 1, kept - 1])
            let entry = (0..<size).map { abs(spike * v[0, kept - 1 - $0]) }.max()!
            guard entry <= max(small, ulp * magnitude) else { break }
            kept -= size
        }
        deflated = windowSize - kept
        shifts = Array(schur.eigenvalues[0..<kept])
        guard deflated > 0 else { return }
        // The undeflated part: spike u = s·V[0, 0..<kept]; a reflector P with Pu = βe₁, applied to
        // both sides of S[0..<kept, 0..<kept], then back to Hessenberg form: W₁ = P·Q.
        var u = (0..<kept).map { spike * v[0, $0] }
        var top = Matrix(rows: kept, columns: kept)
        for i in 0..<kept {
            for j in 0..<kept { top[i, j] = window[i, j] }
        }
        var transform = Matrix.identity(kept)
        if kept > 1 {
            let (vector, tau, beta) = reflector(u)
            applyBothSides(&top, vector: vector, tau: tau)
            transform = Matrix.identity(kept)
            applyRight(&transform, vector: vector, tau: tau)
            u = [beta] + [Double](repeating: 0, count: kept - 1)
            let reduction = HessenbergReduction(&top)
            transform = Matrix(transform.tensor.matmul(reduction.orthogonalFactor(size: kept).tensor))
        }
        // Window transform Vtot = V · diag(W₁, I), new window and spike.
        var total = Matrix.identity(windowSize)
        for i in 0..<kept {
            for j in 0..<kept { total[i, j] = transform[i, j] }
        }
        let vTotal = Matrix(v.tensor.matmul(total.tensor))
        let coupling = Matrix(transform.tensor.matmul(slice(window, rows: 0..<kept, columns: kept..<windowSize).tensor,
                                                      transposingSelf: true))
        for i in 0..<windowSize {
            h[kw + i, kw - 1] = i < kept ? u[i] : 0
            for j in 0..<windowSize {
                let value: Double
                if i < kept && j < kept {
                    value = top[i, j]
                } else if i < kept {
                    value = coupling[i, j - kept]
                } else {
                    value = j >= kept ? window[i, j] : 0
                }
                h[kw + i, kw + j] = value
            }
        }
        // Rows of the block above the window: H[lo..<kw, kw...hi] ← H[…]·Vtot.
        let above = kw - lo
        let block = slice(h, rows: lo..<kw, columns: kw..<(hi + 1))
        let updated = Matrix(block.tensor.matmul(vTotal.tensor))
        for i in 0..<above {
            for j in 0..<windowSize { h[lo + i, kw + j] = updated[i, j] }
        }
    }

    private func slice(_ m: Matrix, rows: Range<Int>, columns: Range<Int>) -> Matrix {
        var result = Matrix(rows: rows.count, columns: columns.count)
        for (i, r) in rows.enumerated() {
            for (j, c) in columns.enumerated() { result[i, j] = m[r, c] }
        }
        return result
    }

    /// (v, τ, β) with (I − τvvᵀ)x = βe₁, v[0] = 1.
    private func reflector(_ x: [Double]) -> ([Double], Double, Double) {
        let tail = x.dropFirst().reduce(0) { $0 + $1 * $1 }
        guard tail > 0 else { return ([1] + [Double](repeating: 0, count: x.count - 1), 0, x[0]) }
        let beta = -(x[0] >= 0 ? 1.0 : -1.0) * (x[0] * x[0] + tail).squareRoot()
        let scale = 1 / (x[0] - beta)
        return ([1] + x.dropFirst().map { $0 * scale }, (beta - x[0]) / beta, beta)
    }

    /// M ← P M P with P = I − τvvᵀ.
    private func applyBothSides(_ m: inout Matrix, vector v: [Double], tau: Double) {
        applyRight(&m, vector: v, tau: tau)
        let size = m.rows
        var w = [Double](repeating: 0, count: size)
        for i in 0..<size {
            for j in 0..<size { w[j] += v[i] * m[i, j] }
        }
        for i in 0..<size {
            for j in 0..<size { m[i, j] -= tau * v[i] * w[j] }
        }
    }

    /// M ← M P with P = I − τvvᵀ.
    private func applyRight(_ m: inout Matrix, vector v: [Double], tau: Double) {
        for i in 0..<m.rows {
            var s = 0.0
            for j in 0..<m.columns { s += m[i, j] * v[j] }
            for j in 0..<m.columns { m[i, j] -= tau * s * v[j] }
        }
    }
}
