import Numerics
import Spectral

/// log|det A| and the sign of det A, by Gaussian elimination with partial pivoting.
func logAbsoluteDeterminant(_ a: Matrix) -> (logarithm: Double, sign: Double) {
    let n = a.rows
    var lu = a
    var logarithm = 0.0
    var sign = 1.0
    for k in 0..<n {
        let pivot = (k..<n).max { abs(lu[$0, k]) < abs(lu[$1, k]) }!
        if pivot != k {
            sign = -sign
            for j in 0..<n { (lu[k, j], lu[pivot, j]) = (lu[pivot, j], lu[k, j]) }
        }
        logarithm += Double.log(abs(lu[k, k]))
        if lu[k, k] < 0 { sign = -sign }
        for i in (k + 1)..<n {
            let factor = lu[i, k] / lu[k, k]
            for j in k..<n { lu[i, j] -= factor * lu[k, j] }
        }
    }
    return (logarithm, sign)
}

/// The trace of A.
func trace(_ a: Matrix) -> Double {
    (0..<a.rows).reduce(0.0) { $0 + a[$1, $1] }
}

/// ‖Av − λv‖ for each eigenpair, the largest.
func largestResidual(_ a: Matrix, _ decomposition: EigenDecomposition) -> Double {
    let n = a.rows
    var largest = 0.0
    for (lambda, v) in zip(decomposition.eigenvalues, decomposition.eigenvectors ?? []) {
        var residual = 0.0
        for i in 0..<n {
            var sum = Complex<Double>.zero
            for j in 0..<n where a[i, j] != 0 { sum += Complex(a[i, j]) * v[j] }
            residual += (sum - lambda * v[i]).lengthSquared
        }
        largest = max(largest, residual.squareRoot())
    }
    return largest
}

/// Σλ and Σλ² against trace(A) and trace(A²), relative to ‖A‖ and ‖A‖².
func powerSumsMatch(_ a: Matrix, _ values: [Complex<Double>], tolerance: Double) -> Bool {
    let norm = max(a.frobeniusNorm, 1)
    let sum = values.reduce(Complex<Double>.zero, +)
    let squares = values.reduce(Complex<Double>.zero) { $0 + $1 * $1 }
    return abs(sum.real - trace(a)) <= tolerance * norm && abs(sum.imaginary) <= tolerance * norm
        && abs(squares.real - trace(a * a)) <= tolerance * norm * norm && abs(squares.imaginary) <= tolerance * norm * norm
}
