import ArgumentParser
import Dispatch
import Foundation
import GANNumerics

struct EigenvalueBenchmark: ParsableCommand {
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

    func run() throws {
        var generator = RandomGenerator(seed: 0)
        let subject = try matrix.map { Matrix(try NumPyArray.read($0)) }
            ?? Matrix(Tensor.normal([n, n], dtype: .float64, using: &generator))
        let seconds = try measure { _ = try EigenDecomposition(subject).eigenvalues }
        print("gan-numerics eigvals n=\(subject.rows) seconds=\(formatted(seconds, digits: 3))")
        guard batches > 0 else { return }
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
            print("gan-numerics spectrum mog8 parameters=\(report.parameterCount) batches=\(batches) seconds=\(formatted(total, digits: 2)) (jacobian \(formatted(report.seconds.jacobian, digits: 2)) s, eigenvalues of J and J−γJᵀJ \(formatted(report.seconds.eigenvalues, digits: 2)) s)")
        }
    }

    private func measure(_ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
