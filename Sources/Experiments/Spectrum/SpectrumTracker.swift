import Foundation
import Formats
import Games
import Numerics
import Spectral
import Tensors

/// The spectrum during training (`train --spectrum-every N`): at each record, the eigenvalues of
/// the field's Jacobian of largest modulus and of largest real part on one fresh minibatch,
/// found matrix-free (Arnoldi on Jacobian-vector products, in float32), appended to
/// `spectrum.jsonl`; at the end, `spectrum-trajectory.png`/`.svg` shows how they moved.
public final class SpectrumTracker {
    /// One line of `spectrum.jsonl`.
    public struct Record: Codable, Sendable {
        public let iteration: Int
        /// [re, im] of the eigenvalues of largest modulus.
        public let largestMagnitude: [[Double]]
        /// [re, im] of the eigenvalues of largest real part.
        public let largestRealPart: [[Double]]
        public let maximumRealPart: Double
        public let spectralRadius: Double
        public let converged: Bool

        /// The numbers each record gives over training, as TensorBoard tags them and a report
        /// plots them.
        public static let series: [(tag: String, title: String, value: @Sendable (Record) -> Double)] = [
            ("spectrum/maximum_real_part", "largest Re λ of v′ (tracked)", { $0.maximumRealPart }),
            ("spectrum/spectral_radius", "spectral radius of v′ (tracked)", { $0.spectralRadius }),
        ]
    }

    /// The largest Krylov basis Arnoldi may build per record.
    public static let maximumDimension = 200

    public let directory: String
    public let count: Int
    private var records: [Record] = []
    /// The stream the minibatches of the records are drawn from; saved in checkpoints.
    public private(set) var random: RandomGenerator
    private let log: AppendOnlyFile

    /// The stream a run of `seed` starts with.
    public static func initialRandom(seed: UInt64) -> RandomGenerator {
        RandomGenerator(seed: seed, stream: 4)
    }

    /// Opens `spectrum.jsonl` in `directory` cut back to `length` bytes (0: a new run), keeping
    /// the records already there for the final figure, and continues from `random`.
    public init(directory: String, count: Int = 8, random: RandomGenerator, length: Int) throws(FormatError) {
        self.directory = directory
        self.count = count
        self.random = random
        let path = directory + "/spectrum.jsonl"
        if length > 0 {
            let kept = try FileIO.read(path).prefix(length)
            records = kept.split(separator: UInt8(ascii: "\n")).compactMap { try? JSON.decode(Record.self, from: $0) }
        }
        log = try AppendOnlyFile(path: path, length: length)
    }

    /// Records the spectrum of `experiment` at `iteration`, on a minibatch of its own stream
    /// (the training data sampler stays where it is), batch normalization on batch statistics
    /// without touching the running averages. Returns what it appended.
    @discardableResult
    public func record(_ experiment: any TrainingExperiment, iteration: Int) throws -> Record {
        let batch = experiment.analysisBatch(size: experiment.configuration.batchSize, using: &random)
        let product = experiment.game.withFrozenStatistics { GameFieldOperator(game: experiment.game, batches: [batch]) }
        let krylov = SpectrumAnalysis.affordableKrylovDimension(SpectrumTracker.maximumDimension, for: product.dimension)
        let magnitude = try ArnoldiEigenvalues(dimension: product.dimension, count: count, target: .largestMagnitude,
                                               tolerance: 1e-5, maximumDimension: krylov, apply: product.apply)
        let real = try ArnoldiEigenvalues(dimension: product.dimension, count: count, target: .largestRealPart,
                                          tolerance: 1e-5, maximumDimension: krylov, apply: product.apply)
        let record = Record(iteration: iteration, largestMagnitude: magnitude.eigenvalues.map { [$0.real, $0.imaginary] },
                            largestRealPart: real.eigenvalues.map { [$0.real, $0.imaginary] },
                            maximumRealPart: real.eigenvalues.map(\.real).max() ?? 0,
                            spectralRadius: magnitude.eigenvalues.map(\.length).max() ?? 0,
                            converged: magnitude.converged && real.converged)
        records.append(record)
        try log.append(JSON.line(record) + "\n")
        return record
    }

    /// Flushes the records to disk; returns the length to record in a checkpoint.
    public func synchronize() throws(FormatError) -> Int {
        try log.synchronize()
    }

    /// Writes the trajectory figure: every recorded eigenvalue, coloured from dark (early) to
    /// bright (late).
    public func finish() throws {
        guard !records.isEmpty else { return }
        let all = records.flatMap { $0.largestMagnitude + $0.largestRealPart }
        let reach = max(all.map { max(abs($0[0]), abs($0[1])) }.max() ?? 1, 1e-6) * 1.1
        var plot = Plot(title: "Eigenvalues of J during training", xLabel: "Re λ", yLabel: "Im λ",
                        xRange: -reach...reach, yRange: -reach...reach)
        let last = max(records.count - 1, 1)
        plot.series = records.enumerated().map { index, record in
            Plot.Series(name: "iteration \(record.iteration)", color: Colormap.viridis(Double(index) / Double(last)),
                        points: (record.largestMagnitude + record.largestRealPart).map { ($0[0], $0[1]) },
                        style: .dots(radius: 2.5))
        }
        if plot.series.count > 6 {
            // Keep the legend short: name only the first and last records.
            for index in plot.series.indices.dropFirst().dropLast() { plot.series[index].name = "" }
        }
        try FileIO.write(plot.png().png(), to: directory + "/spectrum-trajectory.png")
        try FileIO.write(text: plot.svg(), to: directory + "/spectrum-trajectory.svg")
    }
}
