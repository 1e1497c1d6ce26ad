import Foundation
import Formats
import Games
import Numerics
import Spectral
import Tensors

/// The paper's spectral diagnosis of a checkpoint: the exact Jacobian of the game's vector field
/// averaged over minibatches, the eigenvalues of J and of J − γJᵀJ, what they imply for step
/// sizes, and the paper's figure.
public struct SpectrumAnalysis: Sendable {
    public var batches = 10
    public var gamma = 10.0
    /// The step size to analyse; nil: the run's learning rate.
    public var stepSize: Double?
    /// Minibatch size; nil: the run's.
    public var batchSize: Int?
    /// Seed of the minibatches (random stream 3).
    public var seed: UInt64 = 0
    /// Also find this many eigenvalues of largest modulus with Arnoldi and compare (0: skip).
    public var arnoldiCount = 0
    public var saveJacobian = false

    public init() {}

    /// What `summary.json` holds.
    public struct Report: Codable, Sendable {
        public let source: String
        public let iteration: Int?
        public let parameterCount: Int
        public let blocks: [GameJacobian.Block]
        public let batches: Int
        public let batchSize: Int
        public let gamma: Double
        public let jacobian: StabilitySummary
        public let consensus: StabilitySummary
        public let seconds: Timing
        public let arnoldi: ArnoldiCheck?

        public struct Timing: Codable, Sendable {
            public let jacobian: Double
            public let eigenvalues: Double
            public let total: Double
        }

        /// The matrix-free eigenvalues beside the dense ones.
        public struct ArnoldiCheck: Codable, Sendable {
            public let eigenvalues: [[Double]]
            public let operatorApplications: Int
            public let converged: Bool
            /// max over the Arnoldi eigenvalues of the distance to the nearest dense one, relative to |λ|.
            public let largestRelativeDeviation: Double
        }
    }

    /// Analyses the run directory or checkpoint file `source` and writes everything to `directory`.
    public func run(source: String, directory: String) throws -> Report {
        let start = Date()
        let (experiment, iteration) = try SpectrumAnalysis.load(source)
        var generator = RandomGenerator(seed: seed, stream: 3)
        var configuration = experiment.configuration
        configuration.batchSize = batchSize ?? configuration.batchSize
        let sampler = MixtureExperiment(configuration: configuration)
        // Evaluated in float64 from the checkpoint's values, so the Jacobian is exact to double
        // precision rather than to the training precision.
        for named in experiment.game.allParameters { named.parameter.value = named.parameter.value.converted(to: .float64) }
        let minibatches = (0..<batches).map { _ in
            let batch = sampler.batch(using: &generator)
            return GenerativeAdversarialGame.Batch(real: batch.real.converted(to: .float64),
                                                   noise: batch.noise.converted(to: .float64))
        }
        try FileIO.makeDirectory(directory)
        try FileIO.makeDirectory(directory + "/batches")
        for (index, batch) in minibatches.enumerated() {
            let name = index < 10 ? "0\(index)" : "\(index)"
            try NumPyArray.write(batch.real, to: directory + "/batches/real-\(name).npy")
            try NumPyArray.write(batch.noise, to: directory + "/batches/noise-\(name).npy")
        }
        let jacobian = GameJacobian(game: experiment.game, batches: minibatches)
        let jacobianTime = Date().timeIntervalSince(start)
        let values = try EigenDecomposition(jacobian.matrix).eigenvalues
        let consensusValues = try EigenDecomposition(jacobian.consensusMatrix(gamma: gamma)).eigenvalues
        let eigenTime = Date().timeIntervalSince(start) - jacobianTime
        let h = stepSize ?? experiment.configuration.learningRate
        try NumPyArray.write(values, to: directory + "/eigenvalues-jacobian.npy")
        try NumPyArray.write(consensusValues, to: directory + "/eigenvalues-consensus.npy")
        if saveJacobian { try NumPyArray.write(jacobian.matrix.tensor, to: directory + "/jacobian.npy") }
        var arnoldi: Report.ArnoldiCheck?
        if arnoldiCount > 0 {
            let product = GameFieldOperator(game: experiment.game, batches: minibatches)
            let result = try ArnoldiEigenvalues(dimension: product.dimension, count: arnoldiCount, tolerance: 1e-6,
                                                apply: product.apply)
            let deviation = result.eigenvalues.map { value in
                (values.map { ($0 - value).length }.min() ?? .infinity) / Swift.max(value.length, 1e-300)
            }.max() ?? 0
            arnoldi = Report.ArnoldiCheck(eigenvalues: result.eigenvalues.map { [$0.real, $0.imaginary] },
                                          operatorApplications: result.operatorApplications,
                                          converged: result.converged, largestRelativeDeviation: deviation)
        }
        let report = Report(
            source: source, iteration: iteration, parameterCount: jacobian.matrix.rows, blocks: jacobian.blocks,
            batches: batches, batchSize: configuration.batchSize, gamma: gamma,
            jacobian: StabilitySummary(eigenvalues: values, stepSize: h),
            consensus: StabilitySummary(eigenvalues: consensusValues, stepSize: h),
            seconds: Report.Timing(jacobian: jacobianTime, eigenvalues: eigenTime, total: Date().timeIntervalSince(start)),
            arnoldi: arnoldi)
        try FileIO.write(encoded(report) + Array("\n".utf8), to: directory + "/summary.json")
        let plot = SpectrumAnalysis.figure(jacobian: values, consensus: consensusValues, gamma: gamma, stepSize: h)
        try FileIO.write(plot.png().png(), to: directory + "/spectrum.png")
        try FileIO.write(text: plot.svg(), to: directory + "/spectrum.svg")
        return report
    }

