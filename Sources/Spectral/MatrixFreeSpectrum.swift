import Foundation
import Numerics

/// The ends of the spectra of v′ and of v′ − γv′ᵀv′ for fields too large for a dense Jacobian:
/// the eigenvalues of largest modulus (what bounds the step size) and of largest real part (what
/// decides stability), found by Arnoldi on Jacobian-vector products.
public struct MatrixFreeSpectrum: Codable, Sendable {
    /// Why the dense path was not taken.
    public let reason: String
    public let jacobian: Ends
    public let consensus: Ends
    /// The Krylov dimension allowed.
    public let krylovDimension: Int

    /// The eigenvalues found at both ends of one operator's spectrum.
    public struct Ends: Codable, Sendable {
        public let largestMagnitude: Found
        public let largestRealPart: Found

        /// Both ends, each eigenvalue once.
        public var all: [Complex<Double>] {
            var values = largestMagnitude.values
            for value in largestRealPart.values where !values.contains(where: { ($0 - value).length <= 1e-9 * max(value.length, 1e-300) }) {
                values.append(value)
            }
            return values
        }

        init(dimension: Int, count: Int, tolerance: Double, krylovDimension: Int, counter: ProductCounter,
             apply: ([Double]) throws -> [Double]) throws {
            let counted = { (x: [Double]) throws -> [Double] in
                let product = try apply(x)
                counter.productDone()
                return product
            }
            largestMagnitude = try Found(ArnoldiEigenvalues(dimension: dimension, count: count, target: .largestMagnitude,
                                                            tolerance: tolerance, maximumDimension: krylovDimension, apply: counted))
            counter.searchDone()
            largestRealPart = try Found(ArnoldiEigenvalues(dimension: dimension, count: count, target: .largestRealPart,
                                                           tolerance: tolerance, maximumDimension: krylovDimension, apply: counted))
            counter.searchDone()
        }
    }

    /// Operator products spent so far out of the most the four searches may take (a search that
    /// converges early gives the rest of its share up), reported as they happen.
    final class ProductCounter {
        private let perSearch: Int
        private let report: ((Int, Int) -> Void)?
        private var searches = 0
        private var done = 0

        init(perSearch: Int, report: ((Int, Int) -> Void)?) {
            self.perSearch = perSearch
            self.report = report
        }

        func productDone() {
            done = min(done + 1, (searches + 1) * perSearch)
            report?(done, 4 * perSearch)
        }

        func searchDone() {
            searches += 1
            done = searches * perSearch
            report?(done, 4 * perSearch)
        }
    }

    /// One Arnoldi search: [re, im] of the eigenvalues, best first, their residual estimates,
    /// whether all met the tolerance, and the operator products spent.
    public struct Found: Codable, Sendable {
        public let eigenvalues: [[Double]]
        public let residuals: [Double]
        public let converged: Bool
        public let operatorApplications: Int

        init(_ result: ArnoldiEigenvalues) {
            eigenvalues = result.eigenvalues.map { [$0.real, $0.imaginary] }
            residuals = result.residuals
            converged = result.converged
            operatorApplications = result.operatorApplications
        }

        var values: [Complex<Double>] { eigenvalues.map { Complex($0[0], $0[1]) } }
    }

    /// The relative residual asked of every Ritz value by default: products in float32 carry
    /// relative errors near 1e-6, so asking for less is asking for noise.
    public static let float32Tolerance = 1e-5

    /// Searches both ends of v̄′ and of v̄′ − γv̄′ᵀv̄′ with `product`, `count` eigenvalues each,
    /// in Krylov spaces of at most `krylovDimension`, until every residual is below
    /// `tolerance`·|λ|. `progress` gets (products done, most products) as the searches go —
    /// on a DCGAN they take minutes.
    public init(_ product: GameFieldOperator, gamma: Double, count: Int, reason: String, krylovDimension: Int,
                tolerance: Double = float32Tolerance, progress: ((Int, Int) -> Void)? = nil) throws {
        self.reason = reason
        self.krylovDimension = max(krylovDimension, min(count + 2, product.dimension))
        let counter = ProductCounter(perSearch: self.krylovDimension, report: progress)
        jacobian = try Ends(dimension: product.dimension, count: count, tolerance: tolerance,
                            krylovDimension: self.krylovDimension, counter: counter, apply: product.apply)
        consensus = try Ends(dimension: product.dimension, count: count, tolerance: tolerance,
                             krylovDimension: self.krylovDimension, counter: counter) {
            product.applyConsensus($0, gamma: gamma)
        }
    }
}
