import ArgumentParser
import Dispatch
import Foundation
import GANNumerics

struct EigenvalueBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "eig",
        abstract: "Seconds for the eigenvalues of a random dense matrix (the size of the paper's MoG game) and for a whole `spectrum` of a mog8 checkpoint.")

    @Option(help: "Matrix size.")
    var n = 2003

    @Option(help: "Time this matrix (a square float64 or float32 .npy file) instead of a random one.")
    var matrix: String?

    @Option(help: "A mog8 run directory or checkpoint for the whole-spectrum figure (default: the paper's networks at initialisation, saved to a temporary directory).")
    var checkpoint: String?

    @Option(help: "Minibatches the spectrum averages over (0: skip the whole-spectrum figure).")
    var batches = 10

    @Option(help: "Times to compute the eigenvalues; the figure is the median (the first run includes warming up).")
    var runs = 1

    @Flag(help: "Only the eigenvalue figure (no Jacobians, no spectrum).")
    var eigenvaluesOnly = false

    func validate() throws {
        guard n >= 1 else { throw ValidationError("--n must be at least 1, got \(n)") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1, got \(runs)") }
        guard batches >= 0 else { throw ValidationError("--batches must be 0 or more, got \(batches)") }
    }

    func figures() throws -> [Figure] {
        var generator = RandomGenerator(seed: 0)
        let subject = try matrix.map { Matrix(try NumPyArray.read($0)) }
            ?? Matrix(Tensor.normal([n, n], dtype: .float64, using: &generator))
        let seconds = try (0..<runs).map { _ in try measure { _ = try EigenDecomposition(subject).eigenvalues } }.sorted()
        let eigenvalues = reported(Figure(name: "eigenvalues n=\(subject.rows)", value: seconds[seconds.count / 2], unit: "s",
                                          digits: 3))
        guard !eigenvaluesOnly else { return [eigenvalues] }
        var figures = [eigenvalues,
                       reported(Figure(name: "jacobian mog8, one minibatch of 512, float64", value: try measure { jacobianOfOneMinibatch() },
                                       unit: "s", digits: 3)),
                       reported(Figure(name: "jacobian mog8, one minibatch of 512, float64, loss Hessians through the engine",
                                       value: try measure { jacobianOfOneMinibatch(preferring: .lossHessians) }, unit: "s", digits: 3)),
                       reported(Figure(name: "jacobian mog8, one minibatch of 512, float64, one reverse pass per row",
                                       value: try measure(jacobianRowByRow), unit: "s", digits: 3))]
        guard batches > 0 else { return figures }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gan-numerics-bench-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var source = checkpoint ?? scratch
        if checkpoint == nil {
            var initial = TrainingConfiguration()
            initial.iterations = 0
            try TrainingRun(configuration: initial, directory: scratch).run()
            source = scratch
        }
        var analysis = SpectrumAnalysis()
        analysis.batches = batches
        var report: SpectrumAnalysis.Report?
        let total = try measure { report = try analysis.run(source: source, directory: scratch + "/spectrum") }
        if let report {
            figures += [("spectrum mog8, \(batches) minibatches, end to end", total),
                        ("spectrum mog8: Jacobian of \(batches) minibatches", report.seconds.jacobian),
                        ("spectrum mog8: eigenvalues of J and J − γJᵀJ", report.seconds.eigenvalues)].map {
                reported(Figure(name: $0, value: $1, unit: "s", digits: 2))
            }
        }
        return figures
    }

    /// The dense Jacobian of the paper's MoG field at initialisation on one minibatch, in
    /// float64 as `spectrum` forms it (by default), or the way `preferred` names.
    private func jacobianOfOneMinibatch(preferring preferred: GameJacobian.Assembly = .perceptronLayers) {
        let (game, batch) = mixtureFieldInDouble()
        consume(GameJacobian(game: game, batches: [batch], preferring: preferred))
    }

    /// The same Jacobian the way it was formed before blocks of tangents: one vector-Jacobian
    /// product per row on the recorded field, the rows split between the cores.
    private func jacobianRowByRow() {
        let (game, batch) = mixtureFieldInDouble()
        let field = game.recordedField(on: batch)
        let targets = game.allParameters.map(\.parameter.variable)
        let n = field.count
        let parts = Parallel.processorCount
        Parallel.forEach(parts) { part in
            var unit = [Double](repeating: 0, count: n)
            for row in (n * part / parts)..<(n * (part + 1) / parts) {
                unit[row] = 1
                consume(vectorJacobianProduct(of: [field], wrt: targets, cotangents: [Tensor(shape: [n], scalars: unit)]))
                unit[row] = 0
            }
        }
    }

    /// The paper's MoG game at initialisation with its parameters in float64, and one minibatch.
    private func mixtureFieldInDouble() -> (GenerativeAdversarialGame, GenerativeAdversarialGame.Batch) {
        let experiment = MixtureExperiment(configuration: TrainingConfiguration())
        for named in experiment.game.allParameters { named.parameter.value = named.parameter.value.converted(to: .float64) }
        var generator = RandomGenerator(seed: 1)
        let batch = experiment.batch(using: &generator)
        return (experiment.game, GenerativeAdversarialGame.Batch(real: batch.real.converted(to: .float64),
                                                                 noise: batch.noise.converted(to: .float64)))
    }

    private func measure(_ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
