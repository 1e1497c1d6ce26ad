import RealModule
import Tensors

/// How well samples cover a mixture of Gaussians, as in the VEEGAN and PacGAN papers.
///
/// A sample is *high quality* when it lies within 3σ of its nearest mode. A mode is *recovered*
/// when at least `recoveryThreshold` of the high-quality samples are nearest to it (by default a
/// quarter of a uniform share: 80 of 2,560 samples for 8 modes). The KL divergence compares the
/// histogram of high-quality samples over modes with the uniform distribution: 0 for perfect
/// balance, log K when everything falls in one mode.
public struct ModeMetrics: Codable, Sendable, Equatable {
    /// Modes with enough high-quality samples.
    public let modesRecovered: Int
    /// The number of modes of the mixture.
    public let modeCount: Int
    /// Percent of samples within 3σ of some mode.
    public let highQualityPercent: Double
    /// KL(histogram ‖ uniform) over modes, nil when no sample is of high quality.
    public let klFromUniform: Double?

    /// The metrics of `samples` ([n, 2]) against `mixture`.
    public init(samples: Tensor, mixture: MixtureOfGaussians, recoveryThreshold: Int? = nil) {
        let count = samples.shape[0]
        let modes = mixture.means.count
        let threshold = recoveryThreshold ?? Swift.max(1, count / (4 * modes))
        let radius = 3 * mixture.standardDeviation
        var histogram = [Int](repeating: 0, count: modes)
        let values = samples.doubles
        for index in 0..<count {
            let point = SIMD2(values[2 * index], values[2 * index + 1])
            var (best, bestDistance) = (0, Double.infinity)
            for (mode, mean) in mixture.means.enumerated() {
                let difference = point - mean
                let distance = (difference * difference).sum()
                if distance < bestDistance { (best, bestDistance) = (mode, distance) }
            }
            if bestDistance.squareRoot() <= radius { histogram[best] += 1 }
        }
        let highQuality = histogram.reduce(0, +)
        modeCount = modes
        modesRecovered = histogram.filter { $0 >= threshold }.count
        highQualityPercent = count > 0 ? 100 * Double(highQuality) / Double(count) : 0
        if highQuality > 0 {
            klFromUniform = histogram.reduce(0) { total, n in
                guard n > 0 else { return total }
                let p = Double(n) / Double(highQuality)
                return total + p * Double.log(p * Double(modes))
            }
        } else {
            klFromUniform = nil
        }
    }
}
