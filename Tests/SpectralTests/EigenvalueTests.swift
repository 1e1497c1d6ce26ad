import Numerics
import Spectral
import Testing
import Tensors

/// Sorts eigenvalues by real part, then imaginary part, for comparison.
func sorted(_ values: [Complex<Double>]) -> [Complex<Double>] {
    values.sorted { ($0.real, $0.imaginary) < ($1.real, $1.imaginary) }
}

/// Whether every expected eigenvalue has its own computed one within `tolerance` (greedy matching).
func agree(_ computed: [Complex<Double>], _ expected: [Complex<Double>], tolerance: Double) -> Bool {
    guard computed.count == expected.count else { return false }
    var unused = computed
    for value in expected {
        guard let index = unused.indices.min(by: { (unused[$0] - value).length < (unused[$1] - value).length }),
              (unused[index] - value).length <= tolerance else { return false }
        unused.remove(at: index)
    }
    return true
}

/// A random orthogonal matrix (QR of a Gaussian matrix by Gram–Schmidt).
func randomOrthogonal(_ n: Int, seed: UInt64) -> Matrix {
    var generator = RandomGenerator(seed: seed)
    let g = Matrix(Tensor.normal([n, n], dtype: .float64, using: &generator))
    var q = Matrix(rows: n, columns: n)
    for j in 0..<n {
        var v = (0..<n).map { g[$0, j] }
        for p in 0..<j {
            let dot = (0..<n).reduce(0.0) { $0 + q[$1, p] * v[$1] }
            for i in 0..<n { v[i] -= dot * q[i, p] }
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in 0..<n { q[i, j] = v[i] / norm }
    }
    return q
}

func randomMatrix(_ n: Int, seed: UInt64) -> Matrix {
    var generator = RandomGenerator(seed: seed)
    return Matrix(Tensor.normal([n, n], dtype: .float64, using: &generator))
}

@Suite struct EigenvalueTests {
    @Test func rotation() throws {
        let angle = 0.7
        let rotation = Matrix(rows: 2, columns: 2, elements: [Double.cos(angle), -Double.sin(angle), Double.sin(angle), Double.cos(angle)])
        let values = try EigenDecomposition(rotation).eigenvalues
        #expect(agree(values, [Complex(Double.cos(angle), Double.sin(angle)), Complex(Double.cos(angle), -Double.sin(angle))],
                      tolerance: 1e-15))
    }

    @Test func triangularMatricesHaveTheirDiagonal() throws {
        var t = randomMatrix(7, seed: 1)
        for i in 0..<7 {
            for j in 0..<i { t[i, j] = 0 }
            t[i, i] = Double(i) - 3.5
        }
        #expect(agree(try EigenDecomposition(t).eigenvalues, (0..<7).map { Complex(Double($0) - 3.5) }, tolerance: 1e-13))
        #expect(agree(try EigenDecomposition(t.transposed).eigenvalues, (0..<7).map { Complex(Double($0) - 3.5) },
                      tolerance: 1e-13))
    }

    /// The companion matrix of (x − 1)(x − 2)(x − 3)(x² + 1) = x⁵ − 6x⁴ + 12x³ − 12x² + 11x − 6.
    @Test func companionMatrixOfAKnownPolynomial() throws {
        let coefficients = [-6.0, 11, -12, 12, -6]  // c₀ … c₄ of x⁵ + c₄x⁴ + … + c₀
        var companion = Matrix(rows: 5, columns: 5)
        for i in 1..<5 { companion[i, i - 1] = 1 }
        for i in 0..<5 { companion[i, 4] = -coefficients[i] }
        let expected = [Complex(1.0), Complex(2.0), Complex(3.0), Complex(0.0, 1.0), Complex(0.0, -1.0)]
        #expect(agree(try EigenDecomposition(companion).eigenvalues, expected, tolerance: 1e-11))
    }

    /// Q B Qᵀ with B block-diagonal: 2×2 rotation-scaling blocks a ± bi and real 1×1 blocks.
    @Test func blockDiagonalMixUnderSimilarity() throws {
        let pairs = [(-1.0, 2.0), (0.5, 0.25), (0.0, 3.0)]
        let reals = [4.0, -2.5, 0.0, 1e-3]
        let n = 2 * pairs.count + reals.count
        var b = Matrix(rows: n, columns: n)
        var expected: [Complex<Double>] = []
        for (index, (a, c)) in pairs.enumerated() {
            let k = 2 * index
            (b[k, k], b[k, k + 1], b[k + 1, k], b[k + 1, k + 1]) = (a, c, -c, a)
            expected += [Complex(a, c), Complex(a, -c)]
        }
        for (index, value) in reals.enumerated() {
            b[2 * pairs.count + index, 2 * pairs.count + index] = value
            expected.append(Complex(value))
        }
        let q = randomOrthogonal(n, seed: 3)
        let a = q * b * q.transposed
        let computed = try EigenDecomposition(a).eigenvalues
        #expect(agree(computed, expected, tolerance: 1e-12), "\(sorted(computed)) vs \(sorted(expected))")
    }

    /// A defective 4×4 Jordan block: eigenvalues are perturbed by about ε^(1/4)‖A‖ ≈ 1e-4, the
    /// documented accuracy for a Jordan block of size 4.
    @Test func defectiveJordanBlock() throws {
        var jordan = Matrix(rows: 4, columns: 4)
        for i in 0..<4 {
            jordan[i, i] = 2
            if i < 3 { jordan[i, i + 1] = 1 }
        }
        let q = randomOrthogonal(4, seed: 4)
        let values = try EigenDecomposition(q * jordan * q.transposed).eigenvalues
        #expect(values.allSatisfy { ($0 - Complex(2.0)).length < 1e-3 })
        let mean = values.reduce(Complex<Double>.zero, +) / Complex(4.0)
        #expect((mean - Complex(2.0)).length < 1e-12)  // the trace is exact
    }

    /// The 1-D Laplacian tridiag(−1, 2, −1): eigenvalues 2 − 2cos(kπ/(n + 1)), all real.
    @Test func symmetricMatrixHasRealSpectrum() throws {
        let n = 40
        var laplacian = Matrix(rows: n, columns: n)
        for i in 0..<n {
            laplacian[i, i] = 2
            if i > 0 { laplacian[i, i - 1] = -1; laplacian[i - 1, i] = -1 }
        }
        let values = try EigenDecomposition(laplacian).eigenvalues
        #expect(values.allSatisfy { $0.imaginary == 0 })
        let expected = (1...n).map { Complex(2 - 2 * Double.cos(Double($0) * Double.pi / Double(n + 1))) }
        #expect(agree(values, expected, tolerance: 1e-13))
        let symmetric = randomMatrix(30, seed: 5)
        let values2 = try EigenDecomposition(Matrix(Tensor(shape: [30, 30], scalars: symmetric.elements) + symmetric.transposed.tensor)).eigenvalues
        #expect(values2.allSatisfy { $0.imaginary == 0 })
    }

    /// Large blocks take the multishift path when only eigenvalues are wanted; the Schur-vector
    /// path (double shifts) must find the same spectrum.
    @Test(arguments: [160, 220])
    func multishiftAgreesWithDoubleShift(n: Int) throws {
        let a = randomMatrix(n, seed: UInt64(n + 1))
        let multishift = try EigenDecomposition(a).eigenvalues
        let doubleShift = try EigenDecomposition(a, computeEigenvectors: true).eigenvalues
        #expect(agree(multishift, doubleShift, tolerance: 1e-9 * a.frobeniusNorm))
        var structured = a
        for i in 0..<n {
            for j in 0..<n where abs(i - j) > 3 { structured[i, j] *= 1e-3 }
        }
        #expect(agree(try EigenDecomposition(structured).eigenvalues,
                      try EigenDecomposition(structured, computeEigenvectors: true).eigenvalues, tolerance: 1e-9 * structured.frobeniusNorm))
    }

    @Test(arguments: [5, 50, 170])
    func traceAndDeterminantOfRandomMatrices(n: Int) throws {
        let a = randomMatrix(n, seed: UInt64(n))
        let values = try EigenDecomposition(a).eigenvalues
        let trace = (0..<n).reduce(0.0) { $0 + a[$1, $1] }
        let sum = values.reduce(Complex<Double>.zero, +)
        #expect(abs(sum.real - trace) < 1e-10 * Double(n) && abs(sum.imaginary) < 1e-10 * Double(n))
        let (logDeterminant, sign) = logAbsoluteDeterminant(a)
        let logProduct = values.reduce(0.0) { $0 + Double.log($1.length) }
        #expect(abs(logProduct - logDeterminant) < 1e-9 * Double(n))
        let realNegative = values.filter { $0.imaginary == 0 && $0.real < 0 }.count
        #expect((realNegative % 2 == 0 ? 1.0 : -1.0) == sign)
    }

    @Test(arguments: [3, 17, 60, 150])
    func eigenvectorsSatisfyTheDefinition(n: Int) throws {
        let a = randomMatrix(n, seed: UInt64(100 + n))
        let decomposition = try EigenDecomposition(a, computeEigenvectors: true)
        let vectors = try #require(decomposition.eigenvectors)
        let norm = a.frobeniusNorm
        for (lambda, v) in zip(decomposition.eigenvalues, vectors) {
            var residual = 0.0
            for i in 0..<n {
                var sum = Complex<Double>.zero
                for j in 0..<n { sum += Complex(a[i, j]) * v[j] }
                residual += (sum - lambda * v[i]).lengthSquared
            }
            #expect(residual.squareRoot() < 1e-11 * norm, "λ = \(lambda)")
            #expect(abs(v.reduce(0) { $0 + $1.lengthSquared } - 1) < 1e-12)
        }
    }

    /// Badly scaled similarity D A D⁻¹ (D up to 1e±6): balancing keeps the eigenvalues accurate.
    @Test func balancingHandlesBadScaling() throws {
        let n = 12
        let a = randomMatrix(n, seed: 7)
        var scaled = a
        for i in 0..<n {
            for j in 0..<n { scaled[i, j] *= Double.pow(10, Double(i - j)) }
        }
        #expect(agree(try EigenDecomposition(scaled).eigenvalues, try EigenDecomposition(a).eigenvalues, tolerance: 1e-9))
    }

    /// SPEC §1: J = [[0, 1], [−1, 0]] has ±i; J − γJᵀJ has −γ ± i.
    @Test(arguments: [0.5, 1, 10])
    func bilinearGame(gamma: Double) throws {
        let j = Matrix(rows: 2, columns: 2, elements: [0, 1, -1, 0])
        #expect(agree(try EigenDecomposition(j).eigenvalues, [Complex(0, 1), Complex(0, -1)], tolerance: 1e-15))
        let consensus = Matrix((j.tensor - (j.transposed * j).tensor * gamma))
        #expect(agree(try EigenDecomposition(consensus).eigenvalues, [Complex(-gamma, 1), Complex(-gamma, -1)], tolerance: 1e-14))
    }

    /// For A with negative semidefinite symmetric part and A invertible, every eigenvalue of
    /// A − γAᵀA has a negative real part (Re λ = ½ūᵀ(A + Aᵀ)u − γ‖Au‖²).
    @Test(arguments: [1, 2, 3])
    func consensusMovesNegativeSemidefiniteSpectraLeft(seed: UInt64) throws {
        let n = 20
        var generator = RandomGenerator(seed: seed)
        let b = Tensor.normal([n, n / 2], dtype: .float64, using: &generator)
        let c = Tensor.normal([n, n], dtype: .float64, using: &generator)
        let a = -b.matmul(b, transposingOther: true) + (c - c.transposed())  // NSD symmetric part + skew part
        for gamma in [0.1, 1.0, 10.0] {
            let consensus = Matrix(a - a.matmul(a, transposingSelf: true) * gamma)
            let values = try EigenDecomposition(consensus).eigenvalues
            #expect(values.allSatisfy { $0.real < 0 }, "γ = \(gamma)")
        }
        let values = try EigenDecomposition(Matrix(a)).eigenvalues
        #expect(values.allSatisfy { $0.real <= 1e-10 })
    }

    @Test func badInputIsRejected() throws {
        #expect(throws: EigenError.notSquare(rows: 2, columns: 3)) { try EigenDecomposition(Matrix(rows: 2, columns: 3)) }
        var nan = Matrix.identity(3)
        nan[1, 2] = .nan
        #expect(throws: EigenError.notFinite) { try EigenDecomposition(nan) }
        #expect(try EigenDecomposition(Matrix(rows: 0, columns: 0)).eigenvalues.isEmpty)
        #expect(try EigenDecomposition(Matrix(rows: 1, columns: 1, elements: [3])).eigenvalues == [Complex(3.0)])
    }
}

/// The Jacobi eigendecomposition of symmetric matrices, against the general solver and by
/// reconstruction.
@Suite struct SymmetricEigenvalueTests {
    @Test func reconstructsAndAgreesWithTheGeneralSolver() throws {
        var random = RandomGenerator(seed: 21)
        let b = Tensor.normal([12, 12], dtype: .float64, using: &random)
        let a = Matrix(b.matmul(b, transposingSelf: true) + Tensor.identity(12, dtype: .float64) * 0.5)
        let decomposition = SymmetricEigenDecomposition(a)
        let general = try EigenDecomposition(a).eigenvalues.map(\.real).sorted()
        #expect(zip(decomposition.eigenvalues.sorted(), general).allSatisfy { Swift.abs($0 - $1) < 1e-10 * general.last! })
        let identity = decomposition.applying { $0 }.tensor
        #expect((identity - a.tensor).abs().max().item < 1e-11)
        let root = decomposition.applying { $0.squareRoot() }.tensor
        #expect((root.matmul(root) - a.tensor).abs().max().item < 1e-10)
        let v = decomposition.eigenvectors.tensor
        #expect((v.matmul(v, transposingSelf: true) - Tensor.identity(12, dtype: .float64)).abs().max().item < 1e-12)
    }
}
