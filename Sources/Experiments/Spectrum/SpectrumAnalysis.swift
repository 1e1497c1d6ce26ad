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
    /// The settings, the checkpoint's configuration and the memory the dense Jacobian needs are
    /// checked before anything is computed; with `saveJacobian` the matrix is written before its
    /// eigenvalues are computed, and if the eigenvalue iteration fails, the eigenvalues it found
    /// and the matrix are written and the error says where.
    public func run(source: String, directory: String) throws -> Report {
        let start = Date()
        let (experiment, iteration, minibatches) = try prepare(source)
        try FileIO.makeDirectory(directory)
        try FileIO.makeDirectory(directory + "/batches")
        for (index, batch) in minibatches.enumerated() {
            let name = index < 10 ? "0\(index)" : "\(index)"
            try NumPyArray.write(batch.real, to: directory + "/batches/real-\(name).npy")
            try NumPyArray.write(batch.noise, to: directory + "/batches/noise-\(name).npy")
        }
        let jacobian = GameJacobian(game: experiment.game, batches: minibatches)
        let jacobianTime = Date().timeIntervalSince(start)
        if saveJacobian { try NumPyArray.write(jacobian.matrix.tensor, to: directory + "/jacobian.npy") }
        let values = try eigenvalues(of: jacobian.matrix, named: "jacobian", jacobian: jacobian, directory: directory)
        let consensusValues = try eigenvalues(of: jacobian.consensusMatrix(gamma: gamma), named: "consensus",
                                              jacobian: jacobian, directory: directory)
        let eigenTime = Date().timeIntervalSince(start) - jacobianTime
        let h = stepSize ?? experiment.configuration.learningRate
        try NumPyArray.write(values, to: directory + "/eigenvalues-jacobian.npy")
        try NumPyArray.write(consensusValues, to: directory + "/eigenvalues-consensus.npy")
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
            batches: batches, batchSize: minibatches[0].real.shape[0], gamma: gamma,
            jacobian: StabilitySummary(eigenvalues: values, stepSize: h),
            consensus: StabilitySummary(eigenvalues: consensusValues, stepSize: h),
            seconds: Report.Timing(jacobian: jacobianTime, eigenvalues: eigenTime, total: Date().timeIntervalSince(start)),
            arnoldi: arnoldi)
        try JSON.write(report, to: directory + "/summary.json")
        let plot = SpectrumAnalysis.figure(jacobian: values, consensus: consensusValues, gamma: gamma, stepSize: h)
        try FileIO.write(plot.png().png(), to: directory + "/spectrum.png")
        try FileIO.write(text: plot.svg(), to: directory + "/spectrum.svg")
        return report
    }

    /// The exact Jacobian of the field at the checkpoint `source`, averaged over this analysis's
    /// minibatches (what ``run(source:directory:)`` analyses).
    public func jacobian(source: String) throws -> GameJacobian {
        let (experiment, _, minibatches) = try prepare(source)
        return GameJacobian(game: experiment.game, batches: minibatches)
    }

    /// The checkpoint's experiment in float64 and the minibatches, after checking the settings,
    /// the checkpoint's configuration and the memory the dense Jacobian needs.
    private func prepare(_ source: String) throws -> (MixtureExperiment, Int?, [GenerativeAdversarialGame.Batch]) {
        guard batches > 0 else { throw ConfigurationError("--batches must be positive, got \(batches)") }
        let (experiment, iteration) = try SpectrumAnalysis.load(source)
        var configuration = experiment.configuration
        configuration.batchSize = batchSize ?? configuration.batchSize
        try configuration.validate()
        let dimension = experiment.game.allParameters.reduce(0) { $0 + $1.parameter.value.count }
        let (denseBytes, available) = (4 * Double(dimension) * Double(dimension) * 8, Double(ProcessInfo.processInfo.physicalMemory))
        guard denseBytes <= available else {
            throw ConfigurationError("the dense Jacobian of \(dimension) parameters needs about \(gibibytes(denseBytes)); this machine has \(gibibytes(available))")
        }
        // Evaluated in float64 from the checkpoint's values, so the Jacobian is exact to double
        // precision rather than to the training precision.
        for named in experiment.game.allParameters { named.parameter.value = named.parameter.value.converted(to: .float64) }
        let sampler = MixtureExperiment(configuration: configuration)
        var generator = RandomGenerator(seed: seed, stream: 3)
        let minibatches = (0..<batches).map { _ in
            let batch = sampler.batch(using: &generator)
            return GenerativeAdversarialGame.Batch(real: batch.real.converted(to: .float64),
                                                   noise: batch.noise.converted(to: .float64))
        }
        return (experiment, iteration, minibatches)
    }

    /// The eigenvalues of `matrix`; when the iteration fails, writes the eigenvalues it found as
    /// `eigenvalues-<name>.partial.npy` and the Jacobian as `jacobian.npy`, and says so.
    private func eigenvalues(of matrix: Matrix, named name: String, jacobian: GameJacobian,
                             directory: String) throws -> [Complex<Double>] {
        do {
            return try EigenDecomposition(matrix).eigenvalues
        } catch .noConvergence(let iterations, let found, let unconverged) {
            let partial = directory + "/eigenvalues-\(name).partial.npy"
            try NumPyArray.write(found, to: partial)
            if !saveJacobian { try NumPyArray.write(jacobian.matrix.tensor, to: directory + "/jacobian.npy") }
            throw SpectrumError("""
                the eigenvalues of the \(name) matrix did not converge after \(iterations) QR iterations: \
                \(found.count) of \(matrix.rows) were found and written to \(partial), \(unconverged) were not; \
                the Jacobian is in \(directory)/jacobian.npy
                """)
        } catch {
            throw SpectrumError("the eigenvalues of the \(name) matrix: \(error)")
        }
    }

    /// The experiment of a run directory, a checkpoint directory or a model file (whose
    /// `configuration` metadata says how to build the networks, checked like command-line
    /// settings), with the checkpoint's parameters.
    public static func load(_ source: String) throws -> (MixtureExperiment, Int?) {
        let path = try Checkpoint.modelPath(for: source)
        let (tensors, metadata) = try Safetensors.read(path)
        var configuration = TrainingConfiguration()
        if let text = metadata["configuration"] {
            do {
                configuration = try JSON.decode(TrainingConfiguration.self, from: Array(text.utf8))
                try configuration.validate()
            } catch let error as FormatError {
                throw FormatError("its configuration metadata is unreadable: \(error.reason)", path: path)
            } catch {
                throw FormatError("its configuration metadata is not usable: \(error)", path: path)
            }
        }
        let experiment = MixtureExperiment(configuration: configuration)
        try Checkpoint.loadParameters(tensors, into: experiment.game, path: path)
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

/// A spectrum that could not be computed, with what was written instead.
public struct SpectrumError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

extension NumPyArray {
    /// Writes complex values as a complex128 vector.
    static func write(_ values: [Complex<Double>], to path: String) throws(FormatError) {
        try FileIO.write(encodeComplex(real: values.map(\.real), imaginary: values.map(\.imaginary)), to: path)
    }
}
