import Numerics
import Tensors

/// Aggressive early deflation (Braman, Byers & Mathias 2002; LAPACK's `dlaqr3`): the trailing
/// window W = H[kw...hi] of the active block is brought to real Schur form W = V S Vᵀ. The
/// single element coupling the window to the rest, s = H[kw, kw−1], becomes the spike s·Vᵀe₁;
/// every eigenvalue of S whose spike entries are negligible is deflated — those that are not are
/// moved to the top of the window by Schur reordering, so one stubborn eigenvalue does not stop
/// the test of the rest — often dozens per call. The rest of the window is returned to
/// Hessenberg form and its eigenvalues serve as shifts for the next sweep.
///
/// When the window's own QR iteration does not converge, nothing is changed and the caller
/// takes a double-shift step instead (`dlaqr3` likewise treats an unconverged window as
/// undeflatable).
struct AggressiveEarlyDeflation {
    /// Rows of the trailing window.
    let windowSize: Int
    /// Eigenvalues deflated at the bottom of the block.
    private(set) var deflated = 0
    /// The undeflated eigenvalues of the window, bottom last: shifts for the next sweep.
    private(set) var shifts: [Complex<Double>] = []

    init?(_ h: inout Matrix, lo: Int, hi: Int, windowSize: Int) {
        self.windowSize = windowSize
        let n = h.rows
        let kw = hi - windowSize + 1
        precondition(kw > lo, "AggressiveEarlyDeflation: the window must leave a spike")
        let spike = h[kw, kw - 1]
        var window = Matrix(rows: windowSize, columns: windowSize)
        for i in 0..<windowSize {
            for j in max(0, i - 1)..<windowSize { window[i, j] = h[kw + i, kw + j] }
        }
        var transposedVectors: Matrix? = Matrix.identity(windowSize)
        guard (try? SchurDecomposition(&window, transposedVectors: &transposedVectors, wantSchurForm: true)) != nil,
              let schurVectorsTransposed = transposedVectors else { return nil }
        // Test the window's eigenvalues from the bottom: one whose spike entries are negligible
        // is deflated; one that is not is moved to the top of the window (`dlaqr3`), so that the
        // ones above it are tested too.
        let ulp = Double.ulpOfOne
        let small = Double.leastNormalMagnitude * (Double(n) / ulp)
        var reordering = SchurReordering(t: window, qTransposed: schurVectorsTransposed)
        var kept = windowSize
        var undeflatable = 0
        while undeflatable < kept {
            let pair = kept - 2 >= undeflatable && reordering.t[kept - 1, kept - 2] != 0
            let size = pair ? 2 : 1
            let bottom = reordering.t[kept - 1, kept - 1]
            var magnitude = pair
                ? abs(bottom) + abs(reordering.t[kept - 1, kept - 2]).squareRoot() * abs(reordering.t[kept - 2, kept - 1]).squareRoot()
                : abs(bottom)
            if magnitude == 0 { magnitude = abs(spike) }
            let entry = max(abs(spike * reordering.qTransposed[kept - 1, 0]), abs(spike * reordering.qTransposed[kept - size, 0]))
            if entry <= max(small, ulp * magnitude) {
                kept -= size
            } else if reordering.moveBlock(from: kept - size, to: undeflatable) {
                undeflatable += size
            } else {
                break
            }
        }
        window = reordering.t
        // V by its transpose: Vᵀ[c, r] = V[r, c].
        let vTransposed = reordering.qTransposed
        deflated = windowSize - kept
        shifts = AggressiveEarlyDeflation.eigenvalues(of: window, rows: kept)
        guard deflated > 0 else { return }
        // The undeflated part: spike u = s·V[0, 0..<kept]; a reflector P with Pu = βe₁, applied to
        // both sides of S[0..<kept, 0..<kept], then back to Hessenberg form S₁ = W₁ᵀ(PSP)W₁ with
        // the transform P·W₁.
        var u = (0..<kept).map { spike * vTransposed[$0, 0] }
        var top = window.submatrix(rows: 0..<kept, columns: 0..<kept)
        var transform = Matrix.identity(kept)
        if kept > 1 {
            let tau = u.withUnsafeMutableBufferPointer { Householder.makeReflector($0.baseAddress!, count: kept) }
            let vector = [1] + u.dropFirst()
            top.reflectColumns(from: 0, vector: vector, tau: tau)
            top.reflectRows(from: 0, columns: 0..<kept, vector: vector, tau: tau)
            u = [u[0]] + [Double](repeating: 0, count: kept - 1)
            transform = HessenbergReduction(&top).orthogonalFactor(size: kept)
            transform.reflectRows(from: 0, columns: 0..<kept, vector: vector, tau: tau)
        }
        // Window transform Vtot = V · diag(P·W₁, I) (row-major), and the coupling of the kept
        // rows to the deflated columns, (P·W₁)ᵀ·S[0..<kept, kept...].
        let deflatedColumns = windowSize - kept
        var vTotal = [Double](repeating: 0, count: windowSize * windowSize)
        var coupling = [Double](repeating: 0, count: kept * deflatedColumns)
        vTotal.withUnsafeMutableBufferPointer { total in
            vTransposed.elements.withUnsafeBufferPointer { vt in
                transform.elements.withUnsafeBufferPointer { w in
                    RawMatrixProduct.multiply(m: windowSize, n: kept, k: kept, a: vt.baseAddress!, aRowStride: 1,
                                              aColumnStride: windowSize, b: w.baseAddress!, bRowStride: kept, bColumnStride: 1,
                                              c: total.baseAddress!, ldc: windowSize)
                    window.elements.withUnsafeBufferPointer { t in
                        coupling.withUnsafeMutableBufferPointer { coupling in
                            RawMatrixProduct.multiply(m: kept, n: deflatedColumns, k: kept, a: w.baseAddress!, aRowStride: 1,
                                                      aColumnStride: kept, b: t.baseAddress! + kept, bRowStride: windowSize,
                                                      bColumnStride: 1, c: coupling.baseAddress!, ldc: deflatedColumns)
                        }
                    }
                }
                for r in 0..<windowSize {
                    for c in kept..<windowSize { total[r * windowSize + c] = vt[c * windowSize + r] }
                }
            }
        }
        for i in 0..<windowSize {
            h[kw + i, kw - 1] = i < kept ? u[i] : 0
            for j in 0..<windowSize {
                let value: Double
                if i < kept && j < kept {
                    value = top[i, j]
                } else if i < kept {
                    value = coupling[i * deflatedColumns + j - kept]
                } else {
                    value = j >= kept ? window[i, j] : 0
                }
                h[kw + i, kw + j] = value
            }
        }
        // Rows of the block above the window: H[lo..<kw, kw...hi] ← H[…]·Vtot, the product
        // written straight back into H from a copy of those rows, each core copying and
        // multiplying a part of them.
        let above = kw - lo
        let block = UnsafeMutablePointer<Double>.allocate(capacity: above * windowSize)
        defer { block.deallocate() }
        h.elements.withUnsafeMutableBufferPointer { buffer in
            let first = buffer.baseAddress! + lo * n + kw
            vTotal.withUnsafeBufferPointer { factor in
                CoreParts.forEach(of: 0..<above, elementsPerItem: windowSize) { rows in
                    for i in rows { (block + i * windowSize).update(from: first + i * n, count: windowSize) }
                    RawMatrixProduct.multiply(m: rows.count, n: windowSize, k: windowSize, a: block + rows.lowerBound * windowSize,
                                              aRowStride: windowSize, aColumnStride: 1, b: factor.baseAddress!,
                                              bRowStride: windowSize, bColumnStride: 1, c: first + rows.lowerBound * n, ldc: n)
                }
            }
        }
    }

    /// The eigenvalues of the leading `rows` rows of a quasi-triangular matrix in standard form.
    private static func eigenvalues(of t: Matrix, rows: Int) -> [Complex<Double>] {
        var values: [Complex<Double>] = []
        var row = 0
        while row < rows {
            if row + 1 < rows && t[row + 1, row] != 0 {
                let pair = StandardBlock(t[row, row], t[row, row + 1], t[row + 1, row], t[row + 1, row + 1]).eigenvalues
                values += [pair.0, pair.1]
                row += 2
            } else {
                values.append(Complex(t[row, row]))
                row += 1
            }
        }
        return values
    }
}