    /// The experiment of a run directory (config.json + checkpoint) or of a checkpoint file (its
    /// configuration metadata), with the checkpoint's parameters.
    public static func load(_ source: String) throws -> (MixtureExperiment, Int?) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw FormatError("no such run directory or checkpoint", path: source)
        }
        let checkpoint = isDirectory.boolValue ? source + "/" + Checkpoint.modelFile : source
        let (_, metadata) = try Safetensors.read(checkpoint)
        var configuration = TrainingConfiguration()
        if let text = metadata["configuration"],
           let saved = try? JSONDecoder().decode(TrainingConfiguration.self, from: Data(text.utf8)) {
            configuration = saved
        }
        let experiment = MixtureExperiment(configuration: configuration)
        _ = try Checkpoint.loadParameters(from: checkpoint, into: experiment.game)
        return (experiment, metadata["iteration"].flatMap(Int.init))
    }

    /// The paper's figure: eigenvalues of J and of J − γJᵀJ on the axes Re ∈ [−3.5, 0.75],
    /// Im ∈ [−1.2, 1.2], with the disc |1 + hλ| < 1 of step sizes h that are stable.
    public static func figure(jacobian: [Complex<Double>], consensus: [Complex<Double>], gamma: Double,
                              stepSize: Double) -> Plot {
        var plot = Plot(title: "Spectrum of the game's Jacobian", xLabel: "Re λ",
                        yLabel: "Im λ", xRange: -3.5...0.75, yRange: -1.2...1.2)
        plot.disc = Plot.Disc(center: (-1 / stepSize, 0), radius: 1 / stepSize, color: RGB(222, 240, 222),
                              name: "|1 + hλ| < 1, h = \(Plot.label(stepSize))")
        plot.series = [
            Plot.Series(name: "J = v′ (\(jacobian.count) eigenvalues)", color: Plot.palette[0],
                        points: jacobian.map { ($0.real, $0.imaginary) }),
            Plot.Series(name: "J − γJᵀJ, γ = \(Plot.label(gamma))", color: Plot.palette[1],
                        points: consensus.map { ($0.real, $0.imaginary) }),
        ]
        return plot
    }
}

extension NumPyArray {
    /// Writes complex values as a complex128 vector.
    static func write(_ values: [Complex<Double>], to path: String) throws(FormatError) {
        try FileIO.write(encodeComplex(real: values.map(\.real), imaginary: values.map(\.imaginary)), to: path)
    }
}
