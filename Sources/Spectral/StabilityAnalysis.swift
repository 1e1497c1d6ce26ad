import Numerics

/// What the eigenvalues of a field's Jacobian say about gradient steps near a stationary point.
///
/// x ← x + h·v(x) converges locally iff |1 + hλ| < 1 for every eigenvalue λ of v′, that is
/// Re λ < 0 and h < 2|Re λ|/|λ|² (SPEC §1). Eigenvalues with |Re λ| within `tolerance` of zero
/// count as zero: no step size helps them.
public struct StabilitySummary: Codable, Sendable, Equatable {
    public let eigenvalueCount: Int
    /// Eigenvalues with Re λ > tolerance (unstable directions).
    public let positiveRealParts: Int
    /// Eigenvalues with |Re λ| ≤ tolerance.
    public let zeroRealParts: Int
    public let maximumRealPart: Double
    /// max |Im λ|.
    public let maximumImaginaryPart: Double
    /// max |λ|.
    public let spectralRadius: Double
    /// The step size analysed, if any.
    public let stepSize: Double?
    /// max |1 + hλ| for that step size.
    public let worstAmplification: Double?
    /// min over λ of 2|Re λ|/|λ|², or nil when some Re λ ≥ −tolerance (no step size is stable).
    public let largestStableStepSize: Double?
    /// The eigenvalue that limits the step size (or one with Re λ ≥ −tolerance).
    public let limitingEigenvalue: [Double]?
    public let tolerance: Double

    public init(eigenvalues: [Complex<Double>], stepSize: Double? = nil, tolerance: Double? = nil) {
        let radius = eigenvalues.map(\.length).max() ?? 0
        let tolerance = tolerance ?? 1e-6 * Swift.max(radius, 1e-300)
        eigenvalueCount = eigenvalues.count
        positiveRealParts = eigenvalues.filter { $0.real > tolerance }.count
        zeroRealParts = eigenvalues.filter { Swift.abs($0.real) <= tolerance }.count
        maximumRealPart = eigenvalues.map(\.real).max() ?? 0
        maximumImaginaryPart = eigenvalues.map { Swift.abs($0.imaginary) }.max() ?? 0
        spectralRadius = radius
        self.stepSize = stepSize
        worstAmplification = stepSize.map { h in eigenvalues.map { (Complex(1) + Complex(h) * $0).length }.max() ?? 0 }
        self.tolerance = tolerance
        if let blocking = eigenvalues.first(where: { $0.real >= -tolerance }) {
            largestStableStepSize = nil
            limitingEigenvalue = [blocking.real, blocking.imaginary]
        } else if let limit = eigenvalues.min(by: { Self.stableStep($0) < Self.stableStep($1) }) {
            largestStableStepSize = Self.stableStep(limit)
            limitingEigenvalue = [limit.real, limit.imaginary]
        } else {
            largestStableStepSize = nil
            limitingEigenvalue = nil
        }
    }

    /// 2|Re λ|/|λ|²: the largest h with |1 + hλ| < 1 for this λ (Re λ < 0).
    static func stableStep(_ lambda: Complex<Double>) -> Double {
        2 * Swift.abs(lambda.real) / lambda.lengthSquared
    }
}
