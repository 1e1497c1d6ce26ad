import Numerics

/// The real Schur form T = Zᵀ H Z of an upper Hessenberg matrix by the implicitly shifted QR
/// algorithm with Francis double shifts (Golub & Van Loan §7.5; LAPACK's `dlahqr`):
/// T is quasi-upper-triangular, 1×1 blocks for real eigenvalues, standardised 2×2 blocks for
/// complex pairs. Deflation uses the Ahues–Tisseur criterion; a sweep starts below two
/// consecutive small subdiagonal elements when there are such; exceptional shifts break cycles
/// (every ``exceptionalShiftPeriod`` iterations without deflation, alternating between the bottom
/// and the top of the active block, as `dlahqr` does). Large blocks use multishift sweeps with
/// aggressive early deflation (`dlaqr0`) when only eigenvalues are wanted.
///
/// When an active block does not deflate within ``iterationLimit(blockSize:)`` iterations the
/// decomposition stops with ``EigenError/noConvergence(iterations:found:unconverged:)``, which
/// carries the eigenvalues found so far (LAPACK returns them in `WR(INFO+1:N)`).
struct SchurDecomposition {
    /// The eigenvalues in the order of T's diagonal; each complex pair as (a + bi, a − bi), b > 0.
    private(set) var eigenvalues: [Complex<Double>]

    /// Iterations without a deflation before an exceptional shift (`dlahqr`'s KEXSH).
    static let exceptionalShiftPeriod = 10

    /// Iterations allowed without a deflation in an active block of `blockSize` rows
    /// (`dlahqr`'s ITMAX = 30·max(10, n)): far beyond what convergence ever needs (two to four
    /// per eigenvalue), so reaching it means the iteration cycles.
    static func iterationLimit(blockSize: Int) -> Int { 30 * max(10, blockSize) }

    /// Reduces `h` to real Schur form in place when `wantSchurForm` (rows and columns outside the
    /// active block updated, Z accumulated if given), otherwise only as far as the eigenvalues need.
    /// `iterationLimit` replaces ``iterationLimit(blockSize:)`` when given.
    init(_ h: inout Matrix, z: inout Matrix?, wantSchurForm: Bool, iterationLimit: Int? = nil) throws(EigenError) {
        var transposed = z?.transposed
        defer { z = transposed?.transposed }
        try self.init(&h, transposedVectors: &transposed, wantSchurForm: wantSchurForm, iterationLimit: iterationLimit)
    }

