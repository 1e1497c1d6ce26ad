import Numerics
import Tensors

/// Eigenvalues (and, on request, right eigenvectors) of a real square matrix, in Double:
/// balancing (permutation to isolate eigenvalues, then scaling), Householder reduction to Hessenberg form, then the Francis double-shift QR
/// algorithm to real Schur form; eigenvectors by back-substitution in the Schur form,
/// transformed back and normalised to unit 2-norm (LAPACK's `dgeev` pipeline).
public struct EigenDecomposition: Sendable {
    /// The eigenvalues; complex ones come in conjugate pairs, positive imaginary part first.
    public let eigenvalues: [Complex<Double>]
    /// With `computeEigenvectors`: column `j` is the unit eigenvector of `eigenvalues[j]`.
    public let eigenvectors: [[Complex<Double>]]?

    public init(_ matrix: Matrix, computeEigenvectors: Bool = false) throws(EigenError) {
        try self.init(matrix, computeEigenvectors: computeEigenvectors, iterationLimit: nil)
    }

    /// With `iterationLimit`, the QR iteration gives up after that many iterations without a
    /// deflation instead of ``SchurDecomposition/iterationLimit(blockSize:)`` (to test failures).
    init(_ matrix: Matrix, computeEigenvectors: Bool, iterationLimit: Int?) throws(EigenError) {
        guard matrix.rows == matrix.columns else { throw .notSquare(rows: matrix.rows, columns: matrix.columns) }
        guard matrix.elements.allSatisfy(\.isFinite) else { throw .notFinite }
        let n = matrix.rows
        guard n > 0 else {
            (eigenvalues, eigenvectors) = ([], computeEigenvectors ? [] : nil)
            return
        }
        var h = matrix.copiedByAllCores()
        let balancing = Balancing(&h)
        guard computeEigenvectors else {
            eigenvalues = try EigenDecomposition.eigenvalues(balanced: consume h, middle: balancing.middle,
                                                             iterationLimit: iterationLimit)
            eigenvectors = nil
            return
        }
        let reduction = HessenbergReduction(&h)
        var z: Matrix? = reduction.orthogonalFactor(size: n)
        let schur = try SchurDecomposition(&h, z: &z, wantSchurForm: true, iterationLimit: iterationLimit)
        eigenvalues = schur.eigenvalues
        eigenvectors = EigenDecomposition.backSubstitute(schur: h, vectors: z!, eigenvalues: schur.eigenvalues)
            .map { balancing.restore($0) { $0 * Complex($1) } }
            .map(EigenDecomposition.normalized)
    }

    /// The eigenvalues of a balanced matrix: the diagonal outside its middle block (isolated by
    /// the permutation) and those of the middle block by Hessenberg reduction and QR.
    private static func eigenvalues(balanced h: consuming Matrix, middle: ClosedRange<Int>,
                                    iterationLimit: Int?) throws(EigenError) -> [Complex<Double>] {
        let n = h.rows
        let above = (0..<middle.lowerBound).map { Complex(h[$0, $0]) }
        let below = ((middle.upperBound + 1)..<n).map { Complex(h[$0, $0]) }
        // Reduced in place, in the matrix's own storage: a second reference to it would have the
        // reduction copy its 32 MB (at n = 2003) into fresh pages first.
        var block = consume h
        if middle.count < n { block.formPrincipalSubmatrix(middle.lowerBound..<(middle.upperBound + 1)) }
        _ = HessenbergReduction(&block, keepingReflectors: false)
        var noVectors: Matrix? = nil
        do {
            return above + (try SchurDecomposition(&block, z: &noVectors, wantSchurForm: false,
                                                             iterationLimit: iterationLimit).eigenvalues) + below
        } catch .noConvergence(let iterations, let found, let unconverged) {
            throw .noConvergence(iterations: iterations, found: above + found + below, unconverged: unconverged)
        }
    }

    /// The eigenvalues of a square float tensor.
    public init(_ tensor: Tensor, computeEigenvectors: Bool = false) throws(EigenError) {
        guard tensor.rank == 2 else { throw .notSquare(rows: tensor.shape.first ?? 0, columns: tensor.count) }
        try self.init(Matrix(tensor), computeEigenvectors: computeEigenvectors)
    }

    /// `v` scaled to unit 2-norm.
    private static func normalized(_ v: [Complex<Double>]) -> [Complex<Double>] {
        let length = v.reduce(0) { $0 + $1.lengthSquared }.squareRoot()
        return length > 0 ? v.map { $0 / Complex(length) } : v
    }

    /// Eigenvectors of the quasi-triangular T, mapped by Z.
    private static func backSubstitute(schur t: Matrix, vectors z: Matrix, eigenvalues: [Complex<Double>]) -> [[Complex<Double>]] {
        let n = t.rows
        let norm = max(t.frobeniusNorm, .leastNormalMagnitude)
        let tiny = Double.ulpOfOne * norm
        /// Whether rows (i − 1, i) form a 2×2 block.
        func isBlockEnd(_ i: Int) -> Bool { i > 0 && t[i, i - 1] != 0 }
        var result: [[Complex<Double>]] = []
        result.reserveCapacity(n)
        var k = 0
        while k < n {
            let pair = k + 1 < n && t[k + 1, k] != 0
            let lambda = eigenvalues[k]
            var x = [Complex<Double>](repeating: .zero, count: n)
            var top: Int
            if pair {
                // Null vector of the 2×2 block [[a − λ, b], [c, d − λ]].
                let (a, b) = (Complex(t[k, k]), Complex(t[k, k + 1]))
                if b.length > tiny {
                    (x[k], x[k + 1]) = (b, lambda - a)
                } else {
                    (x[k], x[k + 1]) = (lambda - Complex(t[k + 1, k + 1]), Complex(t[k + 1, k]))
                }
                top = k - 1
            } else {
                x[k] = .one
                top = k - 1
            }
            let last = pair ? k + 1 : k
            var i = top
            while i >= 0 {
                if isBlockEnd(i) {
                    // Rows i − 1, i together: solve the 2×2 system (T_block − λI) x = rhs.
                    var r0 = Complex<Double>.zero, r1 = Complex<Double>.zero
                    for j in (i + 1)...last {
                        r0 -= Complex(t[i - 1, j]) * x[j]
                        r1 -= Complex(t[i, j]) * x[j]
                    }
                    let a = Complex(t[i - 1, i - 1]) - lambda, b = Complex(t[i - 1, i])
                    let c = Complex(t[i, i - 1]), d = Complex(t[i, i]) - lambda
                    var determinant = a * d - b * c
                    if determinant.length < tiny { determinant = Complex(tiny) }
                    x[i - 1] = (r0 * d - b * r1) / determinant
                    x[i] = (a * r1 - c * r0) / determinant
                    i -= 2
                } else {
                    var r = Complex<Double>.zero
                    for j in (i + 1)...last { r -= Complex(t[i, j]) * x[j] }
                    var pivot = Complex(t[i, i]) - lambda
                    if pivot.length < tiny { pivot = Complex(tiny) }
                    x[i] = r / pivot
                    i -= 1
                }
            }
            // v = Z·x.
            var v = [Complex<Double>](repeating: .zero, count: n)
            for row in 0..<n {
                var sum = Complex<Double>.zero
                for j in 0...last { sum += Complex(z[row, j]) * x[j] }
                v[row] = sum
            }
            result.append(v)
            if pair {
                result.append(v.map(\.conjugate))
                k += 2
            } else {
                k += 1
            }
        }
        return result
    }
}
