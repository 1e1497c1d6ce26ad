import Autodiff
import Games
import Layers
import Numerics
@testable import Spectral
import Testing
import Tensors

/// Matrices that make QR algorithms stall or lose accuracy: clusters, Jordan blocks, hundreds of
/// zero eigenvalues, wide scaling, and the Jacobians of small ReLU GANs at batch size 1 (half of
/// whose rows are zero). Each is checked by what does not depend on knowing the answer: the
/// power sums Σλ = tr A and Σλ² = tr A², the residuals ‖Av − λv‖ of the eigenpairs, and the
/// agreement of the eigenvalues-only path (multishift, aggressive early deflation) with the
/// Schur-vector path.
@Suite struct EigenvalueStressTests {
    /// Block diagonal with clusters of nearly equal real eigenvalues and of nearly equal complex
    /// pairs, under a random orthogonal similarity. The matrix is normal, so its eigenvalues are
    /// perfectly conditioned: errors must stay at ε‖A‖.
    @Test(arguments: [1, 2])
    func clusteredEigenvalues(seed: UInt64) throws {
        var expected: [Complex<Double>] = []
        var blocks = Matrix(rows: 48, columns: 48)
        for i in 0..<16 {
            let value = (i < 8 ? 1.0 : -2.0) + Double(i % 8) * 1e-9
            blocks[i, i] = value
            expected.append(Complex(value))
        }
        for pair in 0..<16 {
            let (row, real, imaginary) = (16 + 2 * pair, 0.5 + Double(pair % 4) * 1e-10, 1.0 + Double(pair / 4) * 1e-10)
            blocks[row, row] = real
            blocks[row + 1, row + 1] = real
            blocks[row, row + 1] = imaginary
            blocks[row + 1, row] = -imaginary
            expected += [Complex(real, imaginary), Complex(real, -imaginary)]
        }
        let q = randomOrthogonal(48, seed: seed)
        let a = q * blocks * q.transposed
        #expect(agree(try EigenDecomposition(a).eigenvalues, expected, tolerance: 1e-13 * a.frobeniusNorm))
        let decomposition = try EigenDecomposition(a, computeEigenvectors: true)
        #expect(agree(decomposition.eigenvalues, expected, tolerance: 1e-13 * a.frobeniusNorm))
        #expect(largestResidual(a, decomposition) < 1e-13 * a.frobeniusNorm)
    }

    /// Jordan blocks of sizes 1–6 at 0, 0.5 and −1 under a random similarity: an eigenvalue of a
    /// block of size k moves by about (ε‖A‖)^(1/k), but the power sums and the residuals (backward
    /// errors) stay at rounding level.
    @Test func defectiveEigenvalues() throws {
        let sizes = [1, 2, 3, 4, 5, 6, 3, 2]
        let centers = [0.0, 0.5, -1.0, 0.0, 0.5, -1.0, 0.0, 0.5]
        let n = sizes.reduce(0, +)
        var jordan = Matrix(rows: n, columns: n)
        var expected: [(Double, Int)] = []
        var row = 0
        for (size, center) in zip(sizes, centers) {
            for i in row..<(row + size) {
                jordan[i, i] = center
                if i + 1 < row + size { jordan[i, i + 1] = 1 }
                expected.append((center, size))
            }
            row += size
        }
        let q = randomOrthogonal(n, seed: 11)
        let a = q * jordan * q.transposed
        let values = try EigenDecomposition(a).eigenvalues
        #expect(powerSumsMatch(a, values, tolerance: 1e-12))
        // Every computed eigenvalue is within the perturbation bound of some Jordan block.
        for value in values {
            #expect(expected.contains { (value - Complex($0.0)).length <= 4 * Double.pow(1e-15 * Double(n), 1 / Double(6)) })
        }
        let decomposition = try EigenDecomposition(a, computeEigenvectors: true)
        #expect(powerSumsMatch(a, decomposition.eigenvalues, tolerance: 1e-12))
        #expect(largestResidual(a, decomposition) < 1e-10 * a.frobeniusNorm)
    }

    /// A = UVᵀ of rank n/5: n − n/5 eigenvalues are zero, the rest are those of VᵀU. Dense under
    /// any permutation, so the QR iteration (multishift with AED at n = 190) must find the zeros.
    @Test(arguments: [40, 190])
    func manyZeroEigenvalues(n: Int) throws {
        let rank = n / 5
        var generator = RandomGenerator(seed: UInt64(n))
        let u = Tensor.normal([n, rank], dtype: .float64, using: &generator)
        let v = Tensor.normal([n, rank], dtype: .float64, using: &generator)
        let a = Matrix(u.matmul(v, transposingOther: true))
        let nonzero = try EigenDecomposition(Matrix(v.matmul(u, transposingSelf: true))).eigenvalues
        let values = try EigenDecomposition(a).eigenvalues
        #expect(powerSumsMatch(a, values, tolerance: 1e-11))
        let scale = a.frobeniusNorm
        let large = values.filter { $0.length > 1e-6 * scale }
        #expect(agree(large, nonzero, tolerance: 1e-9 * scale))
        let decomposition = try EigenDecomposition(a, computeEigenvectors: true)
        #expect(largestResidual(a, decomposition) < 1e-10 * scale)
    }