    /// The same with Z given and returned transposed, as Zᵀ: a reflector or rotation then
    /// updates rows of Zᵀ, which vectorise, rather than two or three elements in every row of Z.
    init(_ h: inout Matrix, transposedVectors z: inout Matrix?, wantSchurForm: Bool,
         iterationLimit: Int? = nil) throws(EigenError) {
        let n = h.rows
        eigenvalues = [Complex<Double>](repeating: .zero, count: n)
        let ulp = Double.ulpOfOne
        let safeMinimum = Double.leastNormalMagnitude
        let smallNumber = safeMinimum * (Double(n) / ulp)
        var hi = n - 1
        var iterationsWithoutDeflation = 0
        var totalIterations = 0
        while hi >= 0 {
            // The active block [lo, hi]: walk up to a negligible subdiagonal element.
            var lo = hi
            while lo > 0 {
                let sub = abs(h[lo, lo - 1])
                if sub <= smallNumber { break }
                var diagonal = abs(h[lo - 1, lo - 1]) + abs(h[lo, lo])
                if diagonal == 0 {
                    if lo - 2 >= 0 { diagonal += abs(h[lo - 1, lo - 2]) }
                    if lo + 1 <= hi { diagonal += abs(h[lo + 1, lo]) }
                }
                if sub <= ulp * diagonal {
                    let ab = max(sub, abs(h[lo - 1, lo]))
                    let ba = min(sub, abs(h[lo - 1, lo]))
                    let aa = max(abs(h[lo, lo]), abs(h[lo - 1, lo - 1] - h[lo, lo]))
                    let bb = min(abs(h[lo, lo]), abs(h[lo - 1, lo - 1] - h[lo, lo]))
                    let s = aa + ab
                    if ba * (ab / s) <= max(smallNumber, ulp * (bb * (aa / s))) { break }
                }
                lo -= 1
            }
            if lo > 0 { h[lo, lo - 1] = 0 }
            if lo == hi {
                eigenvalues[hi] = Complex(h[hi, hi], 0)
                hi -= 1
                iterationsWithoutDeflation = 0
                continue
            }
            if lo == hi - 1 {
                standardizeBlock(&h, &z, at: hi - 1, wantSchurForm: wantSchurForm)
                hi -= 2
                iterationsWithoutDeflation = 0
                continue
            }
            iterationsWithoutDeflation += 1
            totalIterations += 1
            guard iterationsWithoutDeflation <= iterationLimit ?? SchurDecomposition.iterationLimit(blockSize: hi - lo + 1) else {
                throw EigenError.noConvergence(iterations: totalIterations, found: Array(eigenvalues[(hi + 1)...]),
                                               unconverged: hi + 1)
            }
            let shiftCount = SchurDecomposition.multishiftCount(blockSize: hi - lo + 1)
            let period = SchurDecomposition.exceptionalShiftPeriod
            if !wantSchurForm && shiftCount > 2 && iterationsWithoutDeflation % 6 != 0,
               let deflation = AggressiveEarlyDeflation(&h, lo: lo, hi: hi,
                                                        windowSize: min(hi - lo, hi - lo + 1 >= 500 ? 3 * shiftCount / 2 : shiftCount)) {
                // Deflate what the trailing window allows, then sweep with its other eigenvalues.
                if deflation.deflated > 0 { iterationsWithoutDeflation = 0 }
                // Enough deflated to check for more before spending a sweep.
                if 100 * deflation.deflated > SchurDecomposition.nibblePercent * deflation.windowSize { continue }
                let shifts = Array(deflation.shifts.suffix(shiftCount))
                MultishiftSweep.run(&h, lo: lo, hi: hi - deflation.deflated, shifts: shifts)
            } else {
                let shift: Shift = iterationsWithoutDeflation % (2 * period) == 0 ? .exceptionalBottom
                    : iterationsWithoutDeflation % period == 0 ? .exceptionalTop : .standard
                francisStep(&h, &z, lo: lo, hi: hi, shift: shift, wantSchurForm: wantSchurForm)
            }
        }
    }

    /// The share of a deflation window (in percent) that, deflated, makes the next iteration
    /// deflate again before it sweeps (`dlaqr0`'s NIBBLE, 14 there). Here a sweep's products
    /// share both cores while the deflation runs on one, so deflating again pays sooner: at 20 a
    /// random 2003×2003 takes 103 deflations instead of 117 for 2% more sweep work, and its
    /// sweeps and deflations 0.495 s instead of 0.506 s (medians of 16 alternating runs; the
    /// trained mog8 Jacobian 63 instead of 70, 0.163 s against 0.171 s). At 25 and 35 the sweep work
    /// grows 7% and 14%, taking back what the fewer deflations save.
    static let nibblePercent = 20

    /// Active blocks at least this large use multishift sweeps (eigenvalues only).
    static let multishiftThreshold = 150

    /// Shifts per sweep for an active block of `blockSize` (LAPACK's `iparmq` choices); 2 means
    /// the plain double-shift sweep.
    static func multishiftCount(blockSize: Int) -> Int {
        guard blockSize >= multishiftThreshold else { return 2 }
        if blockSize < 590 {
            let count = Int(Double(blockSize) / Double.log2(Double(blockSize)))
            return max(4, count - count % 2)
        }
        return blockSize < 3000 ? 64 : 128
    }

