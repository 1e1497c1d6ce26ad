import Formats
import Foundation
import Spectral
import Synchronization
import Tensors

/// How good generated digits are, by the bundled ``DigitClassifier`` (the MNIST practice of the
/// GAN literature where the Inception network is not available):
///
/// - the classifier score exp(E_x KL(p(y|x) ‖ p(y))) — the Inception score's formula — over
///   `splits` equal parts of the samples, mean ± standard deviation; 1 for samples the classifier
///   cannot tell apart, 10 at most, for confident predictions spread evenly over the classes;
/// - the Fréchet distance between Gaussian fits of the classifier's penultimate features of the
///   samples and of the held-out real digits (FID's recipe): ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ −
///   2(Σ₁^½ Σ₂ Σ₁^½)^½), the matrix square roots from symmetric eigendecompositions in float64;
/// - the classes covered: how many digits get at least 1% of the samples.
///
/// Samples of a generator on its way to blowing up can overflow the features' covariance; the
/// values are then NaN, written as JSON null.
public struct ImageScore: Codable, Sendable, Equatable {
    public let samples: Int
    @FiniteOrNull public var classifierScore: Double
    @FiniteOrNull public var classifierScoreSpread: Double
    @FiniteOrNull public var frechetDistance: Double
    public let classesCovered: Int

    public init(samples: Int, classifierScore: Double, classifierScoreSpread: Double, frechetDistance: Double, classesCovered: Int) {
        self.samples = samples
        self.classifierScore = classifierScore
        self.classifierScoreSpread = classifierScoreSpread
        self.frechetDistance = frechetDistance
        self.classesCovered = classesCovered
    }

    /// exp(E KL(p(y|x) ‖ p(y))) for class probabilities [n, k], over `splits` parts: mean and
    /// sample standard deviation.
    public static func classifierScore(_ probabilities: Tensor, splits: Int = 10) -> (mean: Double, spread: Double) {
        let (n, k) = (probabilities.shape[0], probabilities.shape[1])
        let p = probabilities.doubles
        let parts = (0..<splits).map { part -> Double in
            let rows = (n * part / splits)..<(n * (part + 1) / splits)
            guard !rows.isEmpty else { return .nan }
            let marginal = (0..<k).map { c in rows.reduce(0.0) { $0 + p[$1 * k + c] } / Double(rows.count) }
            let divergence = rows.reduce(0.0) { total, row in
                total + (0..<k).reduce(0.0) { sum, c in
                    let value = p[row * k + c]
                    return value > 0 ? sum + value * (Foundation.log(value) - Foundation.log(marginal[c])) : sum
                }
            } / Double(rows.count)
            return Foundation.exp(divergence)
        }.filter(\.isFinite)
        let mean = parts.reduce(0, +) / Double(max(parts.count, 1))
        let variance = parts.count > 1 ? parts.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(parts.count - 1) : 0
        return (mean, variance.squareRoot())
    }

    /// The Fréchet distance between Gaussian fits of two sets of features [n, d] (rows samples).
    public static func frechetDistance(_ first: Tensor, _ second: Tensor) -> Double {
        let (mean1, covariance1) = moments(first)
        let (mean2, covariance2) = moments(second)
        return frechetDistance(mean1, covariance1, mean2, covariance2)
    }

    /// The Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂).
    public static func frechetDistance(_ mean1: [Double], _ covariance1: Matrix, _ mean2: [Double], _ covariance2: Matrix) -> Double {
        let root1 = SymmetricEigenDecomposition(covariance1).applying { max($0, 0).squareRoot() }
        let product = root1 * covariance2 * root1
        let traceOfRoot = SymmetricEigenDecomposition(product).eigenvalues.reduce(0) { $0 + max($1, 0).squareRoot() }
        let meanTerm = zip(mean1, mean2).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let traces = (0..<mean1.count).reduce(0.0) { $0 + covariance1[$1, $1] + covariance2[$1, $1] }
        return max(meanTerm + traces - 2 * traceOfRoot, 0)
    }

    /// The mean and the (unbiased) covariance of the rows of `features`, in float64.
    static func moments(_ features: Tensor) -> (mean: [Double], covariance: Matrix) {
        let (n, d) = (features.shape[0], features.shape[1])
        let x = features.doubles
        let mean = (0..<d).map { j in (0..<n).reduce(0.0) { $0 + x[$1 * d + j] } / Double(n) }
        var centered = Tensor(shape: [n, d], scalars: (0..<(n * d)).map { x[$0] - mean[$0 % d] })
        centered = centered.matmul(centered, transposingSelf: true) / Double(max(n - 1, 1))
        return (mean, Matrix(centered))
    }
}

/// Scores generated digits with a classifier, against the Gaussian fit of its features on the
/// held-out real digits (computed once). Scoring only reads the scorer, so runs trained at once
/// share the bundled one.
public final class ImageScorer: @unchecked Sendable {
    public let classifier: DigitClassifier
    /// The classifier's held-out accuracy, as stated with its weights.
    public let classifierAccuracy: Double
    private let reference: (mean: [Double], covariance: Matrix)
    /// Equal parts of the samples the classifier score is averaged over.
    public let splits = 10

    /// The scorer of the bundled classifier against the held-out bundled digits, made once per
    /// process (its reference features take a classifier pass over 2,000 digits).
    public static func bundled() throws(FormatError) -> ImageScorer {
        try bundledScorer.withLock { (cached: inout ImageScorer?) throws(FormatError) -> ImageScorer in
            if let cached { return cached }
            let (classifier, accuracy) = try DigitClassifier.bundled()
            let scorer = ImageScorer(classifier: classifier, accuracy: accuracy, reference: try ImageDataset.bundledMNIST())
            cached = scorer
            return scorer
        }
    }
    private static let bundledScorer = Mutex<ImageScorer?>(nil)

    /// A scorer of `classifier` against the held-out images of `reference`.
    public init(classifier: DigitClassifier, accuracy: Double, reference: ImageDataset) {
        self.classifier = classifier
        classifierAccuracy = accuracy
        let heldOut = Array((reference.count - DigitClassifier.heldOutCount)..<reference.count)
        self.reference = ImageScore.moments(classifier.features(reference.images(at: heldOut)))
    }

    /// Checks that images of `shape` [n, h, w, c] are digits the classifier can read.
    public static func check(imageShape shape: [Int], of name: String) throws(ConfigurationError) {
        guard shape.count == 4, shape[1] == 32, shape[2] == 32, shape[3] == 1 else {
            throw ConfigurationError("the score's classifier reads 32×32 single-channel digits; \(name) makes \(shape.dropFirst().map(String.init).joined(separator: "×")) images")
        }
    }

    /// The scores of `images` [n, 32, 32, 1] in [−1, 1].
    public func score(_ images: Tensor) -> ImageScore {
        let n = images.shape[0]
        let (score, spread) = ImageScore.classifierScore(classifier.probabilities(images), splits: splits)
        let (mean, covariance) = ImageScore.moments(classifier.features(images))
        let counts = classifier.classes(images).reduce(into: [Int](repeating: 0, count: 10)) { $0[$1] += 1 }
        return ImageScore(samples: n, classifierScore: score, classifierScoreSpread: spread,
                          frechetDistance: ImageScore.frechetDistance(mean, covariance, reference.mean, reference.covariance),
                          classesCovered: counts.filter { Double($0) >= 0.01 * Double(n) }.count)
    }
}
