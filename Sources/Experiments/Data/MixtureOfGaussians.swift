import Tensors

/// A mixture of isotropic 2-D Gaussians with equal weights: the paper's toy distribution.
public struct MixtureOfGaussians: Sendable {
    /// The modes' centres.
    public let means: [SIMD2<Double>]
    /// The standard deviation of every mode.
    public let standardDeviation: Double

    public init(means: [SIMD2<Double>], standardDeviation: Double) {
        self.means = means
        self.standardDeviation = standardDeviation
    }

    /// The paper's ring: `modes` modes at (r cos 2πk/modes, r sin 2πk/modes), σ = 0.01.
    public static func ring(modes: Int = 8, radius: Double = 1, standardDeviation: Double = 0.01) -> Self {
        MixtureOfGaussians(means: (0..<modes).map { k in
            let angle = 2 * Double.pi * Double(k) / Double(modes)
            return SIMD2(radius * Double.cos(angle), radius * Double.sin(angle))
        }, standardDeviation: standardDeviation)
    }

    /// The 5×5 grid of the VEEGAN/PacGAN literature: means {−4, −2, 0, 2, 4}², σ = 0.05.
    public static func grid(side: Int = 5, spacing: Double = 2, standardDeviation: Double = 0.05) -> Self {
        let offset = Double(side - 1) / 2
        var means: [SIMD2<Double>] = []
        for i in 0..<side {
            for j in 0..<side {
                means.append(SIMD2((Double(i) - offset) * spacing, (Double(j) - offset) * spacing))
            }
        }
        return MixtureOfGaussians(means: means, standardDeviation: standardDeviation)
    }

    /// A stratified batch of shape [count, 2]: sample i comes from mode i mod (number of modes),
    /// as in the reference (a batch of 512 from 8 modes has 64 per mode).
    public func batch(count: Int, dtype: DType = .float32, using generator: inout RandomGenerator) -> Tensor {
        var centres = [Double](repeating: 0, count: 2 * count)
        for index in 0..<count {
            let mean = means[index % means.count]
            (centres[2 * index], centres[2 * index + 1]) = (mean.x, mean.y)
        }
        let noise = Tensor.normal([count, 2], std: standardDeviation, dtype: dtype, using: &generator)
        return Tensor(shape: [count, 2], scalars: centres).converted(to: dtype) + noise
    }
}