    /// Where a double-shift sweep takes its shifts from.
    enum Shift {
        /// The eigenvalues of the trailing 2×2 block (Wilkinson's shifts).
        case standard
        /// `dlahqr`'s ad hoc shifts from the magnitude μ of the last two subdiagonal elements:
        /// the eigenvalues of [[0.75μ + H[hi, hi], −0.4375μ], [μ, 0.75μ + H[hi, hi]]].
        case exceptionalBottom
        /// The same from the first two subdiagonal elements of the active block.
        case exceptionalTop
    }

    /// One implicit double-shift QR sweep on H[lo...hi] (`dlahqr`): the shifts' polynomial
    /// introduces a 3×3 bulge, which Householder reflectors chase to the bottom. The sweep starts
    /// at the lowest row m where H[m, m−1] is small enough, relative to the bulge it would create,
    /// to be treated as zero (two consecutive small subdiagonal elements), which saves work and
    /// converges where a sweep from the top would stall.
    private func francisStep(_ h: inout Matrix, _ z: inout Matrix?, lo: Int, hi: Int, shift: Shift,
                             wantSchurForm: Bool) {
        let n = h.rows
        let ulp = Double.ulpOfOne
        let shifts = SchurDecomposition.shifts(h, lo: lo, hi: hi, kind: shift)
        // The first column of (H − σ₁I)(H − σ₂I) at row m, scaled; m moves up while the bulge it
        // would make stays negligible against H[m, m−1].
        var m = hi - 2
        var v = (0.0, 0.0, 0.0)
        while true {
            let sub = h[m + 1, m]
            var s = abs(h[m, m] - shifts.second.real) + abs(shifts.second.imaginary) + abs(sub)
            if s == 0 { s = 1 }
            let scaledSub = sub / s
            v.0 = scaledSub * h[m, m + 1] + (h[m, m] - shifts.first.real) * ((h[m, m] - shifts.second.real) / s)
                - shifts.first.imaginary * (shifts.second.imaginary / s)
            v.1 = scaledSub * (h[m, m] + h[m + 1, m + 1] - shifts.first.real - shifts.second.real)
            v.2 = scaledSub * h[m + 2, m + 1]
            let total = abs(v.0) + abs(v.1) + abs(v.2)
            if total > 0 { v = (v.0 / total, v.1 / total, v.2 / total) }
            if m == lo { break }
            let above = abs(h[m, m - 1]) * (abs(v.1) + abs(v.2))
            let around = abs(v.0) * (abs(h[m - 1, m - 1]) + abs(h[m, m]) + abs(h[m + 1, m + 1]))
            if above <= ulp * around { break }
            m -= 1
        }
        var (x, y, w) = v
        let columnEnd = wantSchurForm ? n - 1 : hi
        let rowStart = wantSchurForm ? 0 : lo
        for k in m...(hi - 1) {
            if let reflector = SmallReflector(x, y, w, size: k == hi - 1 ? 2 : 3) {
                if k > m {
                    h[k, k - 1] = reflector.beta
                    h[k + 1, k - 1] = 0
                    if reflector.size == 3 { h[k + 2, k - 1] = 0 }
                } else if m > lo {
                    // The small H[m, m−1] is reflected too (dlahqr's form, safe when the bulge underflows).
                    h[k, k - 1] *= 1 - reflector.tau
                }
                h.elements.withUnsafeMutableBufferPointer { buffer in
                    let a = buffer.baseAddress!
                    reflector.applyFromLeft(a, stride: n, firstRow: k, columns: k...columnEnd)
                    reflector.applyFromRight(a, stride: n, firstColumn: k, rows: rowStart...min(k + 3, hi))
                }
                if let columns = z?.columns {
                    z?.elements.withUnsafeMutableBufferPointer { buffer in
                        reflector.applyFromLeft(buffer.baseAddress!, stride: columns, firstRow: k, columns: 0...(columns - 1))
                    }
                }
            }
            if k < hi - 1 {
                x = h[k + 1, k]
                y = h[k + 2, k]
                w = k < hi - 2 ? h[k + 3, k] : 0
            }
        }
    }

