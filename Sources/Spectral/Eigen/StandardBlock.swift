import Numerics

/// A 2×2 diagonal block of a real Schur form brought to standard form by a rotation (LAPACK's
/// `dlanv2`): upper triangular when its eigenvalues are real, [[a, b], [c, a]] with bc < 0 when
/// they are a complex pair a ± i√(−bc).
struct StandardBlock {
    private(set) var a: Double
    private(set) var b: Double
    private(set) var c: Double
    private(set) var d: Double
    /// The rotation [[cs, sn], [−sn, cs]] with standard form = Rᵀ·block·R.
    private(set) var cs = 1.0
    private(set) var sn = 0.0

    init(_ a: Double, _ b: Double, _ c: Double, _ d: Double) {
        (self.a, self.b, self.c, self.d) = (a, b, c, d)
        standardize()
    }

    private mutating func standardize() {
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
    }

    /// The eigenvalues, a complex pair as (a + bi, a − bi) with b > 0.
    var eigenvalues: (Complex<Double>, Complex<Double>) {
        guard c != 0 else { return (Complex(a, 0), Complex(d, 0)) }
        let imaginary = abs(b).squareRoot() * abs(c).squareRoot()
        return (Complex(a, imaginary), Complex(d, -imaginary))
    }

    /// The rotation that brought the block to standard form.
    var rotation: PlaneRotation { PlaneRotation(cs: cs, sn: sn) }

    /// Writes the block into `h` at (k, k) and applies the rotation to the rest of rows k, k + 1
    /// and columns k, k + 1 of `h`.
    func store(in h: inout Matrix, at k: Int) {
        (h[k, k], h[k, k + 1], h[k + 1, k], h[k + 1, k + 1]) = (a, b, c, d)
        rotation.applyOutsideBlock(of: &h, at: k)
    }
}
