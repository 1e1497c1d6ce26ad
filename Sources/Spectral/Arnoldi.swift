import Numerics

/// A few eigenvalues of a large matrix known only through products x ↦ Ax (here Jacobian-vector
/// products of a game's field), by the Arnoldi process with full reorthogonalisation: the Ritz
/// values of the Krylov space, grown until the wanted ones have small residuals
/// |h_{m+1,m}|·|e_mᵀy| ≤ tolerance·|θ|.
public struct ArnoldiEigenvalues: Sendable {
    /// Which end of the spectrum to find.
    public enum Target: String, Codable, Sendable, CaseIterable {
        case largestMagnitude
        case largestRealPart
    }

    /// The wanted Ritz values, best first.
    public let eigenvalues: [Complex<Double>]
    /// Their residual estimates.
    public let residuals: [Double]
    /// Whether every wanted Ritz value met the tolerance.
    public let converged: Bool
    /// Products with the operator used.
    public let operatorApplications: Int

    /// - Parameters:
    ///   - dimension: the operator's size n.
    ///   - count: how many eigenvalues to return.
    ///   - maximumDimension: the largest Krylov space built (at most n).
    ///   - start: the starting vector (default: all ones plus a deterministic ramp).
    ///   - apply: x ↦ Ax.
    public init(dimension n: Int, count: Int, target: Target = .largestMagnitude, tolerance: Double = 1e-8,
                maximumDimension: Int = 300, start: [Double]? = nil,
                apply: ([Double]) throws -> [Double]) throws {
        let limit = Swift.min(maximumDimension, n)
        var basis: [[Double]] = []
        var h = [[Double]](repeating: [Double](repeating: 0, count: limit + 1), count: limit + 1)
        var v = start ?? (0..<n).map { 1 + 0.5 * Double.sin(Double($0)) }
        var norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        v = v.map { $0 / norm }
        basis.append(v)
        var result: (values: [Complex<Double>], residuals: [Double]) = ([], [])
        var applications = 0
        var done = false
        var m = 0
        while m < limit && !done {
            var w = try apply(basis[m])
            applications += 1
            // Modified Gram–Schmidt, twice for orthogonality to working precision.
            for _ in 0..<2 {
                for (j, q) in basis.enumerated() {
                    let dot = zip(w, q).reduce(0) { $0 + $1.0 * $1.1 }
                    h[j][m] += dot
                    for i in 0..<n { w[i] -= dot * q[i] }
                }
            }
            norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            h[m + 1][m] = norm
            m += 1
            let breakdown = norm <= 1e-14 * (h[m - 1][m - 1].magnitude + 1)
            if m >= Swift.min(count + 2, limit) && (m % 5 == 0 || m == limit || breakdown) {
                result = try Self.ritzValues(h, size: m, count: count, target: target)
                done = breakdown || zip(result.values, result.residuals).allSatisfy { $1 <= tolerance * Swift.max($0.length, 1e-300) }
            }
            if breakdown { break }
            basis.append(w.map { $0 / norm })
        }
        if result.values.isEmpty { result = try Self.ritzValues(h, size: m, count: count, target: target) }
        eigenvalues = result.values
        residuals = result.residuals
        converged = done
        operatorApplications = applications
    }

    /// The wanted eigenvalues of the m×m Hessenberg H_m with residual estimates |h_{m+1,m}|·|y_m|.
    private static func ritzValues(_ h: [[Double]], size m: Int, count: Int, target: Target) throws
        -> (values: [Complex<Double>], residuals: [Double]) {
        var small = Matrix(rows: m, columns: m)
        for i in 0..<m {
            for j in 0..<m { small[i, j] = h[i][j] }
        }
        let decomposition = try EigenDecomposition(small, computeEigenvectors: true)
        let coupling = h[m][m - 1]
        let pairs = zip(decomposition.eigenvalues, decomposition.eigenvectors!).map { value, vector in
            (value, Swift.abs(coupling) * vector[m - 1].length)
        }
        let ordered = pairs.sorted { a, b in
            switch target {
            case .largestMagnitude: return a.0.length > b.0.length
            case .largestRealPart: return a.0.real > b.0.real
            }
        }
        let chosen = ordered.prefix(count)
        return (chosen.map(\.0), chosen.map(\.1))
    }
}
