import Numerics

/// The real Schur form T = Zᵀ H Z of an upper Hessenberg matrix by the implicitly shifted QR
/// algorithm with Francis double shifts (Golub & Van Loan §7.5; LAPACK's `dlahqr`):
/// T is quasi-upper-triangular, 1×1 blocks for real eigenvalues, standardised 2×2 blocks for
/// complex pairs. Deflation uses the Ahues–Tisseur criterion; every 10 iterations without
/// deflation an exceptional shift breaks cycles.
struct SchurDecomposition {
    /// The eigenvalues in the order of T's diagonal; each complex pair as (a + bi, a − bi), b > 0.
    private(set) var eigenvalues: [Complex<Double>]

    /// Reduces `h` to real Schur form in place when `wantSchurForm` (rows and columns outside the
    /// active block updated, Z accumulated if given), otherwise only as far as the eigenvalues need.
    init(_ h: inout Matrix, z: inout Matrix?, wantSchurForm: Bool) throws(EigenError) {
        let n = h.rows
        eigenvalues = [Complex<Double>](repeating: .zero, count: n)
        let ulp = Double.ulpOfOne
        let safeMinimum = Double.leastNormalMagnitude
        let smallNumber = safeMinimum * (Double(n) / ulp)
        var hi = n - 1
        var iterationsWithoutDeflation = 0
        var totalIterations = 0
        let iterationLimit = 30 * max(10, n)
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
            guard totalIterations <= iterationLimit else {
                throw EigenError.noConvergence(iterations: totalIterations)
            }
            let shiftCount = SchurDecomposition.multishiftCount(blockSize: hi - lo + 1)
            if !wantSchurForm && shiftCount > 2 && iterationsWithoutDeflation % 6 != 0 {
                // Deflate what the trailing window allows, then sweep with its other eigenvalues.
                let windowSize = min(hi - lo, hi - lo + 1 >= 500 ? 3 * shiftCount / 2 : shiftCount)
                let deflation = try AggressiveEarlyDeflation(&h, lo: lo, hi: hi, windowSize: windowSize)
                if deflation.deflated > 0 { iterationsWithoutDeflation = 0 }
                // Enough deflated to check for more before spending a sweep (LAPACK's 14%).
                if 100 * deflation.deflated > 14 * windowSize { continue }
                let shifts = Array(deflation.shifts.suffix(shiftCount))
                MultishiftSweep.run(&h, lo: lo, hi: hi - deflation.deflated, shifts: shifts)
            } else {
                francisStep(&h, &z, lo: lo, hi: hi, exceptional: iterationsWithoutDeflation % 10 == 0,
                            wantSchurForm: wantSchurForm)
            }
        }
    }

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

    /// One implicit double-shift QR sweep on H[lo...hi]: a 3×3 bulge introduced at the top by
    /// the shifts' polynomial, chased to the bottom with Householder reflectors.
    private func francisStep(_ h: inout Matrix, _ z: inout Matrix?, lo: Int, hi: Int, exceptional: Bool,
                             wantSchurForm: Bool) {
        let n = h.rows
        var (s, t): (Double, Double)
        if exceptional {
            // LAPACK's ad hoc shifts: the eigenvalues of [[h₁₁, −0.4375μ], [μ, h₁₁]] with
            // μ = |H[hi, hi−1]| + |H[hi−1, hi−2]| and h₁₁ = 0.75μ + H[hi, hi].
            let magnitude = abs(h[hi, hi - 1]) + abs(h[hi - 1, hi - 2])
            let diagonal = 0.75 * magnitude + h[hi, hi]
            s = 2 * diagonal
            t = diagonal * diagonal + 0.4375 * magnitude * magnitude
        } else {
            s = h[hi - 1, hi - 1] + h[hi, hi]
            t = h[hi - 1, hi - 1] * h[hi, hi] - h[hi - 1, hi] * h[hi, hi - 1]
        }
        // First column of (H − σ₁I)(H − σ₂I), scaled to avoid overflow.
        var x = h[lo, lo] * h[lo, lo] + h[lo, lo + 1] * h[lo + 1, lo] - s * h[lo, lo] + t
        var y = h[lo + 1, lo] * (h[lo, lo] + h[lo + 1, lo + 1] - s)
        var w = h[lo + 1, lo] * h[lo + 2, lo + 1]
        let columnEnd = wantSchurForm ? n - 1 : hi
        let rowStart = wantSchurForm ? 0 : lo
        for k in lo...(hi - 1) {
            if let reflector = SmallReflector(x, y, w, size: k == hi - 1 ? 2 : 3) {
                if k > lo {
                    h[k, k - 1] = reflector.beta
                    h[k + 1, k - 1] = 0
                    if reflector.size == 3 { h[k + 2, k - 1] = 0 }
                }
                h.elements.withUnsafeMutableBufferPointer { buffer in
                    let a = buffer.baseAddress!
                    reflector.applyFromLeft(a, stride: n, firstRow: k, columns: max(k, lo)...columnEnd)
                    reflector.applyFromRight(a, stride: n, firstColumn: k, rows: rowStart...min(k + 3, hi))
                }
                if let rows = z?.rows {
                    z?.elements.withUnsafeMutableBufferPointer { buffer in
                        reflector.applyFromRight(buffer.baseAddress!, stride: rows, firstColumn: k, rows: 0...(rows - 1))
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

    /// The 2×2 block at (k, k): its eigenvalues, and with `wantSchurForm` the rotation that makes
    /// it upper triangular (real eigenvalues) or standard with equal diagonal (complex pair),
    /// applied to the rest of H and to Z (LAPACK's `dlanv2`).
    private mutating func standardizeBlock(_ h: inout Matrix, _ z: inout Matrix?, at k: Int, wantSchurForm: Bool) {
        var (a, b, c, d) = (h[k, k], h[k, k + 1], h[k + 1, k], h[k + 1, k + 1])
        var (cs, sn) = (1.0, 0.0)
        if c == 0 {
        } else if b == 0 {
            (cs, sn) = (0, 1)
            (a, d) = (d, a)
            b = -c
            c = 0
        } else if a - d == 0 && (b < 0) != (c < 0) {
        } else {
            let temp = a - d
            var p = 0.5 * temp
            let bcmax = max(abs(b), abs(c))
            let bcmis = min(abs(b), abs(c)) * (b < 0 ? -1 : 1) * (c < 0 ? -1 : 1)
            let scale = max(abs(p), bcmax)
            var zz = (p / scale) * p + (bcmax / scale) * bcmis
            if zz >= 4 * Double.ulpOfOne {
                zz = p + (p < 0 ? -1 : 1) * scale.squareRoot() * zz.squareRoot()
                a = d + zz
                d -= (bcmax / zz) * bcmis
                let tau = hypot(c, zz)
                cs = zz / tau
                sn = c / tau
                b -= c
                c = 0
            } else {
                let sigma = b + c
                let tau = hypot(sigma, temp)
                cs = (0.5 * (1 + abs(sigma) / tau)).squareRoot()
                sn = -(p / (tau * cs)) * (sigma < 0 ? -1 : 1)
                let (aa, bb) = (a * cs + b * sn, -a * sn + b * cs)
                let (cc, dd) = (c * cs + d * sn, -c * sn + d * cs)
                a = aa * cs + cc * sn
                b = bb * cs + dd * sn
                c = -aa * sn + cc * cs
                d = -bb * sn + dd * cs
                let mean = 0.5 * (a + d)
                a = mean
                d = mean
                if c != 0 {
                    if b != 0 {
                        if (b < 0) == (c < 0) {
                            // Real eigenvalues after all: make the block upper triangular.
                            let sab = abs(b).squareRoot()
                            let sac = abs(c).squareRoot()
                            p = c < 0 ? -sab * sac : sab * sac
                            let t = 1 / abs(b + c).squareRoot()
                            a = mean + p
                            d = mean - p
                            b -= c
                            c = 0
                            let (cs1, sn1) = (sab * t, sac * t)
                            (cs, sn) = (cs * cs1 - sn * sn1, cs * sn1 + sn * cs1)
                        }
                    } else {
                        b = -c
                        c = 0
                        (cs, sn) = (-sn, cs)
                    }
                }
            }
        }
        if c == 0 {
            eigenvalues[k] = Complex(a, 0)
            eigenvalues[k + 1] = Complex(d, 0)
        } else {
            let imaginary = abs(b).squareRoot() * abs(c).squareRoot()
            eigenvalues[k] = Complex(a, imaginary)
            eigenvalues[k + 1] = Complex(d, -imaginary)
        }
        guard wantSchurForm else { return }
        (h[k, k], h[k, k + 1], h[k + 1, k], h[k + 1, k + 1]) = (a, b, c, d)
        let n = h.rows
        if k + 2 < n {
            for j in (k + 2)..<n {
                let (x, y) = (h[k, j], h[k + 1, j])
                h[k, j] = cs * x + sn * y
                h[k + 1, j] = cs * y - sn * x
            }
        }
        for i in 0..<k {
            let (x, y) = (h[i, k], h[i, k + 1])
            h[i, k] = cs * x + sn * y
            h[i, k + 1] = cs * y - sn * x
        }
        for i in 0..<(z?.rows ?? 0) {
            let (x, y) = (z![i, k], z![i, k + 1])
            z![i, k] = cs * x + sn * y
            z![i, k + 1] = cs * y - sn * x
        }
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
    case noConvergence(iterations: Int)

    public var description: String {
        switch self {
        case .notSquare(let rows, let columns): return "eigenvalues need a square matrix, got \(rows)×\(columns)"
        case .notFinite: return "the matrix has NaN or infinite entries"
        case .noConvergence(let iterations): return "the QR algorithm did not converge in \(iterations) iterations"
        }
    }
}