    /// The two shifts of a double-shift sweep (`dlahqr`): a complex pair, or — when the 2×2
    /// block's eigenvalues are real — the one nearer H[hi, hi] twice.
    static func shifts(_ h: Matrix, lo: Int, hi: Int, kind: Shift) -> (first: Complex<Double>, second: Complex<Double>) {
        var (h11, h12, h21, h22): (Double, Double, Double, Double)
        switch kind {
        case .standard:
            (h11, h12, h21, h22) = (h[hi - 1, hi - 1], h[hi - 1, hi], h[hi, hi - 1], h[hi, hi])
        case .exceptionalBottom:
            let mu = abs(h[hi, hi - 1]) + abs(h[hi - 1, hi - 2])
            h11 = 0.75 * mu + h[hi, hi]
            (h12, h21, h22) = (-0.4375 * mu, mu, h11)
        case .exceptionalTop:
            let mu = abs(h[lo + 1, lo]) + abs(h[lo + 2, lo + 1])
            h11 = 0.75 * mu + h[lo, lo]
            (h12, h21, h22) = (-0.4375 * mu, mu, h11)
        }
        let s = abs(h11) + abs(h12) + abs(h21) + abs(h22)
        guard s != 0 else { return (.zero, .zero) }
        (h11, h12, h21, h22) = (h11 / s, h12 / s, h21 / s, h22 / s)
        let trace = (h11 + h22) / 2
        let determinant = (h11 - trace) * (h22 - trace) - h12 * h21
        let root = abs(determinant).squareRoot()
        if determinant >= 0 {
            return (Complex(trace * s, root * s), Complex(trace * s, -root * s))
        }
        let (plus, minus) = (trace + root, trace - root)
        let nearer = (abs(plus - h22) <= abs(minus - h22) ? plus : minus) * s
        return (Complex(nearer, 0), Complex(nearer, 0))
    }

    /// The 2×2 block at (k, k): its eigenvalues, and with `wantSchurForm` the rotation that makes
    /// it upper triangular (real eigenvalues) or standard with equal diagonal (complex pair),
    /// applied to the rest of H and to Z (held transposed).
    private mutating func standardizeBlock(_ h: inout Matrix, _ z: inout Matrix?, at k: Int, wantSchurForm: Bool) {
        let block = StandardBlock(h[k, k], h[k, k + 1], h[k + 1, k], h[k + 1, k + 1])
        (eigenvalues[k], eigenvalues[k + 1]) = block.eigenvalues
        guard wantSchurForm else { return }
        block.store(in: &h, at: k)
        if z != nil { block.rotation.applyToRows(of: &z!, at: k) }
    }
}

/// √(x² + y²) without undue overflow.
func hypot(_ x: Double, _ y: Double) -> Double {
    let (a, b) = (abs(x), abs(y))
    let (large, small) = (max(a, b), min(a, b))
    guard large > 0 else { return 0 }
    let ratio = small / large
    return large * (1 + ratio * ratio).squareRoot()
}

/// Why an eigenvalue computation failed.
public enum EigenError: Error, CustomStringConvertible, Equatable {
    case notSquare(rows: Int, columns: Int)
    case notFinite
    /// The QR iteration cycled; `found` are the eigenvalues that had converged (those of the
    /// trailing rows from `unconverged` on, in Schur order), the other `unconverged` were not found.
    case noConvergence(iterations: Int, found: [Complex<Double>], unconverged: Int)

    public var description: String {
        switch self {
        case .notSquare(let rows, let columns): return "eigenvalues need a square matrix, got \(rows)×\(columns)"
        case .notFinite: return "the matrix has NaN or infinite entries"
        case .noConvergence(let iterations, let found, let unconverged):
            return "the QR algorithm did not converge (\(iterations) iterations): \(found.count) eigenvalues were found, \(unconverged) were not"
        }
    }
}
