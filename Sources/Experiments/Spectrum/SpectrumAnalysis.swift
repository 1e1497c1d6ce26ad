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
    /// Find eigenvalues matrix-free even when the dense Jacobian would do.
    public var matrixFree = false
    /// How many eigenvalues of each end the matrix-free path finds.
    public var matrixFreeCount = 8
    /// The largest Krylov basis of the matrix-free path (fewer when its vectors would not fit in
    /// ``krylovMemoryBudget``).
    public var krylovDimension = 200

    /// The largest field the dense path takes: the eigenvalues of an n×n matrix cost about
    /// 25n³ flops, half an hour on one core at n = 8,192 — beyond that, Arnoldi.
    public static let denseLimit = 8192
    /// Bytes the matrix-free path may spend on its Krylov basis (n doubles per vector).
    public static let krylovMemoryBudget = 4.0 * 1024 * 1024 * 1024

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
        /// Over every eigenvalue (dense) or over those found (matrix-free).
        public let jacobian: StabilitySummary
        public let consensus: StabilitySummary
        public let seconds: Timing
        public let arnoldi: ArnoldiCheck?
        /// Set when the eigenvalues were found matrix-free, with why.
        public let matrixFree: MatrixFreeSpectrum?

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

    /// `wanted`, or fewer when a Krylov basis of `dimension`-vectors would exceed
    /// ``krylovMemoryBudget`` (never fewer than 10).
    public static func affordableKrylovDimension(_ wanted: Int, for dimension: Int) -> Int {
        max(min(wanted, Int(krylovMemoryBudget / (8 * Double(max(dimension, 1))))), 10)
    }

    /// Why the dense path is not taken for a field of `dimension` parameters, or nil when it is.
    public func matrixFreeReason(dimension: Int) -> String? {
        let denseBytes = 4 * Double(dimension) * Double(dimension) * 8
        let available = Double(ProcessInfo.processInfo.physicalMemory)
        if denseBytes > available {
            return "the dense Jacobian of \(dimension) parameters needs about \(gibibytes(denseBytes)); this machine has \(gibibytes(available))"
        }
        if dimension > SpectrumAnalysis.denseLimit {
            return "the dense eigenvalues of \(dimension) parameters (over \(SpectrumAnalysis.denseLimit)) would take hours"
        }
        return matrixFree ? "--matrix-free was asked for" : nil
    }

    /// Analyses the run directory or checkpoint file `source` and writes everything to `directory`.
    /// The settings, the checkpoint's configuration and the memory the dense Jacobian needs are
    /// checked before anything is computed; with `saveJacobian` the matrix is written before its
    /// eigenvalues are computed, and if the eigenvalue iteration fails, the eigenvalues it found
    /// and the matrix are written and the error says where.
    /// `progress` gets the stage, the steps done and the steps in all: the minibatches of the
    /// dense Jacobian, then its two eigendecompositions; or the operator products of the
    /// matrix-free path.
    public func run(source: String, directory: String,
                    progress: ((_ stage: String, _ done: Int, _ total: Int) -> Void)? = nil) throws -> Report {
        let start = Date()
        let (experiment, iteration, minibatches) = try prepare(source)
        try FileIO.makeDirectory(directory)
        try FileIO.makeDirectory(directory + "/batches")
        for (index, batch) in minibatches.enumerated() {
            let name = index < 10 ? "0\(index)" : "\(index)"
            try NumPyArray.write(batch.real, to: directory + "/batches/real-\(name).npy")
            try NumPyArray.write(batch.noise, to: directory + "/batches/noise-\(name).npy")
        }
        let h = stepSize ?? experiment.configuration.learningRate
        let blocks = GameJacobian.blocks(of: experiment.game)
        let dimension = blocks.last?.range.upperBound ?? 0
        var jacobianValues: [Complex<Double>], consensusValues: [Complex<Double>]
        var arnoldi: Report.ArnoldiCheck?
        var matrixFreeResult: MatrixFreeSpectrum?
        var jacobianTime = 0.0
        if let reason = matrixFreeReason(dimension: dimension) {
            let product = experiment.game.withFrozenStatistics { GameFieldOperator(game: experiment.game, batches: minibatches) }
            let krylov = SpectrumAnalysis.affordableKrylovDimension(krylovDimension, for: dimension)
            let found = try MatrixFreeSpectrum(product, gamma: gamma, count: matrixFreeCount, reason: reason, krylovDimension: krylov,
                                               tolerance: minibatches[0].real.dtype == .float64 ? 1e-10 : MatrixFreeSpectrum.float32Tolerance,
                                               progress: { progress?("Jacobian-vector products", $0, $1) })
            (jacobianValues, consensusValues) = (found.jacobian.all, found.consensus.all)
            matrixFreeResult = found
        } else {
            let jacobian = GameJacobian(game: experiment.game, batches: minibatches) {
                progress?("Jacobian of \(minibatches.count) minibatches", $0, minibatches.count)
            }
            jacobianTime = Date().timeIntervalSince(start)
            if saveJacobian { try NumPyArray.write(jacobian.matrix.tensor, to: directory + "/jacobian.npy") }
            // Both spectra at once, one per core: their QR iterations are mostly serial.
            let matrices = [jacobian.matrix, jacobian.consensusMatrix(gamma: gamma)]
            let stage = "eigenvalues of J and J − γJᵀJ"
            progress?(stage, 0, matrices.count)
            var outcomes = [Result<[Complex<Double>], EigenError>](repeating: .success([]), count: matrices.count)
            outcomes.withUnsafeMutableBufferPointer { buffer in
                let outcome = buffer.baseAddress!
                Parallel.forEach(matrices.count) { index in
                    outcome[index] = Result { () throws(EigenError) in try EigenDecomposition(matrices[index]).eigenvalues }
                }
            }
            progress?(stage, matrices.count, matrices.count)
            jacobianValues = try eigenvalues(outcomes[0], of: matrices[0], named: "jacobian", jacobian: jacobian, directory: directory)
            consensusValues = try eigenvalues(outcomes[1], of: matrices[1], named: "consensus", jacobian: jacobian,
                                              directory: directory)
            if arnoldiCount > 0 { arnoldi = try check(jacobianValues, experiment: experiment, minibatches: minibatches) }
        }
        let eigenTime = Date().timeIntervalSince(start) - jacobianTime
        try NumPyArray.write(jacobianValues, to: directory + "/eigenvalues-jacobian.npy")
        try NumPyArray.write(consensusValues, to: directory + "/eigenvalues-consensus.npy")
        let report = Report(
            source: source, iteration: iteration, parameterCount: dimension, blocks: blocks,
            batches: batches, batchSize: minibatches[0].real.shape[0], gamma: gamma,
            jacobian: StabilitySummary(eigenvalues: jacobianValues, stepSize: h),
            consensus: StabilitySummary(eigenvalues: consensusValues, stepSize: h),
            seconds: Report.Timing(jacobian: jacobianTime, eigenvalues: eigenTime, total: Date().timeIntervalSince(start)),
            arnoldi: arnoldi, matrixFree: matrixFreeResult)
        try JSON.write(report, to: directory + "/summary.json")
        let plot = SpectrumAnalysis.figure(jacobian: jacobianValues, consensus: consensusValues, gamma: gamma, stepSize: h,
                                           fitted: matrixFreeResult != nil)
        try FileIO.write(plot.png().png(), to: directory + "/spectrum.png")
        try FileIO.write(text: plot.svg(), to: directory + "/spectrum.svg")
        return report
    }

    /// The dense eigenvalues beside `arnoldiCount` of largest modulus found matrix-free.
    private func check(_ values: [Complex<Double>], experiment: any TrainingExperiment,
                       minibatches: [GenerativeAdversarialGame.Batch]) throws -> Report.ArnoldiCheck {
        let product = GameFieldOperator(game: experiment.game, batches: minibatches)
        let result = try ArnoldiEigenvalues(dimension: product.dimension, count: arnoldiCount, tolerance: 1e-6,
                                            apply: product.apply)
        let deviation = result.eigenvalues.map { value in
            (values.map { ($0 - value).length }.min() ?? .infinity) / Swift.max(value.length, 1e-300)
        }.max() ?? 0
        return Report.ArnoldiCheck(eigenvalues: result.eigenvalues.map { [$0.real, $0.imaginary] },
                                   operatorApplications: result.operatorApplications,
                                   converged: result.converged, largestRelativeDeviation: deviation)
    }

    /// The exact Jacobian of the field at the checkpoint `source`, averaged over this analysis's
    /// minibatches (what ``run(source:directory:)`` analyses).
    public func jacobian(source: String) throws -> GameJacobian {
        let (experiment, _, minibatches) = try prepare(source)
        return experiment.game.withFrozenStatistics { GameJacobian(game: experiment.game, batches: minibatches) }
    }

    /// The checkpoint's experiment and the minibatches, after checking the settings and the
    /// checkpoint's configuration. Fields small enough for the dense path are evaluated in
    /// float64 from the checkpoint's values, so the Jacobian is exact to double precision rather
    /// than to the training precision; larger ones stay in float32.
    private func prepare(_ source: String) throws -> (any TrainingExperiment, Int?, [GenerativeAdversarialGame.Batch]) {
        guard batches > 0 else { throw ConfigurationError("--batches must be positive, got \(batches)") }
        if let batchSize, batchSize <= 0 { throw ConfigurationError("--batch-size must be positive, got \(batchSize)") }
        let (experiment, iteration) = try Checkpoint.experiment(from: source)
        let size = batchSize ?? experiment.configuration.batchSize
        let dimension = experiment.game.allParameters.reduce(0) { $0 + $1.parameter.value.count }
        let precision: DType = dimension <= SpectrumAnalysis.denseLimit ? .float64 : .float32
        for named in experiment.game.allParameters { named.parameter.value = named.parameter.value.converted(to: precision) }
        for named in experiment.game.buffers { named.buffer.value = named.buffer.value.converted(to: precision) }
        var generator = RandomGenerator(seed: seed, stream: 3)
        let minibatches = (0..<batches).map { _ in
            let batch = experiment.analysisBatch(size: size, using: &generator)
            return GenerativeAdversarialGame.Batch(real: batch.real.converted(to: precision),
                                                   noise: batch.noise.converted(to: precision),
                                                   interpolation: batch.interpolation?.converted(to: precision))
        }
        return (experiment, iteration, minibatches)
    }

    /// The eigenvalues of `matrix` from their computation's `outcome`; when the iteration failed,
    /// writes the eigenvalues it found as `eigenvalues-<name>.partial.npy` and the Jacobian as
    /// `jacobian.npy`, and says so.
    private func eigenvalues(_ outcome: Result<[Complex<Double>], EigenError>, of matrix: Matrix, named name: String,
                             jacobian: GameJacobian, directory: String) throws -> [Complex<Double>] {
        do {
            return try outcome.get()
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

    /// The paper's figure: eigenvalues of J and of J − γJᵀJ on the axes Re ∈ [−3.5, 0.75],
    /// Im ∈ [−1.2, 1.2] (or, `fitted`, on axes that hold every eigenvalue), with the disc
    /// |1 + hλ| < 1 of step sizes h that are stable.
    public static func figure(jacobian: [Complex<Double>], consensus: [Complex<Double>], gamma: Double,
                              stepSize: Double, fitted: Bool = false) -> Plot {
        let reach = 1.1 * max((jacobian + consensus).map { max(abs($0.real), abs($0.imaginary)) }.max() ?? 1, 1e-6)
        var plot = Plot(title: "Spectrum of the game's Jacobian", xLabel: "Re λ", yLabel: "Im λ",
                        xRange: fitted ? -reach...reach : -3.5...0.75, yRange: fitted ? -reach...reach : -1.2...1.2)
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