    /// Zero rows and columns are isolated by balancing's permutation: their diagonal elements are
    /// eigenvalues without any iteration, and the eigenvectors are mapped back through it.
    @Test func zeroRowsAndColumnsAreIsolated() throws {
        let n = 30
        var a = randomMatrix(n, seed: 21)
        for k in stride(from: 0, to: n, by: 3) {
            for j in 0..<n where j != k { a[k, j] = 0 }  // row k: only its diagonal
        }
        for k in stride(from: 1, to: n, by: 5) {
            for i in 0..<n where i != k { a[i, k] = 0 }  // column k: only its diagonal
        }
        let isolated = (0..<n).filter { $0 % 3 == 0 || $0 % 5 == 1 }.map { Complex(a[$0, $0]) }
        let values = try EigenDecomposition(a).eigenvalues
        #expect(isolated.allSatisfy { value in values.contains { ($0 - value).length < 1e-14 } })
        #expect(powerSumsMatch(a, values, tolerance: 1e-12))
        let decomposition = try EigenDecomposition(a, computeEigenvectors: true)
        #expect(agree(decomposition.eigenvalues, values, tolerance: 1e-11))
        #expect(largestResidual(a, decomposition) < 1e-12 * a.frobeniusNorm)
    }

    /// Eigenvalues from 1e−6 to 1e6 (symmetric, so perfectly conditioned) under a diagonal
    /// similarity with factors up to 2^±39: balancing undoes the scaling, so every eigenvalue is
    /// found to ε‖A‖ as for the unscaled matrix.
    @Test func widelyScaledEigenvalues() throws {
        let n = 25
        let spectrum = (0..<n).map { Double.pow(10, -6 + 12 * Double($0) / Double(n - 1)) * ($0 % 2 == 0 ? 1 : -1) }
        var diagonal = Matrix(rows: n, columns: n)
        for i in 0..<n { diagonal[i, i] = spectrum[i] }
        let q = randomOrthogonal(n, seed: 31)
        var a = q * diagonal * q.transposed
        for i in 0..<n {
            for j in 0..<n { a[i, j] *= Double.pow(2, Double(40 * i / n - 40 * j / n)) }  // D A D⁻¹, d_i = 2^⌊40i/n⌋
        }
        let expected = spectrum.map { Complex($0) }
        #expect(agree(try EigenDecomposition(a).eigenvalues, expected, tolerance: 1e-14 * 1e6 * Double(n)))
        #expect(agree(try EigenDecomposition(a, computeEigenvectors: true).eigenvalues, expected,
                      tolerance: 1e-14 * 1e6 * Double(n)))
    }

    /// The exact Jacobian of a small ReLU GAN (235 parameters) on a single sample: about half its
    /// rows are zero (dead units), the rest are nearly nilpotent. Checked directly and under a
    /// random orthogonal similarity, which hides the zero rows from balancing.
    @Test(arguments: [1, 2, 3])
    func jacobiansOfSmallGANsAtBatchSizeOne(seed: UInt64) throws {
        var generator = RandomGenerator(seed: seed)
        let game = GenerativeAdversarialGame(
            generator: MultilayerPerceptron(sizes: [4, 8, 8, 2], dtype: .float64, using: &generator),
            discriminator: MultilayerPerceptron(sizes: [2, 8, 8, 1], dtype: .float64, using: &generator))
        let batch = GenerativeAdversarialGame.Batch(real: Tensor.normal([1, 2], dtype: .float64, using: &generator),
                                                    noise: Tensor.normal([1, 4], dtype: .float64, using: &generator))
        let jacobian = GameJacobian(game: game, batches: [batch]).matrix
        let n = jacobian.rows
        #expect(n == 235)
        let q = randomOrthogonal(n, seed: seed + 100)
        for a in [jacobian, q * jacobian * q.transposed] {
            let values = try EigenDecomposition(a).eigenvalues
            #expect(values.count == n)
            #expect(powerSumsMatch(a, values, tolerance: 1e-12))
            let decomposition = try EigenDecomposition(a, computeEigenvectors: true)
            #expect(powerSumsMatch(a, decomposition.eigenvalues, tolerance: 1e-12))
            #expect(largestResidual(a, decomposition) < 1e-11 * max(a.frobeniusNorm, 1))
            let scale = max(a.frobeniusNorm, 1)
            #expect(agree(values.filter { $0.length > 1e-5 * scale }, decomposition.eigenvalues.filter { $0.length > 1e-5 * scale },
                          tolerance: 1e-8 * scale))
        }
    }

    /// When the iteration gives up it says how many eigenvalues it found, and those it returns
    /// are eigenvalues.
    @Test(arguments: [false, true])
    func failureReportsTheEigenvaluesFound(eigenvectors: Bool) throws {
        let n = 12
        var t = randomMatrix(n, seed: 41)
        for i in 0..<n {
            for j in 0..<i where i - j > 1 { t[i, j] = 0 }  // Hessenberg: no isolated rows
        }
        let exact = try EigenDecomposition(t).eigenvalues
        do {
            _ = try EigenDecomposition(t, computeEigenvectors: eigenvectors, iterationLimit: 3)
            Issue.record("three iterations per eigenvalue sufficed")
        } catch {
            guard case .noConvergence(_, let found, let unconverged) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(found.count + unconverged == n && unconverged > 0)
            #expect(found.allSatisfy { value in exact.contains { ($0 - value).length < 1e-10 } })
            #expect(error.description.contains("\(found.count) eigenvalues were found, \(unconverged) were not"))
        }
    }
}
