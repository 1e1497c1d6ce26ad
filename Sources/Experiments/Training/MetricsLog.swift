import Foundation
import Formats

/// One line of `metrics.jsonl`. Mode metrics appear on snapshot iterations only. Losses and ‖v‖
/// are `null` where there are none (iteration 0) — JSON has no NaN.
public struct MetricsRow: Codable, Sendable, Equatable {
    public var iteration: Int
    @FiniteOrNull public var generatorLoss: Double
    @FiniteOrNull public var discriminatorLoss: Double
    /// ‖v‖ on the iteration's minibatch.
    @FiniteOrNull public var fieldNorm: Double
    /// ‖∇L‖, L = ½‖v‖², where the method computes it (consensus optimization).
    public var consensusGradientNorm: Double?
    /// Seconds since the run began (across resumes): wall-clock, the one field that differs
    /// between identical runs.
    @FiniteOrNull public var wallTime: Double
    public var modesRecovered: Int?
    public var highQualityPercent: Double?
    public var klFromUniform: Double?
    public var classifierScore: Double?
    public var classifierScoreSpread: Double?
    public var frechetDistance: Double?
    public var classesCovered: Int?

    public init(iteration: Int, generatorLoss: Double, discriminatorLoss: Double, fieldNorm: Double, wallTime: Double) {
        self.iteration = iteration
        self.generatorLoss = generatorLoss
        self.discriminatorLoss = discriminatorLoss
        self.fieldNorm = fieldNorm
        self.wallTime = wallTime
    }

    /// Adds what a snapshot measured.
    public mutating func record(_ metrics: SampleMetrics) {
        if let modes = metrics.modes {
            modesRecovered = modes.modesRecovered
            highQualityPercent = modes.highQualityPercent
            klFromUniform = modes.klFromUniform
        }
        if let score = metrics.score {
            let finite = { (value: Double) in value.isFinite ? value : nil }
            classifierScore = finite(score.classifierScore)
            classifierScoreSpread = finite(score.classifierScoreSpread)
            frechetDistance = finite(score.frechetDistance)
            classesCovered = score.classesCovered
        }
    }

    enum CodingKeys: String, CodingKey {
        case iteration
        case generatorLoss = "generator_loss"
        case discriminatorLoss = "discriminator_loss"
        case fieldNorm = "field_norm"
        case consensusGradientNorm = "consensus_gradient_norm"
        case wallTime = "wall_time"
        case modesRecovered = "modes_recovered"
        case highQualityPercent = "high_quality_percent"
        case klFromUniform = "kl_from_uniform"
        case classifierScore = "classifier_score"
        case classifierScoreSpread = "classifier_score_spread"
        case frechetDistance = "frechet_distance"
        case classesCovered = "classes_covered"
    }
}

/// A quantity a metrics row may hold, as TensorBoard tags it and a report plots it.
public struct MetricSeries: Sendable {
    /// The TensorBoard tag; slashes group series (`loss/generator`).
    public let tag: String
    /// The plot's title.
    public let title: String
    /// Whether it is plotted on a logarithmic axis (‖v‖ spans decades).
    public let logarithmic: Bool
    /// Its value in a row, nil where the row has none.
    public let value: @Sendable (MetricsRow) -> Double?

    /// Every series, in the order reports show them: the one list the event file, the report
    /// and their tests derive from.
    public static let all: [MetricSeries] = [
        MetricSeries(tag: "loss/generator", title: "generator loss", logarithmic: false) { $0.generatorLoss },
        MetricSeries(tag: "loss/discriminator", title: "discriminator loss", logarithmic: false) { $0.discriminatorLoss },
        MetricSeries(tag: "field/norm", title: "‖v‖, the norm of the gradient field", logarithmic: true) { $0.fieldNorm },
        MetricSeries(tag: "field/consensus_gradient_norm", title: "‖∇L‖, L = ½‖v‖² (consensus)", logarithmic: true) {
            $0.consensusGradientNorm
        },
        MetricSeries(tag: "modes/recovered", title: "modes recovered", logarithmic: false) { $0.modesRecovered.map(Double.init) },
        MetricSeries(tag: "modes/high_quality_percent", title: "high-quality samples (%)", logarithmic: false) { $0.highQualityPercent },
        MetricSeries(tag: "modes/kl_from_uniform", title: "KL(modes ‖ uniform)", logarithmic: false) { $0.klFromUniform },
        MetricSeries(tag: "score/classifier_score", title: "classifier score", logarithmic: false) { $0.classifierScore },
        MetricSeries(tag: "score/frechet_distance", title: "Fréchet distance", logarithmic: true) { $0.frechetDistance },
        MetricSeries(tag: "score/classes_covered", title: "classes covered", logarithmic: false) { $0.classesCovered.map(Double.init) },
    ]
}

/// `metrics.jsonl`: one JSON line per logged iteration, appended as training goes. A checkpoint
/// records how many bytes had been written when it was committed; a resumed run cuts the file
/// back to that length, so rows of iterations after the checkpoint are dropped exactly.
public final class MetricsLog {
    private let file: AppendOnlyFile

    /// Opens `path` cut back to `length` bytes (0: a new run).
    public init(path: String, length: Int) throws(FormatError) {
        file = try AppendOnlyFile(path: path, length: length)
    }

    public var path: String { file.path }

    public func append(_ row: MetricsRow) throws(FormatError) {
        try file.append(JSON.line(row) + "\n")
    }

    /// Flushes the rows to disk; returns the length to record in a checkpoint.
    public func synchronize() throws(FormatError) -> Int {
        try file.synchronize()
    }

    /// The length of the rows of `path` up to `iteration`, after rewriting the file to hold only
    /// them: how a run from before checkpoints recorded lengths, or whose log was cut short
    /// since, is resumed.
    public static func keepRows(at path: String, through iteration: Int) throws(FormatError) -> Int {
        let text = (try? FileIO.read(path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let kept = text.split(separator: "\n").filter { line in
            (try? JSON.decode(MetricsRow.self, from: Array(line.utf8))).map { $0.iteration <= iteration } ?? false
        }.map { $0 + "\n" }.joined()
        try FileIO.write(text: kept, to: path)
        return kept.utf8.count
    }

    /// Every row of a metrics file.
    public static func rows(at path: String) throws(FormatError) -> [MetricsRow] {
        try JSON.readLines(MetricsRow.self, from: path, each: "a metrics row")
    }
}
